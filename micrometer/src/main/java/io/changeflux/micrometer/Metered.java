package io.changeflux.micrometer;

import java.util.function.BiFunction;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;

/** The metering operator: each subscription gets a {@link Recording} of its own. */
final class Metered<T> extends FluxOperator<T, T> {

  private final ChangeMetrics metrics;
  private final BiFunction<CoreSubscriber<? super T>, ChangeMetrics, Recording<T>> recording;

  Metered(
      Flux<T> source,
      ChangeMetrics metrics,
      BiFunction<CoreSubscriber<? super T>, ChangeMetrics, Recording<T>> recording) {
    super(source);
    this.metrics = metrics;
    this.recording = recording;
  }

  @Override
  public void subscribe(CoreSubscriber<? super T> actual) {
    source.subscribe(recording.apply(actual, metrics));
  }
}
