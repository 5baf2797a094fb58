package io.changeflux.internal;

import io.changeflux.ChangeEvent;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
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
 * is requested unbounded and never blocked longer than a map update. When nothing is pending and
 * downstream has demand, an event passes straight through without touching the map.
 */
public final class Coalescer extends FluxOperator<ChangeEvent, ChangeEvent> {

  /** The key of the OVERFLOW event that replaces pending events at the bound. */
  public static final String OVERFLOW_KEY = PendingMap.OVERFLOW_KEY;

  private final int maxKeys;

  private Coalescer(Flux<ChangeEvent> source, int maxKeys) {
    super(source);
    this.maxKeys = maxKeys;
  }

  /** Applies coalescing with the given bound to {@code upstream}. */
  public static Flux<ChangeEvent> apply(Flux<ChangeEvent> upstream, int maxKeys) {
    if (maxKeys < 1) {
      throw new IllegalArgumentException("maxKeys must be at least 1, was " + maxKeys);
    }
    return new Coalescer(upstream, maxKeys);
  }

  @Override
  public void subscribe(CoreSubscriber<? super ChangeEvent> actual) {
    source.subscribe(new CoalesceSubscriber(actual, maxKeys));
  }

  @Override
  @SuppressWarnings("rawtypes") // reactor-core declares it raw
  public Object scanUnsafe(Scannable.Attr key) {
    if (key == Scannable.Attr.RUN_STYLE) {
      return Scannable.Attr.RunStyle.SYNC;
    }
    return super.scanUnsafe(key);
  }

  static final class CoalesceSubscriber implements CoreSubscriber<ChangeEvent>, Subscription {
    final CoreSubscriber<? super ChangeEvent> actual;
    final int maxKeys;
    /** Guarded by itself. */
    final PendingMap pending = new PendingMap();
    /** pending.size(), published after every change (the fast path reads it without the lock). */
    volatile int pendingCount;

    Subscription s;
    volatile boolean done;
    Throwable error;
    volatile boolean cancelled;

    volatile long requested;
    static final AtomicLongFieldUpdater<CoalesceSubscriber> REQUESTED =
        AtomicLongFieldUpdater.newUpdater(CoalesceSubscriber.class, "requested");

    volatile int wip;
    static final AtomicIntegerFieldUpdater<CoalesceSubscriber> WIP =
        AtomicIntegerFieldUpdater.newUpdater(CoalesceSubscriber.class, "wip");

    CoalesceSubscriber(CoreSubscriber<? super ChangeEvent> actual, int maxKeys) {
      this.actual = actual;
      this.maxKeys = maxKeys;
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
          s.request(Long.MAX_VALUE);
        }
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
      if (requested == Long.MAX_VALUE && pendingCount == 0 && wip == 0 && !cancelled) {
        // Unbounded demand and nothing pending: only this thread adds to the map, so it stays
        // empty; a drain that starts now finds nothing, and one that polled the last item before
        // still holds wip until it emitted it. Both are volatile reads, in this order.
        actual.onNext(e);
        return;
      }
      if (wip == 0 && WIP.compareAndSet(this, 0, 1)) {
        // We own the drain: nobody else polls the map now, and only this thread adds to it.
        long r = requested;
        if (r != 0 && pending.isEmpty()) {
          actual.onNext(e);
          if (r != Long.MAX_VALUE) {
            REQUESTED.decrementAndGet(this);
          }
          if (WIP.decrementAndGet(this) == 0) {
            return;
          }
        } else {
          offer(e);
        }
        drainLoop();
        return;
      }
      offer(e);
      drain();
    }

    private void offer(ChangeEvent e) {
      synchronized (pending) {
        pending.add(e);
        if (pending.size() > maxKeys) {
          pending.collapseToOverflow();
        }
        pendingCount = pending.size();
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
        long r = requested;
        long emitted = 0;
        while (emitted != r) {
          if (cancelled) {
            clear();
            return;
          }
          ChangeEvent next;
          synchronized (pending) {
            next = pending.poll();
            pendingCount = pending.size();
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
        if (emitted != 0 && r != Long.MAX_VALUE) {
          REQUESTED.addAndGet(this, -emitted);
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
