package io.changeflux.redis.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSourceException;
import io.changeflux.SourceOptions;
import io.changeflux.spi.ConfirmedPublishing;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The connection of one {@code RedisSink.publish} call. */
public final class SinkSession {

  /** Publishes in flight at once (pipelined; Redis runs them in the order sent). */
  static final int CONCURRENCY = 256;

  private SinkSession() {}

  /**
   * PUBLISH to {@code channel}, or, when channel is null, append to the settings' stream (see
   * {@link StreamAppend}: idempotent, retried until the server confirmed, acknowledged after).
   */
  public static Mono<Void> publish(RedisSettings settings, @Nullable String channel, Flux<ChangeEvent> events) {
    SourceOptions r = settings.redactor();
    String source = settings.source();
    return Mono.usingWhen(
        Mono.fromCallable(() -> new LettuceSession(settings, CONCURRENCY * 4))
            .flatMap(
                l ->
                    Mono.fromCompletionStage(l.client.connectAsync(LettuceSession.CODEC, settings.uri()))
                        .map(c -> new Open(l, c))
                        .onErrorResume(t -> Mono.fromCompletionStage(l.closeAsync()).then(Mono.error(t))))
            .onErrorMap(
                t -> !(t instanceof ChangeSourceException),
                t -> {
                  String text = r.describe(t);
                  String where = settings.host() + ":" + settings.port();
                  String what =
                      text.contains("WRONGPASS") || text.contains("NOAUTH") ? "authentication failed at " : "cannot connect to ";
                  return new ChangeSourceException(source + ": " + what + where + ": " + text, r.sanitize(t));
                }),
        open -> {
          RedisAsyncCommands<String, byte[]> cmd = open.connection.async();
          if (channel != null) {
            return events
                .flatMapSequential(
                    e ->
                        Mono.fromCompletionStage(() -> cmd.publish(channel, Envelope.toJson(e)))
                            // The server has it: now the event's own source may forget it.
                            .doOnSuccess(x -> e.ack()),
                    CONCURRENCY,
                    1)
                .onErrorMap(
                    t -> t instanceof io.lettuce.core.RedisException,
                    t -> new ChangeSourceException(source + ": publishing failed: " + r.describe(t), r.sanitize(t)))
                .then();
          }
          StreamAppend append = new StreamAppend(settings, cmd);
          // The source is requested from, and its events are mapped on, one worker thread, not on
          // Lettuce's event loops (where confirmations complete).
          return ConfirmedPublishing.publish(
              events.publishOn(reactor.core.scheduler.Schedulers.boundedElastic(), CONCURRENCY), CONCURRENCY, append::send);
        },
        open -> Mono.fromCompletionStage(open.lettuce.closeAsync(open.connection)));
  }

  private static final class Open {
    final LettuceSession lettuce;
    final StatefulRedisConnection<String, byte[]> connection;

    Open(LettuceSession lettuce, StatefulRedisConnection<String, byte[]> connection) {
      this.lettuce = lettuce;
      this.connection = connection;
    }
  }
}
