package io.changeflux.internal;

import io.changeflux.ChangeEvent;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.Fuseable;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;

/**
 * Dedup ({@link Deduper}, one per subscription) as a filter: dropped events are acknowledged and
 * not counted against downstream's demand (a conditional subscriber, as {@code Flux.filter}). Its
 * clock is read coarsely on Reactor's schedulers ({@link CoarseClock}).
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
    source.subscribe(new DedupSubscriber(actual, new Deduper(windowNanos, maxKeys, scheduler)));
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

    boolean done;

    DedupSubscriber(CoreSubscriber<? super ChangeEvent> actual, Deduper deduper) {
      super(actual);
      this.deduper = deduper;
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
      actual.onNext(e);
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
