package io.changeflux.internal;

import io.changeflux.ChangeEvent;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * Coalescing backpressure: while downstream has not requested, pending events merge per key;
 * past {@code maxKeys} distinct keys everything pending becomes one OVERFLOW event. The upstream
 * is never blocked longer than a map update. When nothing is pending and downstream has demand, an
 * event passes straight through without touching the map (and without an atomic operation: its
 * count is settled against the demand by the next drain).
 *
 * <p>Upstream demand: in front of a push source (which sends regardless of demand) the upstream
 * is requested unbounded; otherwise in bounded amounts ({@link #PREFETCH}, replenished as events
 * arrive), and not at all while the events pending hold their acknowledgement budget ({@link
 * PendingMap#atAckBudget()}), so a source that reads on demand reads no further than the
 * consumer's progress allows.
 */
public final class Coalescer extends FluxOperator<ChangeEvent, ChangeEvent> {

  /** The key of the OVERFLOW event that replaces pending events at the bound. */
  public static final String OVERFLOW_KEY = PendingMap.OVERFLOW_KEY;

  /** Events requested from a bounded upstream at a time; replenished after three quarters arrived. */
  public static final int PREFETCH = 256;

  private final int maxKeys;
  private final boolean unbounded;
  private final int keyAckBudget;
  private final int ackBudget;

  private Coalescer(
      Flux<ChangeEvent> source, int maxKeys, boolean unbounded, int keyAckBudget, int ackBudget) {
    super(source);
    this.maxKeys = maxKeys;
    this.unbounded = unbounded;
    this.keyAckBudget = keyAckBudget;
    this.ackBudget = ackBudget;
  }

  /**
   * Applies coalescing with the given bound to {@code upstream}, requesting it in bounded amounts
   * within the default acknowledgement budgets.
   */
  public static Flux<ChangeEvent> apply(Flux<ChangeEvent> upstream, int maxKeys) {
    return apply(upstream, maxKeys, false, Acks.KEY_BUDGET, Acks.BUDGET);
  }

  /**
   * Applies coalescing to {@code upstream}: requested unbounded when {@code unbounded} (a push
   * source), else in bounded amounts within the given acknowledgement budgets.
   */
  public static Flux<ChangeEvent> apply(
      Flux<ChangeEvent> upstream, int maxKeys, boolean unbounded, int keyAckBudget, int ackBudget) {
    return apply(upstream, maxKeys, unbounded, keyAckBudget, ackBudget, false);
  }

  /**
   * As {@link #apply(Flux, int, boolean, int, int)}; with {@code keepDeletions}, CREATED then
   * DELETED of a key merges into a DELETED instead of cancelling out ({@link PendingMap#keepDeletions}).
   */
  public static Flux<ChangeEvent> apply(
      Flux<ChangeEvent> upstream, int maxKeys, boolean unbounded, int keyAckBudget, int ackBudget, boolean keepDeletions) {
    if (maxKeys < 1) {
      throw new IllegalArgumentException("maxKeys must be at least 1, was " + maxKeys);
    }
    Coalescer c = new Coalescer(upstream, maxKeys, unbounded, keyAckBudget, ackBudget);
    c.keepDeletions = keepDeletions;
    return c;
  }

  /** CREATED then DELETED gives DELETED (at-least-once sources), not nothing. */
  private boolean keepDeletions;

  @Override
  public void subscribe(CoreSubscriber<? super ChangeEvent> actual) {
    CoalesceSubscriber s = new CoalesceSubscriber(actual, this);
    PendingKeys.register(actual.currentContext(), () -> s.pendingCount); // read only when asked
    source.subscribe(s);
  }

  @Override
  @SuppressWarnings("rawtypes") // reactor-core declares it raw
  public @Nullable Object scanUnsafe(Scannable.Attr key) {
    if (key == Scannable.Attr.RUN_STYLE) {
      return Scannable.Attr.RunStyle.SYNC;
    }
    return super.scanUnsafe(key);
  }

  static final class CoalesceSubscriber implements CoreSubscriber<ChangeEvent>, Subscription {
    final CoreSubscriber<? super ChangeEvent> actual;
    final int maxKeys;
    final boolean unbounded;
    /** Guarded by itself. */
    final PendingMap pending;
    /** pending.size(), published after every change (the fast path reads it without the lock). */
    volatile int pendingCount;
    /** pending.atAckBudget(), published with pendingCount. */
    volatile boolean atBudget;

    /**
     * Bounded upstream: events received since the last request and handed over by the producer
     * (see {@link #received}), for whichever thread requests next.
     */
    volatile long owed;
    /**
     * Bounded upstream: events received and not yet added to {@link #owed}; read and written only
     * by the producer (Reactor's serial {@code onNext}), so counting an event is a plain increment.
     * The producer hands them over once they and {@code owed} reach the replenish mark, and at
     * every event while the pending events are at their acknowledgement budget (then the thread
     * that frees the budget requests them).
     */
    long received;
    /**
     * Events the producer emitted straight through (the fast path), in all; written only by the
     * producer (Reactor's serial {@code onNext}), with a release store and no atomic, and read by
     * the thread holding {@link #wip}, which subtracts what is new of it from {@link #requested}.
     */
    volatile long passed;
    /**
     * How much of {@link #passed} was subtracted from {@link #requested}; written only by the thread
     * holding {@link #wip}, after the subtraction (so a producer that reads it before {@code
     * requested} may under-count its demand, never over-count it).
     */
    volatile long settled;
    static final AtomicLongFieldUpdater<CoalesceSubscriber> PASSED =
        AtomicLongFieldUpdater.newUpdater(CoalesceSubscriber.class, "passed");
    static final AtomicLongFieldUpdater<CoalesceSubscriber> OWED =
        AtomicLongFieldUpdater.newUpdater(CoalesceSubscriber.class, "owed");

    @SuppressWarnings("NullAway.Init") // set in onSubscribe, before downstream can request or cancel
    Subscription s;
    volatile boolean done;
    @Nullable Throwable error;
    volatile boolean cancelled;

    volatile long requested;
    static final AtomicLongFieldUpdater<CoalesceSubscriber> REQUESTED =
        AtomicLongFieldUpdater.newUpdater(CoalesceSubscriber.class, "requested");

    volatile int wip;
    static final AtomicIntegerFieldUpdater<CoalesceSubscriber> WIP =
        AtomicIntegerFieldUpdater.newUpdater(CoalesceSubscriber.class, "wip");

    CoalesceSubscriber(CoreSubscriber<? super ChangeEvent> actual, Coalescer parent) {
      this.actual = actual;
      this.maxKeys = parent.maxKeys;
      this.unbounded = parent.unbounded;
      this.pending =
          parent.unbounded ? new PendingMap() : new PendingMap(parent.keyAckBudget, parent.ackBudget);
      if (parent.keepDeletions) {
        pending.keepDeletions();
      }
    }

    @Override
    public Context currentContext() {
      return actual.currentContext();
    }

    @Override
    public void onSubscribe(Subscription s) {
      if (Operators.validate(this.s, s)) {
        this.s = s;
        actual.onSubscribe(this);
        if (!cancelled) {
          s.request(unbounded ? Long.MAX_VALUE : PREFETCH);
        }
      }
    }

    /** Bounded upstream: counts one event on the producer's thread, handing counts over when due. */
    private void received() {
      long n = ++received;
      if (n + owed < PREFETCH - PREFETCH / 4 && !atBudget) {
        return;
      }
      received = 0;
      OWED.addAndGet(this, n); // before reading atBudget in replenish: see drainLoop's order
      replenish();
    }

    /** Bounded upstream: requests what arrived since the last request, unless at budget. */
    private void replenish() {
      if (unbounded || atBudget || cancelled || owed < PREFETCH - PREFETCH / 4) {
        return;
      }
      long n = OWED.getAndSet(this, 0);
      if (n > 0) {
        s.request(n);
      }
    }

    @Override
    public void onNext(ChangeEvent e) {
      if (done) {
        Operators.onNextDropped(e, actual.currentContext());
        return;
      }
      if (cancelled) {
        return; // late events after cancel: nothing to keep them for
      }
      onNextCounted(e);
      if (!unbounded) {
        received();
      }
    }

    private void onNextCounted(ChangeEvent e) {
      if (pendingCount == 0 && wip == 0 && !cancelled) {
        // Nothing pending and no drain running: only this thread adds to the map, so it stays
        // empty; a drain that starts now finds nothing to emit, and one that polled the last item
        // before still holds wip until it emitted it (and subtracted it from requested). All are
        // volatile reads, in this order; settled before requested (see settle).
        long p = passed;
        long counted = settled;
        long r = requested;
        if (r == Long.MAX_VALUE) {
          actual.onNext(e);
          return;
        }
        if (r - (p - counted) > 0) {
          // No atomic: a drain settles it (see settle). Counted first, so that a drain that
          // downstream's onNext runs (requesting more) counts this event too.
          PASSED.lazySet(this, p + 1);
          actual.onNext(e);
          return;
        }
      }
      offer(e);
      drain();
    }

    /**
     * Subtracts from {@link #requested} what the producer emitted straight through since the last
     * call, and returns the demand left. Holds {@link #wip}. Before polling it is called under the
     * map's lock, after seeing the map non-empty: every event the producer emitted straight through
     * before its last offer is then visible in {@link #passed}, and it emits none straight through
     * while the map is not empty or this thread holds wip, so the demand it returns is not more
     * than what is left.
     */
    private long settle() {
      long p = passed;
      long k = p - settled;
      if (k == 0) {
        return requested;
      }
      long r = Operators.produced(REQUESTED, this, k);
      settled = p; // after the subtraction: see the field
      return r;
    }

    private void offer(ChangeEvent e) {
      synchronized (pending) {
        pending.add(e);
        if (pending.size() > maxKeys) {
          pending.collapseToOverflow();
        }
        pendingCount = pending.size();
        atBudget = pending.atAckBudget();
      }
    }

    @Override
    public void onError(Throwable t) {
      if (done) {
        Operators.onErrorDropped(t, actual.currentContext());
        return;
      }
      error = t;
      done = true;
      drain();
    }

    @Override
    public void onComplete() {
      if (done) {
        return;
      }
      done = true;
      drain();
    }

    @Override
    public void request(long n) {
      if (Operators.validate(n)) {
        Operators.addCap(REQUESTED, this, n);
        drain();
      }
    }

    @Override
    public void cancel() {
      if (cancelled) {
        return;
      }
      cancelled = true;
      s.cancel();
      if (WIP.getAndIncrement(this) == 0) {
        clear();
      }
    }

    private void clear() {
      synchronized (pending) {
        pending.clear();
        pendingCount = 0;
        atBudget = false;
      }
    }

    void drain() {
      if (WIP.getAndIncrement(this) != 0) {
        return;
      }
      drainLoop();
    }

    /** Runs while this thread owns {@link #wip}. */
    void drainLoop() {
      int missed = 1;
      for (; ; ) {
        settle(); // keeps requested near the demand left, not its sum since the last offer
        long emitted = 0;
        for (; ; ) {
          if (cancelled) {
            clear();
            return;
          }
          ChangeEvent next = null;
          synchronized (pending) {
            if (!pending.isEmpty()) {
              long r = settle();
              if (r == Long.MAX_VALUE || r - emitted > 0) {
                next = pending.poll();
                pendingCount = pending.size();
                atBudget = pending.atAckBudget();
              }
            }
          }
          if (next == null) {
            break;
          }
          actual.onNext(next);
          emitted++;
        }
        if (cancelled) {
          clear();
          return;
        }
        if (emitted != 0) {
          Operators.produced(REQUESTED, this, emitted);
          replenish(); // the budget may be free again
        }
        if (done) {
          boolean empty;
          synchronized (pending) {
            empty = pending.isEmpty();
          }
          if (empty) {
            cancelled = true; // terminal: later drains stop at once
            Throwable t = error;
            if (t != null) {
              actual.onError(t);
            } else {
              actual.onComplete();
            }
            return;
          }
        }
        missed = WIP.addAndGet(this, -missed);
        if (missed == 0) {
          return;
        }
      }
    }
  }
}
