package io.changeflux.samples.cli;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangePipeline;
import io.changeflux.ChangeSources;
import io.changeflux.SourceOptions;
import io.changeflux.samples.run.Handoff;
import io.changeflux.samples.run.WaveRunner;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.Disposable;

/**
 * {@code watch URI --exec CMD ARGS...}: runs a command after each batch of changes, in a process
 * group of its own (see {@link CommandProcess}), never two at once. What a batch that arrives while
 * the command runs does is {@link OnBusy}.
 */
final class ExecRunner {

  /** What changes that arrive while the command runs do. */
  enum OnBusy {
    /** They go into the next run, which starts when this one ends (the default). */
    QUEUE,
    /** The command is stopped (stop signal, stop timeout, SIGKILL) and run again with them; it also starts at once. */
    RESTART,
    /** The stop signal is sent to the command's group; they go into the next run. */
    SIGNAL,
    /** They are dropped. */
    DO_NOTHING;

    static OnBusy parse(String s) {
      for (OnBusy b : values()) {
        if (b.name().replace('_', '-').equalsIgnoreCase(s.trim())) {
          return b;
        }
      }
      return null;
    }
  }

  /** Exit status when the command had to be killed with SIGKILL after the stop timeout, on exit. */
  static final int KILLED = 3;

  /** How the command is run and stopped. */
  record Control(OnBusy onBusy, String stopSignal, Duration stopTimeout, boolean stdinEvents) {}

  private ExecRunner() {}

  /**
   * The options a watch that runs commands gets unless given: a batch after 200ms of quiet, at
   * most 5s; for {@code fs:} and {@code poll:}, {@code settle=vcs}. The ONE place for such defaults of {@code watch --exec} and {@code run --watch}.
   */
  static SourceOptions watchDefaults(SourceOptions given) {
    SourceOptions options = given;
    if (!options.has("debounce")) {
      options = options.with("debounce", "200ms");
      if (!options.has("maxWait")) {
        options = options.with("maxWait", "5s");
      }
    }
    // A command run on a half-applied checkout or rebase is wasted (or wrong): fs and poll sources
    // hold events while a git/hg operation is in progress unless the URI says settle=none.
    if (("fs".equals(options.scheme()) || "poll".equals(options.scheme())) && !options.has("settle")) {
      options = options.with("settle", "vcs");
    }
    return options;
  }

  static int run(SourceOptions given, List<String> command, Control control, boolean debug) throws InterruptedException {
    SourceOptions options = watchDefaults(given);
    var source = ChangeSources.open(options);
    String shown = options.redacted();
    String cmdText = String.join(" ", command);
    Session session = new Session(debug);
    AtomicReference<CommandProcess> current = new AtomicReference<>();
    AtomicBoolean closing = new AtomicBoolean();
    WaveRunner runner =
        new WaveRunner(
            "changeflux-exec",
            options.get(ChangePipeline.COALESCE),
            wave -> {
              if (closing.get()) {
                return;
              }
              List<ChangeEvent> events = wave.events();
              Map<String, String> env = new HashMap<>(Handoff.keysEnvironment(wave.keys()));
              if (wave.overflow()) {
                env.put("CHANGEFLUX_OVERFLOW", "1");
              }
              try (EventsFile file = EventsFile.write(events, wave.number())) {
                env.put(Handoff.EVENTS_FILE, file.path.toString());
                boolean initial = wave.number() == 1 && events.isEmpty() && control.onBusy() == OnBusy.RESTART;
                System.err.println(
                    "changeflux: running " + cmdText + " ("
                        + (initial ? "first run" : events.size() + " changed" + (wave.overflow() ? ", overflow: rescan" : ""))
                        + ")");
                CommandProcess p;
                synchronized (current) {
                  if (closing.get()) {
                    return;
                  }
                  try {
                    p = CommandProcess.start(command, env, control.stdinEvents() ? file.path : null);
                  } catch (java.io.IOException e) {
                    System.err.println("changeflux: cannot run " + cmdText + ": " + e.getMessage() + "; still watching");
                    return;
                  }
                  current.set(p);
                }
                try {
                  int rc = p.waitFor();
                  if (p.stopRequested()) {
                    p.awaitStopped(); // a restart: the next run starts once the whole old group is gone
                  }
                  if (rc != 0 && !closing.get() && !p.stopRequested()) {
                    System.err.println("changeflux: " + cmdText + " exited with status " + rc + "; still watching");
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                } finally {
                  current.compareAndSet(p, null);
                }
              }
            });
    Disposable d =
        source
            .batches()
            .contextWrite(ChangeSources.onReady(session.announce(shown, () -> {
              if (control.onBusy() == OnBusy.RESTART) {
                runner.force();
              }
            })))
            .subscribe(batch -> offer(batch, runner, current, control, cmdText), session.failure(), session::finish);
    int status;
    CommandProcess last;
    try {
      status = session.await(d);
    } finally {
      // From here on no command starts; the one running (if any) is stopped like a restart stops it.
      synchronized (current) {
        closing.set(true);
        last = current.get();
      }
    }
    int stopped = stop(last, control, cmdText);
    runner.close();
    return status != 0 ? status : stopped;
  }

  private static void offer(
      List<ChangeEvent> batch, WaveRunner runner, AtomicReference<CommandProcess> current, Control control, String cmdText) {
    CommandProcess running = current.get();
    if (running == null || control.onBusy() == OnBusy.QUEUE) {
      runner.offer(batch);
      return;
    }
    switch (control.onBusy()) {
      case DO_NOTHING -> System.err.println(
          "changeflux: " + batch.size() + " changed while " + cmdText + " runs; dropped (--on-busy do-nothing)");
      case SIGNAL -> {
        runner.offer(batch);
        running.signal(control.stopSignal());
      }
      case RESTART -> {
        runner.offer(batch);
        Thread t = new Thread(() -> {
          System.err.println("changeflux: restarting " + cmdText);
          stop(running, control, cmdText);
        }, "changeflux-restart");
        t.setDaemon(true);
        t.start();
      }
      default -> runner.offer(batch);
    }
  }

  /** Stops a running command as the controls say; returns {@link #KILLED} when SIGKILL was needed, else 0. */
  private static int stop(CommandProcess p, Control control, String cmdText) {
    if (p == null || !(p.isAlive() || p.groupAlive())) {
      return 0;
    }
    try {
      if (p.stop(control.stopSignal(), control.stopTimeout())) {
        System.err.println("changeflux: " + cmdText + " did not stop within " + control.stopTimeout().toMillis()
            + "ms of SIG" + control.stopSignal().toUpperCase(Locale.ROOT) + "; killed");
        return KILLED;
      }
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }
}
