package io.changeflux.samples.cli;

import io.changeflux.ChangeSources;
import io.changeflux.SourceOptions;
import io.changeflux.samples.run.WaveRunner;
import java.util.List;
import reactor.core.Disposable;

/** {@code watch URI --exec CMD ARGS...}: runs a command after each batch of changes. */
final class ExecRunner {

  private ExecRunner() {}

  static int run(SourceOptions given, List<String> command, boolean debug) throws InterruptedException {
    SourceOptions options = given;
    if (!options.has("debounce")) {
      options = options.with("debounce", "200ms");
      if (!options.has("maxWait")) {
        options = options.with("maxWait", "5s");
      }
    }
    var source = ChangeSources.open(options);
    String shown = options.redacted();
    String cmdText = String.join(" ", command);
    Session session = new Session(debug);
    WaveRunner runner =
        new WaveRunner(
            "changeflux-exec",
            options.get(io.changeflux.ChangePipeline.COALESCE),
            wave -> {
              ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
              pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
              pb.environment().put("CHANGEFLUX_KEYS", String.join("\n", wave.keys()));
              if (wave.overflow()) {
                pb.environment().put("CHANGEFLUX_OVERFLOW", "1");
              } else {
                pb.environment().remove("CHANGEFLUX_OVERFLOW");
              }
              System.err.println(
                  "changeflux: running " + cmdText + " (" + wave.keys().size() + " changed"
                      + (wave.overflow() ? ", overflow: rescan" : "") + ")");
              try {
                int rc = pb.start().waitFor();
                if (rc != 0) {
                  System.err.println("changeflux: " + cmdText + " exited with status " + rc + "; still watching");
                }
              } catch (java.io.IOException e) {
                System.err.println("changeflux: cannot run " + cmdText + ": " + e.getMessage() + "; still watching");
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    Disposable d =
        source
            .batches()
            .contextWrite(ChangeSources.onReady(session.announce(shown)))
            .subscribe(runner::offer, session.failure(), session::finish);
    try {
      return session.await(d);
    } finally {
      runner.close();
    }
  }
}
