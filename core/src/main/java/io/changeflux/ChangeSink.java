package io.changeflux;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Publishes events to a broker so that sources on other machines receive them with their kind,
 * key, SHA and headers intact. Made by {@link ChangeSinks#open(String)}.
 */
@FunctionalInterface
public interface ChangeSink {

  /**
   * Publishes every event of {@code events}, in order. Cold: nothing is sent before subscription.
   * The returned {@link Mono} completes when {@code events} completed and every publish was
   * confirmed by the broker, and errors with a {@link ChangeSourceException} when the broker
   * cannot be reached.
   *
   * @param events the events to publish; acknowledged once their publish was confirmed
   * @return a cold {@link Mono} that publishes when subscribed
   */
  Mono<Void> publish(Flux<ChangeEvent> events);
}
