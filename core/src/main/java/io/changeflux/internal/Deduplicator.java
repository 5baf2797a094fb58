package io.changeflux.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.Fuseable;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;

/**
 * Dedup ({@link Deduper}, one per subscription) as a filter that hands each kept event downstream
 * stamped with the clock reading dedup made for it ({@link EventClock}), so that a debounce further
 * down the same call stack does not read the clock again. Dropped events are acknowledged and not
 * counted against downstream's demand (a conditional subscriber, as {@code Flux.filter}).
 */
public final class Deduplicator extends FluxOperator<ChangeEvent, ChangeEvent> {

  private final long windowNanos;
  private final int maxKeys;
  private final Scheduler scheduler;

  private Deduplicator(Flux<ChangeEvent> source, long windowNanos, int maxKeys, Scheduler scheduler) {
    super(source);
    this.windowNanos = windowNanos;
    this.maxKeys = maxKeys;
    this.scheduler = scheduler;
  }

  /** Applies dedup; arguments are checked by the caller. */
  public static Flux<ChangeEvent> apply(
      Flux<ChangeEvent> upstream, long windowNanos, int maxKeys, Scheduler scheduler) {
    return new Deduplicator(upstream, windowNanos, maxKeys, scheduler);
  }

  @Override
  public void subscribe(CoreSubscriber<? super ChangeEvent> actual) {
    EventClock.Slot slot = EventClock.slot(actual.currentContext());
    EventClock.Stamp stamp = slot == null ? null : slot.take(scheduler);
    source.subscribe(new DedupSubscriber(actual, new Deduper(windowNanos, maxKeys, scheduler), stamp));
  }

  @Override
  @SuppressWarnings("rawtypes") // reactor-core declares it raw
  public @Nullable Object scanUnsafe(Scannable.Attr key) {
    if (key == Scannable.Attr.RUN_STYLE) {
      return Scannable.Attr.RunStyle.SYNC;
    }
    return super.scanUnsafe(key);
  }

  static final class DedupSubscriber extends PassThroughSubscriber<ChangeEvent>
      implements Fuseable.ConditionalSubscriber<ChangeEvent>, Scannable {
    final Deduper deduper;
    /** Where the debounce below reads this dedup's clock reading of the event; null: none. */
    final EventClock.@Nullable Stamp stamp;

    boolean done;

    DedupSubscriber(
        CoreSubscriber<? super ChangeEvent> actual, Deduper deduper, EventClock.@Nullable Stamp stamp) {
      super(actual);
      this.deduper = deduper;
      this.stamp = stamp;
    }

    @Override
    public void onNext(ChangeEvent e) {
      if (!tryOnNext(e)) {
        s.request(1);
      }
    }

    @Override
    public boolean tryOnNext(ChangeEvent e) {
      if (done) {
        Operators.onNextDropped(e, actual.currentContext());
        return true;
      }
      boolean keep;
      try {
        keep = deduper.keep(e);
      } catch (Throwable t) {
        Throwable err = Operators.onOperatorError(s, t, e, actual.currentContext());
        onError(err);
        return true;
      }
      if (!keep) {
        Acks.ack(e);
        return false;
      }
      EventClock.Stamp st = stamp;
      if (st == null || e.kind() == ChangeKind.OVERFLOW) {
        actual.onNext(e); // (dedup read no clock for an OVERFLOW)
        return true;
      }
      st.begin(e, deduper.time());
      try {
        actual.onNext(e);
      } finally {
        st.end();
      }
      return true;
    }

    @Override
    public void onError(Throwable t) {
      if (done) {
        Operators.onErrorDropped(t, actual.currentContext());
        return;
      }
      done = true;
      actual.onError(t);
    }

    @Override
    public void onComplete() {
      if (done) {
        return;
      }
      done = true;
      actual.onComplete();
    }

    @Override
    @SuppressWarnings("rawtypes") // reactor-core declares it raw
    public @Nullable Object scanUnsafe(Scannable.Attr key) {
      if (key == Scannable.Attr.PARENT) {
        return s;
      }
      if (key == Scannable.Attr.ACTUAL) {
        return actual;
      }
      if (key == Scannable.Attr.TERMINATED) {
        return done;
      }
      if (key == Scannable.Attr.RUN_STYLE) {
        return Scannable.Attr.RunStyle.SYNC;
      }
      return null;
    }
  }
}
