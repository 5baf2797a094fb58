package io.changeflux.internal;

import io.changeflux.ChangeEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;
import reactor.util.context.Context;

/**
 * Debounce with max-wait into batches merged per key.
 *
 * <p>A batch opens at its first event and closes when no event has arrived for {@code quiet}, or
 * {@code maxWait} after it opened, or when it holds {@code maxKeys} distinct keys. A closed batch
 * that downstream has not asked for yet keeps merging new events (it is the coalescing buffer of a
 * slow batch consumer); past {@code maxKeys} keys it collapses into one OVERFLOW event. Completion
 * and errors deliver the open batch first. Cancel drops the open batch without acknowledging it.
 *
 * <p>Upstream is requested in bounded amounts ({@link #PREFETCH}, replenished as events arrive),
 * never unbounded, so demand reaches a source that reads on demand (Redis Streams, JetStream).
 * Events with acknowledgement handles count against a budget ({@link PendingMap#atAckBudget()}):
 * a key that reaches its budget closes the open batch, and while the batch held is at budget
 * nothing more is requested, so the handles held stay bounded however many messages wait at the
 * broker. Events without handles never reach a budget: a push source is read as fast as it sends.
 *
 * <p>One timer runs per open batch: it fires at the earliest possible deadline and, if events
 * arrived meanwhile, re-arms itself for the remaining quiet time, so an event costs a map update
 * and a clock reading, never a timer. On Reactor's schedulers the reading is coarse ({@link
 * CoarseClock}: at most a tick old while the ticker keeps time), and the deadlines allow one tick
 * ({@link CoarseClock#TICK_NANOS}) more, so that a batch does not close before its quiet time or
 * max-wait is over: it may close up to a tick late. Other schedulers (virtual time) are read
 * exactly, with no slack.
 */
public final class Debouncer extends FluxOperator<ChangeEvent, List<ChangeEvent>> {

  /** Events requested from upstream at a time; replenished after three quarters arrived. */
  public static final int PREFETCH = 256;

  private final long quietNanos;
  private final long maxWaitNanos;
  private final int maxKeys;
  private final Scheduler scheduler;
  private final int keyAckBudget;
  private final int ackBudget;

  private Debouncer(
      Flux<ChangeEvent> source,
      Duration quiet,
      Duration maxWait,
      int maxKeys,
      int keyAckBudget,
      int ackBudget,
      Scheduler scheduler) {
    super(source);
    this.quietNanos = nanos(quiet);
    this.maxWaitNanos = nanos(maxWait);
    this.maxKeys = maxKeys;
    this.keyAckBudget = keyAckBudget;
    this.ackBudget = ackBudget;
    this.scheduler = scheduler;
  }

  /** A duration in nanoseconds, at most {@code Long.MAX_VALUE / 4} (73 years): sums never overflow. */
  public static long nanos(Duration d) {
    long cap = Long.MAX_VALUE / 4;
    return d.compareTo(Duration.ofNanos(cap)) >= 0 ? cap : d.toNanos();
  }

  /** Applies debouncing with the default acknowledgement budgets; arguments are checked by the caller. */
  public static Flux<List<ChangeEvent>> apply(
      Flux<ChangeEvent> upstream, Duration quiet, Duration maxWait, int maxKeys, Scheduler scheduler) {
    return apply(upstream, quiet, maxWait, maxKeys, Acks.KEY_BUDGET, Acks.BUDGET, scheduler);
  }

  /** Applies debouncing with the given acknowledgement budgets; arguments are checked by the caller. */
  public static Flux<List<ChangeEvent>> apply(
      Flux<ChangeEvent> upstream,
      Duration quiet,
      Duration maxWait,
      int maxKeys,
      int keyAckBudget,
      int ackBudget,
      Scheduler scheduler) {
    return new Debouncer(upstream, quiet, maxWait, maxKeys, keyAckBudget, ackBudget, scheduler);
  }

  @Override
  public void subscribe(CoreSubscriber<? super List<ChangeEvent>> actual) {
    DebounceSubscriber s = new DebounceSubscriber(actual, this);
    PendingKeys.register(actual.currentContext(), s::pendingKeys); // read only when asked
    source.subscribe(s);
  }

  @Override
  @SuppressWarnings("rawtypes") // reactor-core declares it raw
  public @Nullable Object scanUnsafe(Scannable.Attr key) {
    if (key == Scannable.Attr.RUN_ON) {
      return scheduler;
    }
    if (key == Scannable.Attr.RUN_STYLE) {
      return Scannable.Attr.RunStyle.ASYNC;
    }
    return super.scanUnsafe(key);
  }

  static final class DebounceSubscriber implements CoreSubscriber<ChangeEvent>, Subscription {
    static final int EMPTY = 0;
    static final int OPEN = 1;
    static final int READY = 2;

    final CoreSubscriber<? super List<ChangeEvent>> actual;
    final long quiet;
    final long maxWait;
    final int maxKeys;
    final Scheduler scheduler;
    final Scheduler.Worker worker;
    /** This subscription's clock readings. */
    final CoarseClock.Reader clock;
    /** What a deadline allows beyond quiet and max-wait for a coarse reading's age. */
    final long slack;

    @SuppressWarnings("NullAway.Init") // set in onSubscribe, before downstream can request or cancel
    Subscription s;

    // Guarded by `this`.
    final PendingMap batch;
    /** Events received since the last request upstream. */
    int consumed;
    int state = EMPTY;
    long openedAt;
    long lastAt;
    long generation;
    @Nullable Disposable timer;
    long requested;
    boolean done;
    @Nullable Throwable error;

    volatile boolean cancelled;

    volatile int wip;
    static final AtomicIntegerFieldUpdater<DebounceSubscriber> WIP =
        AtomicIntegerFieldUpdater.newUpdater(DebounceSubscriber.class, "wip");

    DebounceSubscriber(CoreSubscriber<? super List<ChangeEvent>> actual, Debouncer parent) {
      this.actual = actual;
      this.quiet = parent.quietNanos;
      this.maxWait = parent.maxWaitNanos;
      this.maxKeys = parent.maxKeys;
      this.scheduler = parent.scheduler;
      this.worker = scheduler.createWorker();
      this.batch = new PendingMap(parent.keyAckBudget, parent.ackBudget);
      this.clock = CoarseClock.reader(scheduler);
      this.slack = CoarseClock.coarse(scheduler) ? CoarseClock.TICK_NANOS : 0;
    }

    @Override
    public Context currentContext() {
      return actual.currentContext();
    }

    /** Keys held in the batch (open, or closed and waiting for demand), for {@link PendingKeys}. */
    synchronized int pendingKeys() {
      return batch.size();
    }

    @Override
    public void onSubscribe(Subscription s) {
      if (Operators.validate(this.s, s)) {
        this.s = s;
        actual.onSubscribe(this);
        if (!cancelled) {
          s.request(PREFETCH);
        }
      }
    }

    @Override
    public void onNext(ChangeEvent e) {
      long now = clock.now();
      boolean ready;
      int more;
      synchronized (this) {
        if (done || cancelled) {
          return;
        }
        consumed++;
        boolean opened = false;
        if (state == EMPTY) {
          state = OPEN;
          openedAt = now;
          generation++;
          opened = true;
        }
        lastAt = now;
        batch.add(e);
        int size = batch.size();
        if (size >= maxKeys) {
          if (state == OPEN) {
            close();
          } else if (size > maxKeys) {
            batch.collapseToOverflow();
          }
        }
        if (state == OPEN && batch.atAckBudget()) {
          close(); // delivered sooner, so the handles it holds are acknowledged sooner
        }
        if (opened && state == OPEN) {
          // last: a scheduler may run the task on this thread before schedule() returns
          arm(generation, Math.min(quiet, maxWait));
        }
        ready = state == READY;
        more = replenish();
      }
      if (more > 0) {
        s.request(more);
      }
      if (ready) {
        drain();
      }
    }

    /**
     * How much to request upstream now: what arrived since the last request, once it is three
     * quarters of {@link #PREFETCH} and the batch is under its acknowledgement budget. Holds the
     * lock.
     */
    private int replenish() {
      if (consumed < PREFETCH - PREFETCH / 4 || done || cancelled || batch.atAckBudget()) {
        return 0;
      }
      int n = consumed;
      consumed = 0;
      return n;
    }

    /** OPEN → READY; the batch's timer is no longer needed. Holds the lock. */
    private void close() {
      state = READY;
      generation++;
      Disposable t = timer;
      if (t != null) {
        t.dispose();
        timer = null;
      }
    }

    /** Schedules the timer of batch {@code gen}. Holds the lock. */
    private void arm(long gen, long delayNanos) {
      try {
        timer = worker.schedule(() -> onTimer(gen), delayNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException ex) {
        // Only after cancel or termination disposed the worker: nothing is waiting for it.
        timer = null;
      }
    }

    void onTimer(long gen) {
      synchronized (this) {
        if (cancelled || gen != generation || state != OPEN) {
          return;
        }
        long now = scheduler.now(TimeUnit.NANOSECONDS);
        long deadline = Math.min(lastAt + quiet, openedAt + maxWait) + slack;
        if (now - deadline < 0) {
          arm(gen, deadline - now);
          return;
        }
        close();
      }
      drain();
    }

    @Override
    public void onError(Throwable t) {
      synchronized (this) {
        if (done) {
          Operators.onErrorDropped(t, actual.currentContext());
          return;
        }
        error = t;
        finish();
      }
      drain();
    }

    @Override
    public void onComplete() {
      synchronized (this) {
        if (done) {
          return;
        }
        finish();
      }
      drain();
    }

    /** Upstream terminated: the open batch is delivered first. Holds the lock. */
    private void finish() {
      done = true;
      if (state == OPEN) {
        close();
      }
    }

    @Override
    public void request(long n) {
      if (Operators.validate(n)) {
        synchronized (this) {
          requested = Operators.addCap(requested, n);
        }
        drain();
      }
    }

    @Override
    public void cancel() {
      synchronized (this) {
        if (cancelled) {
          return;
        }
        cancelled = true;
        batch.clear();
      }
      s.cancel();
      worker.dispose();
    }

    void drain() {
      if (WIP.getAndIncrement(this) != 0) {
        return;
      }
      int missed = 1;
      for (; ; ) {
        for (; ; ) {
          List<ChangeEvent> out = null;
          boolean terminate = false;
          int more = 0;
          synchronized (this) {
            if (cancelled) {
              return;
            }
            if (state == READY) {
              if (batch.isEmpty()) {
                state = EMPTY;
              } else if (requested > 0) {
                out = batch.drainAll();
                state = EMPTY;
                if (requested != Long.MAX_VALUE) {
                  requested--;
                }
                more = replenish(); // the budget is free again
              }
            }
            if (out == null && done && batch.isEmpty()) {
              terminate = true;
              cancelled = true; // terminal: nothing runs after this
            }
          }
          if (more > 0) {
            s.request(more);
          }
          if (out != null) {
            actual.onNext(out);
            continue;
          }
          if (terminate) {
            worker.dispose();
            Throwable t = error;
            if (t != null) {
              actual.onError(t);
            } else {
              actual.onComplete();
            }
            return;
          }
          break;
        }
        missed = WIP.addAndGet(this, -missed);
        if (missed == 0) {
          return;
        }
      }
    }
  }
}
