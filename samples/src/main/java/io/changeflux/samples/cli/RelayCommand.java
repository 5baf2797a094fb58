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
      "Prints 'watching FROM -> TO' on stderr once both ends are up."
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
    if (!options.has("ack")
        && ChangeSources.options(ChangeSources.provider(options)).stream().anyMatch(o -> o.name().equals("ack"))) {
      // From an at-least-once source, an event is acknowledged only once the broker TO confirmed it.
      options = options.with("ack", "manual");
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
}
