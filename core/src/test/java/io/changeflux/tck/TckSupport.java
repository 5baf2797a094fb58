package io.changeflux.tck;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.reactivestreams.tck.TestEnvironment;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/** Upstreams and the environment shared by the Reactive Streams TCK verifications. */
public final class TckSupport {

  /** Above this many elements a publisher is treated as unbounded ("infinite" in TCK terms). */
  public static final long UNBOUNDED = 10_000;

  private TckSupport() {}

  /**
   * The TCK's environment: 5 s for an expected signal (and for rule 3.13's garbage collection:
   * a test waits only as long as the signal takes, and 1 s was once too short on a loaded 2-core
   * machine), 100 ms of silence for "nothing more arrives", and errors looked for every 20 ms (the
   * rule-3.9 errors are signalled within {@code request}, so they are there at the first look).
   */
  public static TestEnvironment env() {
    return new TestEnvironment(5_000, 100, 20);
  }

  /** Event {@code i}: CREATED on key {@code k<i>} — every event its own key, so nothing merges. */
  public static ChangeEvent event(long i) {
    return ChangeEvent.builder(ChangeKind.CREATED, "k" + i)
        .source("tck:")
        .time(Instant.EPOCH)
        .payload(Long.toString(i).getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .build();
  }

  /**
   * {@code n} events on distinct keys from a cold, backpressure-respecting, synchronous upstream;
   * above {@link #UNBOUNDED} it produces on {@code boundedElastic} instead, so that an operator
   * that requests unbounded does not spin the subscribing thread forever.
   */
  public static Flux<ChangeEvent> distinct(long n) {
    Flux<ChangeEvent> f = Flux.<ChangeEvent, Long>generate(
        () -> 0L,
        (i, sink) -> {
          if (i >= n) {
            sink.complete();
          } else {
            sink.next(event(i));
          }
          return i + 1;
        });
    return n > UNBOUNDED ? f.subscribeOn(Schedulers.boundedElastic()) : f;
  }

  /**
   * An operator fed in lock-step: the upstream emits event {@code i + 1} only after the
   * operator's output delivered element {@code i} and while its subscriber has demand left, then
   * completes after {@code n}. For operators that merge whatever arrives while downstream has no
   * demand (debounce): each output element is then made of exactly one event, so the TCK's exact
   * counts hold, and every rule is still checked against the operator's own signals (this wrapper
   * only forwards them; it never calls the subscriber on its own, except through the operator).
   */
  public static <R> Publisher<R> lockStep(long n, Function<Flux<ChangeEvent>, Publisher<R>> op) {
    return subscriber -> {
      if (subscriber == null) {
        throw new NullPointerException("subscriber"); // rule 1.9
      }
      LockStep<R> l = new LockStep<>(n, subscriber);
      op.apply(l.upstream.asFlux()).subscribe(l);
      l.pump();
    };
  }

  static final class LockStep<R> implements Subscriber<R>, Subscription {
    final Sinks.Many<ChangeEvent> upstream = Sinks.many().unicast().onBackpressureBuffer();
    final long n;
    volatile Subscriber<? super R> actual;
    volatile Subscription s;

    // guarded by this
    long next;
    long demand;
    boolean inFlight;
    boolean completed;
    boolean cancelled;

    volatile int wip;
    @SuppressWarnings("rawtypes") // a class literal cannot carry the type argument
    static final AtomicIntegerFieldUpdater<LockStep> WIP =
        AtomicIntegerFieldUpdater.newUpdater(LockStep.class, "wip");

    LockStep(long n, Subscriber<? super R> actual) {
      this.n = n;
      this.actual = actual;
    }

    @Override
    public void onSubscribe(Subscription s) {
      this.s = s;
      actual.onSubscribe(this);
    }

    @Override
    public void onNext(R r) {
      synchronized (this) {
        inFlight = false;
        if (demand != Long.MAX_VALUE) {
          demand--;
        }
      }
      Subscriber<? super R> a = actual;
      if (a != null) {
        a.onNext(r);
      }
      pump();
    }

    @Override
    public void onError(Throwable t) {
      Subscriber<? super R> a = actual;
      if (a != null) {
        a.onError(t);
      }
    }

    @Override
    public void onComplete() {
      Subscriber<? super R> a = actual;
      if (a != null) {
        a.onComplete();
      }
    }

    @Override
    public void request(long k) {
      s.request(k); // the operator's own subscription checks k (rule 3.9)
      if (k > 0) {
        synchronized (this) {
          demand = demand + k < 0 ? Long.MAX_VALUE : demand + k;
        }
        pump();
      }
    }

    @Override
    public void cancel() {
      synchronized (this) {
        cancelled = true;
      }
      s.cancel();
      actual = null; // rule 3.13 is about the operator; this wrapper must not hide a leak
    }

    /** Emits the next event or the completion when due; trampolined, so never recursive. */
    void pump() {
      if (WIP.getAndIncrement(this) != 0) {
        return;
      }
      int missed = 1;
      for (; ; ) {
        for (; ; ) {
          ChangeEvent e = null;
          boolean complete = false;
          synchronized (this) {
            if (cancelled) {
              break;
            }
            if (next >= n) {
              if (!completed && !inFlight) {
                completed = true;
                complete = true;
              }
            } else if (!inFlight && demand > 0) {
              inFlight = true;
              e = event(next++);
            }
          }
          if (e != null) {
            upstream.emitNext(e, Sinks.EmitFailureHandler.FAIL_FAST);
          } else {
            if (complete) {
              upstream.emitComplete(Sinks.EmitFailureHandler.FAIL_FAST);
            }
            break;
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
