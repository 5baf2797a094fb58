package io.changeflux.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * Coalescing backpressure: while downstream has not requested, pending events merge per key;
 * past {@code maxKeys} distinct keys everything pending becomes one OVERFLOW event. The upstream
 * is requested unbounded and never blocked longer than a map update.
 */
public final class Coalescer {

  /** The key of the OVERFLOW event that replaces pending events at the bound. */
  public static final String OVERFLOW_KEY = "";

  private Coalescer() {}

  /** Applies coalescing with the given bound to {@code upstream}. */
  public static Flux<ChangeEvent> apply(Flux<ChangeEvent> upstream, int maxKeys) {
    if (maxKeys < 1) {
      throw new IllegalArgumentException("maxKeys must be at least 1, was " + maxKeys);
    }
    return Flux.create(
        sink -> {
          State state = new State(sink, maxKeys);
          sink.onRequest(n -> state.drain());
          sink.onDispose(state::cancel);
          upstream.subscribe(state.subscriber(sink.contextView()));
        },
        FluxSink.OverflowStrategy.ERROR);
  }

  static final class State {
    final FluxSink<ChangeEvent> sink;
    final int maxKeys;
    final LinkedHashMap<String, ChangeEvent> pending = new LinkedHashMap<>();
    volatile boolean done;
    Throwable error;
    volatile Subscription upstream;
    volatile boolean cancelled;
    volatile int wip;
    static final AtomicIntegerFieldUpdater<State> WIP =
        AtomicIntegerFieldUpdater.newUpdater(State.class, "wip");

    State(FluxSink<ChangeEvent> sink, int maxKeys) {
      this.sink = sink;
      this.maxKeys = maxKeys;
    }

    CoreSubscriber<ChangeEvent> subscriber(reactor.util.context.ContextView ctx) {
      Context context = Context.of(ctx);
      return new CoreSubscriber<>() {
        @Override
        public Context currentContext() {
          return context;
        }

        @Override
        public void onSubscribe(Subscription s) {
          if (Operators.validate(upstream, s)) {
            upstream = s;
            if (cancelled) {
              s.cancel();
            } else {
              s.request(Long.MAX_VALUE);
            }
          }
        }

        @Override
        public void onNext(ChangeEvent e) {
          offer(e);
        }

        @Override
        public void onError(Throwable t) {
          error = t;
          done = true;
          drain();
        }

        @Override
        public void onComplete() {
          done = true;
          drain();
        }
      };
    }

    void offer(ChangeEvent e) {
      synchronized (pending) {
        String slot = Merging.slot(e);
        ChangeEvent prev = pending.get(slot);
        if (prev == null) {
          pending.put(slot, e);
          if (pending.size() > maxKeys) {
            overflow();
          }
        } else {
          ChangeEvent merged = Merging.merge(prev, e);
          if (merged == null) {
            pending.remove(slot);
          } else {
            pending.put(slot, merged);
          }
        }
      }
      drain();
    }

    private void overflow() {
      int count = 0;
      ChangeEvent.Builder b = null;
      for (ChangeEvent p : pending.values()) {
        count += p.count();
        if (b == null) {
          b = ChangeEvent.builder(ChangeKind.OVERFLOW, OVERFLOW_KEY).source(p.source());
        }
      }
      pending.clear();
      ChangeEvent overflow = b.count(Math.max(1, count)).header("reason", "coalesce").build();
      pending.put(Merging.slot(overflow), overflow);
    }

    void cancel() {
      cancelled = true;
      Subscription s = upstream;
      if (s != null) {
        s.cancel();
      }
      synchronized (pending) {
        pending.clear();
      }
    }

    void drain() {
      if (WIP.getAndIncrement(this) != 0) {
        return;
      }
      int missed = 1;
      do {
        while (!cancelled && sink.requestedFromDownstream() > 0) {
          ChangeEvent next;
          synchronized (pending) {
            Iterator<ChangeEvent> it = pending.values().iterator();
            if (!it.hasNext()) {
              break;
            }
            next = it.next();
            it.remove();
          }
          sink.next(next);
        }
        if (done && !cancelled) {
          boolean empty;
          synchronized (pending) {
            empty = pending.isEmpty();
          }
          if (empty) {
            if (error != null) {
              sink.error(error);
            } else {
              sink.complete();
            }
            cancelled = true;
          }
        }
        missed = WIP.addAndGet(this, -missed);
      } while (missed != 0);
    }
  }
}
