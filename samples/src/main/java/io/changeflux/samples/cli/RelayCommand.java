package io.changeflux.samples.cli;

import io.changeflux.ChangeSink;
import io.changeflux.ChangeSinks;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSources;
import io.changeflux.SourceOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import reactor.core.Disposable;

/** {@code changeflux relay FROM TO}: forwards every event of one source to a broker. */
@Command(
    name = "relay",
    mixinStandardHelpOptions = true,
    description = {
      "Forward every event of FROM (after FROM's operators) to the broker TO, with kind, key, sha and headers.",
      "Example: relay fs:/data 'nats://hub:4222?subjects=changes' on one machine, and",
      "watch 'nats://hub:4222?subjects=changes' --json on the others.",
      "Prints 'watching FROM -> TO' on stderr once both ends are up.",
      "Lossless: FROM is read with ack=manual, and each event is acknowledged only after TO confirmed it",
      "(Redis: the XADD reply; JetStream: the PubAck), published with an idempotency key so that a",
      "re-delivery after a crash is stored once. fs:, poll: and git: need state=PATH to resume",
      "what changed while the relay was down."
    })
final class RelayCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "FROM", description = "the source URI")
  String from;

  @Parameters(index = "1", paramLabel = "TO", description = "the broker URI (redis:, rediss:, nats:, tls:)")
  String to;

  @Option(names = "--debug", description = "log at debug level and show stack traces")
  boolean debug;

  @Mixin SourceArgs source = new SourceArgs();

  @Override
  public Integer call() throws Exception {
    SourceOptions options = source.resolve(from);
    java.util.Set<String> keys = new java.util.HashSet<>();
    ChangeSources.options(ChangeSources.provider(options)).forEach(o -> keys.add(o.name()));
    if (!options.has("ack") && keys.contains("ack")) {
      // From an at-least-once or state=-backed source, an event is acknowledged (and the source's
      // state advances) only once the broker TO confirmed it.
      options = options.with("ack", "manual");
    }
    String warning = lossWarning(options, keys);
    if (warning != null) {
      System.err.println(warning);
    }
    ChangeSource src = ChangeSources.open(options);
    ChangeSink sink = ChangeSinks.open(to);
    String shown = options.redacted() + " -> " + SourceOptions.parse(to).redacted();
    Session session = new Session(debug);
    Disposable d =
        sink.publish(src.events().contextWrite(ChangeSources.onReady(session.announce(shown))))
            .subscribe(v -> {}, session.failure(), session::finish);
    return session.await(d);
  }

  /**
   * The one-line warning for a source that forgets what changed while the relay was down (fs,
   * poll and git without {@code state=}), or null.
   */
  static String lossWarning(SourceOptions options, java.util.Set<String> keys) {
    boolean resumable = keys.contains("state") || STATEFUL.contains(options.scheme());
    if (!resumable || options.has("state")) {
      return null;
    }
    return "changeflux: WARN "
        + options.redacted()
        + " has no state=: changes made while the relay is down will be lost; add state=PATH (a file on local disk) to send them after a restart";
  }

  /** Schemes that resume from a state file. */
  private static final java.util.Set<String> STATEFUL = java.util.Set.of("fs", "poll", "git");
}
