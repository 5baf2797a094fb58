package io.changeflux;

import io.changeflux.internal.PassThroughSubscriber;
import io.changeflux.internal.PendingKeys;
import java.util.function.Function;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.util.context.Context;

/**
 * The one operator a {@link SubscriptionTracker} puts after a source's pipeline: an OVERFLOW
 * reaching the consumer starts the tracker's OVERFLOW window, an error makes it DOWN, the end of
 * the subscription (completion, error, cancel) ends it; and the pipeline's operators find the
 * tracker in their context ({@link PendingKeys#KEY}). One hop per value (a kind check), where
 * {@code contextWrite}, {@code doOnNext}, {@code doOnError} and {@code doFinally} would be four.
 */
final class TrackedFlux<T> extends FluxOperator<T, T> {

  private final SubscriptionTracker tracker;
  private final Function<T, Iterable<ChangeEvent>> eventsOf;

  TrackedFlux(Flux<T> source, SubscriptionTracker tracker, Function<T, Iterable<ChangeEvent>> eventsOf) {
    super(source);
    this.tracker = tracker;
    this.eventsOf = eventsOf;
  }

  @Override
  public void subscribe(CoreSubscriber<? super T> actual) {
    source.subscribe(new TrackedSubscriber<>(actual, tracker, eventsOf));
  }

  static final class TrackedSubscriber<T> extends PassThroughSubscriber<T> {
    final SubscriptionTracker tracker;
    final Function<T, Iterable<ChangeEvent>> eventsOf;
    final Context context;

    TrackedSubscriber(
        CoreSubscriber<? super T> actual, SubscriptionTracker tracker, Function<T, Iterable<ChangeEvent>> eventsOf) {
      super(actual);
      this.tracker = tracker;
      this.eventsOf = eventsOf;
      this.context = actual.currentContext().put(PendingKeys.KEY, tracker);
    }

    @Override
    public Context currentContext() {
      return context;
    }

    @Override
    public void onNext(T value) {
      if (value instanceof ChangeEvent) {
        ChangeEvent e = (ChangeEvent) value;
        if (e.kind() == ChangeKind.OVERFLOW) {
          tracker.overflow(e);
        }
      } else {
        for (ChangeEvent e : eventsOf.apply(value)) {
          if (e.kind() == ChangeKind.OVERFLOW) {
            tracker.overflow(e);
          }
        }
      }
      actual.onNext(value);
    }

    @Override
    public void onError(Throwable t) {
      tracker.failed(t);
      try {
        actual.onError(t);
      } finally {
        tracker.end();
      }
    }

    @Override
    public void onComplete() {
      try {
        actual.onComplete();
      } finally {
        tracker.end();
      }
    }

    @Override
    public void cancel() {
      s.cancel();
      tracker.end();
    }
  }
}
