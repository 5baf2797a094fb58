package io.changeflux.redis.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSourceException;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The connection of one {@code RedisSink.publish} call. */
public final class SinkSession {

  /** Publishes in flight at once (pipelined; Redis runs them in the order sent). */
  static final int CONCURRENCY = 256;

  private SinkSession() {}

  /** PUBLISH to {@code channel}, or XADD to the settings' stream when channel is null. */
  public static Mono<Void> publish(RedisSettings settings, String channel, Flux<ChangeEvent> events) {
    Redactor r = settings.redactor();
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
          XAddArgs xadd = new XAddArgs();
          if (settings.maxLen() != null) {
            xadd.maxlen(settings.maxLen()).approximateTrimming();
          }
          return events
              .flatMapSequential(
                  e ->
                      Mono.fromCompletionStage(
                          () ->
                              channel != null
                                  ? cmd.publish(channel, Envelope.toJson(e)).thenApply(x -> Boolean.TRUE)
                                  : cmd.xadd(settings.stream(), xadd, Envelope.toFields(e)).thenApply(x -> Boolean.TRUE))
                          // The server has it: now the event's own source may forget it (a relay
                          // from an at-least-once source acknowledges only here).
                          .doOnSuccess(x -> e.ack()),
                  CONCURRENCY,
                  1)
              .onErrorMap(
                  t -> t instanceof io.lettuce.core.RedisException,
                  t ->
                      new ChangeSourceException(
                          source + ": publishing failed: " + r.describe(t), r.sanitize(t)))
              .then();
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
