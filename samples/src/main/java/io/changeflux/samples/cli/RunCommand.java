package io.changeflux.samples.cli;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.changeflux.Durations;
import io.changeflux.SourceOptions;
import io.changeflux.samples.run.Handoff;
import io.changeflux.samples.run.PipelineFile;
import io.changeflux.samples.run.PipelineRunner;
import io.changeflux.samples.run.WaveRunner;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import reactor.core.Disposable;

/** {@code changeflux run PIPELINE_FILE [--watch]}: runs a pipeline's stages, and re-runs what a change affects. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run a pipeline's stages once (exit 0 when all succeed, 1 when one fails), or with --watch",
      "run them all, then re-run only the stages a change affects and those downstream of them.",
      "Stage outputs are never watched; changes during a run go into the next wave.",
      "With --watch on a terminal: f forces a full run, q quits.",
      "With --watch --state FILE (or state= in the pipeline file), a restart runs only what changed while stopped."
    })
final class RunCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "PIPELINE_FILE", description = "properties file with stage.NAME.inputs/outputs/after/command")
  Path file;

  @Option(names = "--watch", description = "keep watching and re-run affected stages")
  boolean watch;

  @Option(names = "--debounce", paramLabel = "DURATION", description = "quiet period (default: the file's debounce, else 200ms)")
  String debounce;

  @Option(names = "--max-wait", paramLabel = "DURATION", description = "longest wait under continuous change (default: the file's maxWait, else 5s)")
  String maxWait;

  @Option(
      names = "--state",
      paramLabel = "FILE",
      description = {
        "with --watch: remember what was seen in FILE (default: the pipeline file's state=, else none);",
        "a restart runs only the stages that changes made while stopped affect (all on the first start)"
      })
  Path state;

  @Option(names = "--debug", description = "log at debug level and show stack traces")
  boolean debug;

  @Override
  public Integer call() throws Exception {
    PipelineFile first = PipelineFile.read(file);
    PipelineRunner runner = new PipelineRunner(System.err);
    if (!watch) {
      try (EventsFile none = EventsFile.write(List.of(), 1)) {
        return runner.run(first, first.all(), List.of(), Map.of(Handoff.EVENTS_FILE, none.path.toString())) ? 0 : Main.FAILURE;
      }
    }
    String quiet = debounce != null ? debounce : Durations.format(first.debounce());
    String most = maxWait != null ? maxWait : Durations.format(first.maxWait());
    AtomicReference<PipelineFile> current = new AtomicReference<>(first);
    Path root = first.root();
    String pipelineKey = relativeKey(root, first.file());
    StringBuilder uri = new StringBuilder("fs:").append(root.toString().replace("%", "%25").replace("?", "%3F"));
    uri.append("?debounce=").append(quiet).append("&maxWait=").append(most);
    SourceOptions options = ExecRunner.watchDefaults(SourceOptions.parse(uri.toString()));
    Path stateFile = state != null ? state.toAbsolutePath().normalize() : first.state().orElse(null);
    boolean resume = false;
    if (stateFile != null) {
      if (stateFile.startsWith(root.toAbsolutePath().normalize())) {
        // Its own checkpoints would be changes to watch: a wave, an acknowledgement, a checkpoint...
        throw new ChangeSourceException(
            file + ": state file " + stateFile + " is inside the watched root " + root
                + "; put it outside (e.g. --state ../" + root.getFileName() + ".run.state)",
            "state",
            null);
      }
      options = options.with("state", stateFile.toString());
      if (ChangeSources.options(ChangeSources.provider(options)).stream().anyMatch(o -> o.name().equals("ack"))) {
        // The state advances only for changes whose wave ran: a kill mid-run runs them again.
        options = options.with("ack", "manual");
      }
      // With a state from an earlier run, the source reports what changed since: only the
      // stages those changes affect run at start (a state it cannot trust gives an OVERFLOW: all).
      resume = java.nio.file.Files.isRegularFile(stateFile);
    }
    var source = ChangeSources.open(options);

    Session session = new Session(debug);
    WaveRunner waves =
        new WaveRunner(
            "changeflux-run",
            10_000,
            wave -> {
              PipelineFile pf = current.get();
              List<ChangeEvent> changed = new ArrayList<>();
              boolean reload = false;
              for (ChangeEvent e : wave.events()) {
                if (e.key().equals(pipelineKey)) {
                  reload = true;
                } else if (!isOutput(pf, e.key())) {
                  changed.add(e);
                }
              }
              if (reload) {
                try {
                  pf = PipelineFile.read(file);
                  current.set(pf);
                  System.err.println("changeflux: reloaded " + file);
                  changed.removeIf(e -> isOutput(current.get(), e.key()));
                } catch (ChangeSourceException e) {
                  System.err.println("changeflux: " + e.getMessage() + "; keeping the last valid pipeline");
                }
              }
              List<String> keys = changed.stream().map(ChangeEvent::key).toList();
              List<PipelineFile.Stage> stages = wave.overflow() ? pf.all() : pf.affected(keys);
              if (!stages.isEmpty()) {
                try (EventsFile events = EventsFile.write(changed, wave.number())) {
                  runner.run(pf, stages, keys, Map.of(Handoff.EVENTS_FILE, events.path.toString()));
                }
              }
              wave.events().forEach(ChangeEvent::ack);
            });
    if (!resume) {
      // The first wave: everything.
      waves.force();
    }
    Disposable d =
        source
            .batches()
            .contextWrite(ChangeSources.onReady(session.announce(root + " for " + file)))
            .subscribe(waves::offer, session.failure(), session::finish);
    Thread keys = keyReader(waves, session);
    try {
      return session.await(d);
    } finally {
      waves.close();
      if (keys != null) {
        keys.interrupt();
        Terminal.restore();
      }
    }
  }

  private static boolean isOutput(PipelineFile pf, String key) {
    for (String g : pf.outputs()) {
      if (PipelineFile.globMatches(g, key)) {
        return true;
      }
    }
    return false;
  }

  private static String relativeKey(Path root, Path file) {
    return root.relativize(file.toAbsolutePath().normalize()).toString().replace('\\', '/');
  }

  /** On a terminal: f forces a full run, q quits. */
  private static Thread keyReader(WaveRunner waves, Session session) {
    if (System.console() == null) {
      return null;
    }
    Terminal.raw();
    Thread t =
        new Thread(
            () -> {
              InputStream in = System.in;
              try {
                int c;
                while ((c = in.read()) >= 0) {
                  if (c == 'f') {
                    System.err.println("changeflux: full run requested");
                    waves.force();
                  } else if (c == 'q') {
                    session.finish();
                    return;
                  }
                }
              } catch (java.io.IOException e) {
                // stdin closed
              }
            },
            "changeflux-keys");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Character-at-a-time terminal input, restored on exit. */
  static final class Terminal {
    private static volatile String saved;

    static void raw() {
      saved = stty("-g");
      if (saved != null) {
        stty("-icanon min 1 -echo");
        Runtime.getRuntime().addShutdownHook(new Thread(Terminal::restore));
      }
    }

    static void restore() {
      String s = saved;
      if (s != null) {
        stty(s);
        saved = null;
      }
    }

    private static String stty(String args) {
      try {
        Process p = new ProcessBuilder("sh", "-c", "stty " + args + " < /dev/tty").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        return p.waitFor() == 0 ? out : null;
      } catch (java.io.IOException | InterruptedException e) {
        return null;
      }
    }
  }
}
