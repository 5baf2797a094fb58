package io.changeflux.samples.cli;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSources;
import io.changeflux.ChangeSourceException;
import io.changeflux.Durations;
import io.changeflux.SourceOptions;
import io.changeflux.samples.json.EventJson;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/** {@code changeflux watch URI}: prints every event of a source, one per line. */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    description = {
      "Print the events of a source, one per line on stdout.",
      "Once the source is established, prints 'watching URI' on stderr.",
      "Exit status: 0 on SIGINT/SIGTERM or after --count events; 2 for bad usage or configuration; 1 for a run-time failure;"
          + " 3 when, on SIGINT/SIGTERM, the --exec command did not stop within --stop-timeout and was killed."
    })
final class WatchCommand implements Callable<Integer> {

  @Parameters(index = "0", arity = "0..1", paramLabel = "URI", description = "the source, e.g. fs:. or 'redis://localhost:6379?channels=builds'")
  String uri;

  @Option(names = "--json", description = "one JSON object per line: time, source, kind, key, sha, payload, count, batch, headers")
  boolean json;

  @Option(names = "--count", paramLabel = "N", description = "exit 0 after N events")
  Long count;

  @Option(names = "--debug", description = "log at debug level and show stack traces")
  boolean debug;

  @Mixin SourceArgs source = new SourceArgs();

  @Option(
      names = "--exec",
      paramLabel = "CMD",
      description = {
        "run CMD [ARGS...] (everything after --exec, so it comes last) after each batch, in a process group "
            + "of its own, never two at once. Its environment: CHANGEFLUX_EVENTS_FILE (every event, JSON lines "
            + "as --json), CHANGEFLUX_KEYS (changed keys, one per line, cut past 32 KiB with "
            + "CHANGEFLUX_KEYS_TRUNCATED=1), CHANGEFLUX_KEY_COUNT, CHANGEFLUX_OVERFLOW=1 when changes were lost. "
            + "Default debounce 200ms, max-wait 5s. Events are not printed."
      })
  String execHelp;

  @Option(
      names = "--on-busy",
      paramLabel = "queue|restart|signal|do-nothing",
      description = "with --exec, changes while CMD runs: queue = next run (default); restart = stop CMD and run it "
          + "again (CMD also starts at once); signal = send --stop-signal, then queue; do-nothing = drop them")
  String onBusy;

  @Option(names = "--restart", description = "with --exec: --on-busy restart (for servers)")
  boolean restart;

  @Option(names = "--stop-signal", paramLabel = "SIG", description = "with --exec: signal that stops CMD's group (default TERM)")
  String stopSignal;

  @Option(
      names = "--stop-timeout",
      paramLabel = "DURATION",
      description = "with --exec: after the stop signal, wait this long, then SIGKILL CMD's group (default 10s)")
  String stopTimeout;

  @Option(names = "--stdin-events", description = "with --exec: CMD's stdin is the events file (else /dev/null)")
  boolean stdinEvents;

  /** The command after --exec, split off by {@link Main#run} before picocli parses the rest. */
  static volatile List<String> execTail;

  /** The process controls; a bad value, or a control without --exec, is a usage error (exit status 2). */
  private ExecRunner.Control control(boolean exec) {
    if (!exec && (onBusy != null || restart || stopSignal != null || stopTimeout != null || stdinEvents)) {
      throw new ChangeSourceException(
          "--on-busy, --restart, --stop-signal, --stop-timeout and --stdin-events need --exec CMD (last on the line)", "exec", null);
    }
    ExecRunner.OnBusy busy = ExecRunner.OnBusy.QUEUE;
    if (onBusy != null) {
      busy = ExecRunner.OnBusy.parse(onBusy);
      if (busy == null) {
        throw new ChangeSourceException("bad value '" + onBusy + "' for --on-busy: queue, restart, signal or do-nothing", "on-busy", null);
      }
      if (restart && busy != ExecRunner.OnBusy.RESTART) {
        throw new ChangeSourceException("--restart and --on-busy " + onBusy + " contradict each other", "on-busy", null);
      }
    } else if (restart) {
      busy = ExecRunner.OnBusy.RESTART;
    }
    String sig = CommandProcess.signalName(stopSignal == null ? "TERM" : stopSignal);
    if (sig == null) {
      throw new ChangeSourceException("bad value '" + stopSignal + "' for --stop-signal: a signal name (TERM, INT, HUP, ...) or number", "stop-signal", null);
    }
    Duration timeout;
    try {
      timeout = Durations.parse(stopTimeout == null ? "10s" : stopTimeout);
    } catch (RuntimeException e) {
      throw new ChangeSourceException("bad value '" + stopTimeout + "' for --stop-timeout: " + Durations.ACCEPTED, "stop-timeout", null);
    }
    return new ExecRunner.Control(busy, sig, timeout, stdinEvents);
  }

  @Override
  public Integer call() throws Exception {
    SourceOptions options = source.resolve(uri);
    List<String> exec = execTail;
    ExecRunner.Control control = control(exec != null);
    if (exec != null) {
      return ExecRunner.run(options, exec, control, debug);
    }
    ChangeSource src = ChangeSources.open(options);
    boolean batched = options.has("debounce");
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
    Session session = new Session(debug);
    AtomicLong printed = new AtomicLong();
    AtomicLong batchNo = new AtomicLong();
    Flux<List<ChangeEvent>> flux = batched ? src.batches() : src.events().map(List::of);
    Disposable subscription =
        flux.contextWrite(ChangeSources.onReady(session.announce(options.redacted())))
            .subscribe(
                batch -> {
                  Long b = batched ? batchNo.incrementAndGet() : null;
                  StringBuilder lines = new StringBuilder();
                  for (ChangeEvent e : batch) {
                    if (count != null && printed.get() >= count) {
                      break;
                    }
                    lines.append(json ? EventJson.json(e, b) : EventFormat.text(e, b)).append('\n');
                    printed.incrementAndGet();
                  }
                  out.print(lines);
                  out.flush();
                  if (count != null && printed.get() >= count) {
                    session.finish();
                  }
                },
                session.failure(),
                session::finish);
    int status = session.await(subscription);
    out.flush();
    return status;
  }
}
