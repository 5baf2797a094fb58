package io.changeflux.spi;

import io.changeflux.ChangeEvent;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * How a sink publishes so that a relay loses nothing and reorders nothing that matters: at most
 * {@code maxInFlight} publishes await the broker's confirmation at once; an event waits until
 * every earlier event of the same key was confirmed (so a publish retried after a broker restart
 * never lands behind a later change of its key); each event is acknowledged ({@link
 * ChangeEvent#ack()}) only after its own publish was confirmed. Events of different keys may be
 * confirmed in any order.
 */
public final class ConfirmedPublishing {

  private ConfirmedPublishing() {}

  /**
   * Publishes every event with {@code send} (a {@link Mono} that completes, with or without a
   * value, once the broker confirmed; it retries transient failures itself). Completes when
   * {@code events} completed and every publish was confirmed. On the first failure of {@code
   * send} it takes no more events and sends nothing more, lets the publishes already in flight
   * finish (those confirmed are acknowledged), then fails with that failure; the failed event and
   * those not sent stay unacknowledged.
   *
   * @param events the events to publish; subscribed once per subscription of the result
   * @param maxInFlight publishes awaiting confirmation at once, across keys; at least 1
   * @param send publishes one event and signals its confirmation
   * @return a cold {@link Mono} that does the publishing when subscribed
   * @throws IllegalArgumentException if {@code maxInFlight} is below 1
   */
  public static Mono<Void> publish(Flux<ChangeEvent> events, int maxInFlight, Function<ChangeEvent, Mono<?>> send) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1, was " + maxInFlight);
    }
    return Flux.defer(
            () -> {
              // The confirmation of the last event handed to send, per key (removed when confirmed).
              Map<String, Mono<Void>> last = new ConcurrentHashMap<>();
              Sinks.One<Boolean> failed = Sinks.one();
              java.util.concurrent.atomic.AtomicBoolean failing = new java.util.concurrent.atomic.AtomicBoolean();
              return events
                  .takeUntilOther(failed.asMono())
                  .flatMapDelayError(
                      e -> {
                        Sinks.Empty<Void> confirmed = Sinks.empty();
                        Mono<Void> mine = confirmed.asMono();
                        Mono<Void> before = last.put(e.key(), mine);
                        Mono<Void> wait = before == null ? Mono.empty() : before.onErrorResume(t -> Mono.empty());
                        return wait.then(
                                Mono.defer(
                                    () ->
                                        failing.get()
                                            ? Mono.empty()
                                            : send.apply(e)
                                                .then(Mono.fromRunnable(e::ack))
                                                .doOnError(
                                                    t -> {
                                                      failing.set(true);
                                                      failed.tryEmitValue(Boolean.TRUE);
                                                    })))
                            .doFinally(
                                s -> {
                                  last.remove(e.key(), mine);
                                  confirmed.tryEmitEmpty();
                                });
                      },
                      maxInFlight,
                      32);
            })
        .then();
  }
}
