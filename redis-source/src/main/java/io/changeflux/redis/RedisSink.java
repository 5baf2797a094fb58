package io.changeflux.redis;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSink;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.changeflux.SourceOptions;
import io.changeflux.redis.internal.RedisSettings;
import io.changeflux.redis.internal.SinkSession;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Publishes events to Redis so that a {@code redis:} source restores them with kind, key, sha,
 * headers and payload: PUBLISH of a JSON envelope to the one channel of {@code channels=}, or XADD
 * of envelope fields to {@code stream=} (trimmed to about {@code maxLen} entries when given).
 *
 * <pre>{@code
 * RedisSink.create("redis://localhost:6379?channels=builds")
 *     .publish(Flux.just(ChangeEvent.of(ChangeKind.MODIFIED, "main")))
 *     .block();
 * }</pre>
 *
 * <p>Each {@link #publish} opens one connection and closes it when done; publishes are pipelined
 * and sent in order.
 */
public final class RedisSink implements ChangeSink {

  private final RedisSettings settings;
  private final @Nullable String channel;

  private RedisSink(RedisSettings settings) {
    this.settings = settings;
    List<String> channels = settings.channels();
    String source = settings.source();
    if (!settings.patterns().isEmpty() || settings.keyspace() != null) {
      throw new ChangeSourceException(
          source + ": a sink publishes to one channel or a stream, not to patterns or keyspace",
          settings.patterns().isEmpty() ? "keyspace" : "patterns",
          null);
    }
    if (settings.stream() != null) {
      if (!channels.isEmpty()) {
        throw new ChangeSourceException(
            source + ": a sink publishes to channels= or stream=, not both", "channels", null);
      }
      this.channel = null;
    } else if (channels.size() == 1) {
      this.channel = channels.get(0);
    } else {
      throw new ChangeSourceException(
          source
              + ": a sink needs exactly one channel (channels=NAME) or a stream (stream=NAME), got "
              + (channels.isEmpty() ? "none" : channels.size() + " channels"),
          "channels",
          null);
    }
  }

  /**
   * A sink for a {@code redis://} or {@code rediss://} URI with one channel or a stream.
   *
   * @param uri the sink URI, such as {@code redis://host/0?channels=events} or {@code
   *     ?stream=NAME}; validated here
   * @return the sink; each {@link #publish} opens its own connection
   * @throws io.changeflux.ChangeSourceException on a bad URI or option, or without exactly one
   *     channel or a stream
   */
  public static RedisSink create(String uri) {
    SourceOptions o = SourceOptions.parse(uri);
    return create(o.validate(ChangeSources.options(new RedisProvider())));
  }

  /**
   * A sink for validated options.
   *
   * @param options options of the {@code redis} or {@code rediss} scheme, already validated
   * @return the sink; each {@link #publish} opens its own connection
   * @throws io.changeflux.ChangeSourceException without exactly one channel or a stream
   */
  public static RedisSink create(SourceOptions options) {
    return new RedisSink(RedisSettings.of(options));
  }

  @Override
  public Mono<Void> publish(Flux<ChangeEvent> events) {
    return SinkSession.publish(settings, channel, events);
  }

  @Override
  public String toString() {
    return "RedisSink{" + settings.source() + "}";
  }
}
