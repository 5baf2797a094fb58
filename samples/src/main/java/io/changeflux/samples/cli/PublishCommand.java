package io.changeflux.samples.cli;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSink;
import io.changeflux.ChangeSinks;
import io.changeflux.ChangeSourceException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import reactor.core.publisher.Flux;

/** {@code changeflux publish URI KEY}: publishes one event to a broker. */
@Command(
    name = "publish",
    mixinStandardHelpOptions = true,
    description = {
      "Publish one event to a broker (redis:, rediss:, nats:, tls:), in the envelope its sources restore.",
      "Exit status: 0 when the broker accepted it; 2 for bad usage or configuration; 1 when it could not be published."
    })
final class PublishCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "URI", description = "where to publish, e.g. 'nats://localhost:4222?subjects=changes'")
  String uri;

  @Parameters(index = "1", paramLabel = "KEY", description = "the event's key (a path, channel or subject)")
  String key;

  @Option(names = "--kind", paramLabel = "KIND", description = "CREATED, MODIFIED (default), DELETED or OVERFLOW")
  ChangeKind kind = ChangeKind.MODIFIED;

  @Option(names = "--payload", paramLabel = "TEXT", description = "the message body (UTF-8)")
  String payload;

  @Option(names = "--sha", paramLabel = "HEX", description = "the content SHA-256 to carry")
  String sha;

  @Option(names = "--header", paramLabel = "NAME=VALUE", description = "a header; repeatable")
  Map<String, String> headers = new LinkedHashMap<>();

  @Option(names = "--timeout", paramLabel = "DURATION", description = "how long to wait for the broker (default 10s)")
  String timeout = "10s";

  @Option(names = "--debug", description = "log at debug level and show stack traces")
  boolean debug;

  @Override
  public Integer call() {
    Duration wait;
    try {
      wait = io.changeflux.Durations.parse(timeout);
    } catch (IllegalArgumentException e) {
      throw new ChangeSourceException("bad value for --timeout: " + e.getMessage(), "timeout", null);
    }
    ChangeEvent.Builder b = ChangeEvent.builder(kind, key).headers(headers);
    if (payload != null) {
      b.payload(payload.getBytes(StandardCharsets.UTF_8));
    }
    if (sha != null) {
      b.sha(sha);
    }
    ChangeSink sink = ChangeSinks.open(uri); // configuration errors: exit status 2
    try {
      sink.publish(Flux.just(b.build())).block(wait);
    } catch (RuntimeException e) {
      throw new Main.RunTimeFailure(e); // the broker refused or did not answer: exit status 1
    }
    return 0;
  }
}
