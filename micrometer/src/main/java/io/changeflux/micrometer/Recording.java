package io.changeflux.micrometer;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * One metered subscription: counts its events by kind in fields of its own and samples their
 * delivery latency, then hands each value on. Per event: a plain increment (an opaque store, so a
 * scrape on another thread reads a whole, recent value), a kind check and a decrement; no lock, no
 * atomic read-modify-write, no allocation, no clock read between latency samples. {@link
 * ChangeMetrics} sums the live subscriptions' counts with those of ended ones.
 *
 * <p>Reactive Streams signals one value at a time, so only this subscription's own thread of the
 * moment writes its counts and sampler.
 */
abstract class Recording<T> implements CoreSubscriber<T>, Subscription {

  private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);

  /** Samples closer than this make the latency sampler skip more events. */
  static final long SAMPLE_NANOS = 1_000_000;

  /** At most every this many events one latency sample. */
  static final int MAX_STRIDE = 4096;

  final CoreSubscriber<? super T> actual;
  final ChangeMetrics metrics;
  /** Downstream's context with the metrics' listener ({@code ChangeSources.observe}): no contextWrite hop per event. */
  private final Context context;
  private final long[] counts = new long[ChangeKind.values().length];

  @SuppressWarnings("NullAway.Init") // set in onSubscribe, before downstream can request or cancel
  private Subscription s;

  private int skip;
  private int stride = 1;
  private long lastNanos;

  Recording(CoreSubscriber<? super T> actual, ChangeMetrics metrics) {
    this.actual = actual;
    this.metrics = metrics;
    this.context = metrics.observe.apply(actual.currentContext());
  }

  /** Records a value (one event, or a batch). */
  abstract void recordValue(T value);

  /** Events of {@code kind} counted so far (read by a scrape, on any thread). */
  final long count(int kind) {
    return (long) COUNTS.getOpaque(counts, kind);
  }

  final void record(ChangeEvent e) {
    ChangeKind k = e.kind();
    int i = k.ordinal();
    COUNTS.setOpaque(counts, i, (long) COUNTS.getOpaque(counts, i) + 1);
    if (k == ChangeKind.OVERFLOW) {
      metrics.overflow(e.headers().getOrDefault("reason", "unknown"));
    }
    if (--skip <= 0) {
      sample(e);
    }
  }

  /**
   * Samples the delivery latency: every event while they come more than {@link #SAMPLE_NANOS}
   * apart, fewer when faster (the stride between samples doubles while samples come closer than
   * that, up to {@link #MAX_STRIDE}, and halves again when they come further apart), so a busy
   * stream pays a decrement per event, not two clock reads and a histogram update.
   */
  private void sample(ChangeEvent e) {
    Instant now = metrics.clock.instant();
    Instant t = e.time();
    long nanos = (now.getEpochSecond() - t.getEpochSecond()) * 1_000_000_000L + (now.getNano() - t.getNano());
    metrics.latency.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    long mono = metrics.nanoTime.getAsLong();
    if (mono - lastNanos < SAMPLE_NANOS) {
      stride = Math.min(MAX_STRIDE, stride * 2);
    } else if (stride > 1) {
      stride = stride / 2;
    }
    lastNanos = mono;
    skip = stride;
  }

  @Override
  public final Context currentContext() {
    return context;
  }

  @Override
  public final void onSubscribe(Subscription s) {
    if (Operators.validate(this.s, s)) {
      this.s = s;
      metrics.started(this);
      actual.onSubscribe(this);
    }
  }

  @Override
  public final void onNext(T value) {
    recordValue(value);
    actual.onNext(value);
  }

  @Override
  public final void onError(Throwable t) {
    metrics.ended(this);
    actual.onError(t);
  }

  @Override
  public final void onComplete() {
    metrics.ended(this);
    actual.onComplete();
  }

  @Override
  public final void request(long n) {
    s.request(n);
  }

  @Override
  public final void cancel() {
    s.cancel();
    metrics.ended(this);
  }

  /** Meters {@link io.changeflux.ChangeSource#events()}. */
  static final class Events extends Recording<ChangeEvent> {
    Events(CoreSubscriber<? super ChangeEvent> actual, ChangeMetrics metrics) {
      super(actual, metrics);
    }

    @Override
    void recordValue(ChangeEvent e) {
      record(e);
    }
  }

  /** Meters {@link io.changeflux.ChangeSource#batches()}: each event, and the batch size. */
  static final class Batches extends Recording<List<ChangeEvent>> {
    Batches(CoreSubscriber<? super List<ChangeEvent>> actual, ChangeMetrics metrics) {
      super(actual, metrics);
    }

    @Override
    void recordValue(List<ChangeEvent> b) {
      int n = b.size();
      metrics.batchSize.record(n);
      for (int i = 0; i < n; i++) {
        record(b.get(i));
      }
    }
  }
}
