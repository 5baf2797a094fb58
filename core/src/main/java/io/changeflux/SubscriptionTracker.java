package io.changeflux;

import org.jspecify.annotations.Nullable;

import io.changeflux.internal.HealthSignals;
import io.changeflux.internal.PendingKeys;
import io.changeflux.internal.Redaction;
import io.changeflux.spi.HealthReport;
import io.changeflux.spi.Readiness;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntSupplier;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

/**
 * The health of one subscription, kept by core around every source opened through {@link
 * ChangePipeline#apply}: STARTING when subscribed, UP at {@link Readiness#signal}, DEGRADED while a
 * backend reports a reason ({@link HealthReport}) or for {@code overflowHealth} (default one minute) after an OVERFLOW
 * reached the consumer, DOWN with the redacted cause on error, STOPPED when cancelled or completed.
 *
 * <p>Consumer lag: the pipeline's merge tables (coalesce, debounce) register a reader of the keys
 * they hold ({@link PendingKeys}); every {@link #LAG_CHECK} the tracker sums them, and the
 * subscription is DEGRADED ({@link #lagReason}) once they reach {@code lagKeys}, UP again once
 * they are back to half of it or fewer (hysteresis, so a consumer that hovers at the bound does
 * not flap). No merge table, or {@code lagKeys=0}: no check.
 *
 * <p>A source nested in another (git's fs watches) finds its parent's tracker in the context and
 * passes its reasons and facts on to it; only the outermost one talks to the {@link
 * SourceListener}.
 */
final class SubscriptionTracker implements HealthSignals, PendingKeys.Registry {

  /** The context key of the {@link SourceListener} ({@link ChangeSources#observe}). */
  static final String LISTENER_KEY = "io.changeflux.listener";

  /** How often the keys pending for the consumer are compared with {@code lagKeys}. */
  static final Duration LAG_CHECK = Duration.ofSeconds(1);

  private final HealthMonitor monitor;
  private final long id;
  private final String source;
  private final @Nullable SourceListener listener;
  private final @Nullable HealthSignals parent;
  private final @Nullable Runnable userReady;
  private final Scheduler scheduler;
  private final Duration window;
  private final LinkedHashSet<String> reasons = new LinkedHashSet<>();
  private final Map<String, Disposable> overflowTimers = new HashMap<>();
  private final int lagKeys;
  private final List<IntSupplier> pending = new CopyOnWriteArrayList<>();
  private @Nullable Disposable lagTimer;
  private boolean lagging;
  private boolean ready;
  private boolean ended;
  private @Nullable String down;
  private @Nullable SourceHealth last;

  private SubscriptionTracker(
            HealthMonitor monitor,
      @Nullable SourceListener listener,
      @Nullable HealthSignals parent,
      @Nullable Runnable userReady,
      Duration window,
      int lagKeys,
      Scheduler scheduler) {
    this.window = window;
    this.lagKeys = lagKeys;
    this.monitor = monitor;
    this.id = monitor.register();
    this.source = monitor.source();
    this.listener = listener;
    this.parent = parent;
    this.userReady = userReady;
    this.scheduler = scheduler;
    synchronized (this) {
      publish();
    }
  }

  /**
   * {@code pipeline} applied to {@code raw}, tracked: the raw source sees this tracker and a
   * readiness callback that marks it UP (then runs the subscriber's own).
   */
  static <T> Flux<T> track(
      HealthMonitor monitor,
      Duration window,
      int lagKeys,
      Scheduler scheduler,
      Flux<ChangeEvent> raw,
      Function<Flux<ChangeEvent>, Flux<T>> pipeline,
      Function<T, Iterable<ChangeEvent>> eventsOf) {
    return Flux.deferContextual(
        ctx -> {
          Object p = ctx.getOrDefault(HealthReport.KEY, null);
          HealthSignals parent = p instanceof HealthSignals ? (HealthSignals) p : null;
          Object l = parent == null ? ctx.getOrDefault(LISTENER_KEY, null) : null;
          Object r = ctx.getOrDefault(Readiness.KEY, null);
          SubscriptionTracker t =
              new SubscriptionTracker(
                  monitor,
                  l instanceof SourceListener ? (SourceListener) l : null,
                  parent,
                  r instanceof Runnable ? (Runnable) r : null,
                  window,
                  lagKeys,
                  scheduler);
          Runnable ready = t::ready;
          Flux<ChangeEvent> tracked = raw.contextWrite(c -> c.put(Readiness.KEY, ready).put(HealthReport.KEY, t));
          return new TrackedFlux<>(pipeline.apply(tracked), t, eventsOf);
        });
  }

  static Iterable<ChangeEvent> one(ChangeEvent e) {
    return List.of(e);
  }

  private void ready() {
    synchronized (this) {
      if (!ready && !ended) {
        ready = true;
        publish();
      }
    }
    if (userReady != null) {
      userReady.run();
    }
  }

  synchronized void failed(Throwable t) {
    if (down == null) {
      String m = t instanceof ChangeSourceException ? t.getMessage() : Redaction.describe(t, List.of());
      down = m == null ? "failed" : Redaction.redactText(m);
      publish();
    }
  }

  synchronized void end() {
    if (!ended) {
      ended = true;
      overflowTimers.values().forEach(Disposable::dispose);
      overflowTimers.clear();
      if (lagTimer != null) {
        lagTimer.dispose();
        lagTimer = null;
      }
      publish();
      monitor.end(id, java.util.Objects.requireNonNull(last, "publish() sets last"));
    }
  }

  void overflow(ChangeEvent e) {
    if (window.isZero()) {
      return;
    }
    String why = e.headers().getOrDefault("reason", "");
    String reason =
        "OVERFLOW" + (why.isEmpty() ? "" : " (" + why + ")") + " in the last " + Durations.format(window);
    degraded(reason);
    synchronized (this) {
      if (ended) {
        return;
      }
      Disposable old = overflowTimers.remove(reason);
      if (old != null) {
        old.dispose();
      }
      try {
        overflowTimers.put(
            reason,
            scheduler.schedule(() -> recovered(reason), window.toMillis(), TimeUnit.MILLISECONDS));
      } catch (RuntimeException rejected) {
        // the scheduler is shutting down: the reason stays until the subscription ends
      }
    }
  }

  @Override
  public void register(IntSupplier keys) {
    if (parent instanceof PendingKeys.Registry) {
      ((PendingKeys.Registry) parent).register(keys); // a nested source's tables are the outer one's
      return;
    }
    synchronized (this) {
      if (ended) {
        return;
      }
      pending.add(keys);
      if (pending.size() > 1) {
        return;
      }
      monitor.pending(id, this::pendingKeys);
      if (lagKeys > 0) {
        try {
          long every = LAG_CHECK.toMillis();
          lagTimer = scheduler.schedulePeriodically(this::checkLag, every, every, TimeUnit.MILLISECONDS);
        } catch (RuntimeException rejected) {
          // the scheduler is shutting down: no lag check
        }
      }
    }
  }

  /** The keys the pipeline's merge tables hold for the consumer now. */
  int pendingKeys() {
    long n = 0;
    for (IntSupplier s : pending) {
      n += s.getAsInt();
    }
    return (int) Math.min(Integer.MAX_VALUE, n);
  }

  /** The DEGRADED reason while the consumer lags. */
  static String lagReason(int lagKeys) {
    return "consumer lag: " + lagKeys + " or more keys pending";
  }

  private void checkLag() {
    int n = pendingKeys();
    boolean enter;
    boolean leave;
    synchronized (this) {
      if (ended) {
        return;
      }
      enter = !lagging && n >= lagKeys;
      leave = lagging && n <= lagKeys / 2;
      if (enter || leave) {
        lagging = enter;
      }
    }
    if (enter) {
      degraded(lagReason(lagKeys));
    } else if (leave) {
      recovered(lagReason(lagKeys));
    }
  }

  @Override
  public void degraded(@Nullable String reason) {
    String r = Redaction.redactText(reason == null || reason.isBlank() ? "degraded" : reason.trim());
    synchronized (this) {
      if (!ended && reasons.add(r)) {
        publish();
      }
    }
    if (parent != null) {
      parent.degraded(r);
    }
  }

  @Override
  public void recovered(@Nullable String reason) {
    String r = Redaction.redactText(reason == null || reason.isBlank() ? "degraded" : reason.trim());
    synchronized (this) {
      if (reasons.remove(r) && !ended) {
        publish();
      }
    }
    if (parent != null) {
      parent.recovered(r);
    }
  }

  @Override
  public void reconnected() {
    if (parent != null) {
      parent.reconnected();
    } else if (listener != null) {
      listener.onReconnect();
    }
  }

  @Override
  public void rescanned(Duration took) {
    if (parent != null) {
      parent.rescanned(took);
    } else if (listener != null) {
      listener.onRescan(took);
    }
  }

  @Override
  public void redelivered(long count) {
    if (parent != null) {
      parent.redelivered(count);
    } else if (listener != null) {
      listener.onRedelivery(count);
    }
  }

  @Override
  public void acknowledged(long count) {
    if (parent != null) {
      parent.acknowledged(count);
    } else if (listener != null) {
      listener.onAck(count);
    }
  }

  /** Holding the lock: the state now, to the monitor and listener when it changed. */
  private void publish() {
    HealthState s;
    String reason = "";
    if (down != null) {
      s = HealthState.DOWN;
      reason = down;
    } else if (ended) {
      s = HealthState.STOPPED;
    } else if (!reasons.isEmpty()) {
      s = HealthState.DEGRADED;
      reason = String.join("; ", reasons);
    } else if (ready) {
      s = HealthState.UP;
    } else {
      s = HealthState.STARTING;
    }
    if (last != null && last.state() == s && last.reason().equals(reason)) {
      return;
    }
    if (last != null && last.state() == HealthState.DOWN) {
      return; // DOWN is final
    }
    last = new SourceHealth(source, s, reason, Instant.now());
    if (!ended || s == HealthState.DOWN) {
      monitor.update(id, last);
    }
    if (listener != null) {
      try {
        listener.onHealth(last);
      } catch (RuntimeException e) {
        // a listener must not break the source
      }
    }
  }
}
