package io.changeflux;

import org.jspecify.annotations.Nullable;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The health of a source across its subscriptions, as a current value and a {@link Flux} of
 * changes. Every source opened by {@link ChangeSources#open} has one ({@link ChangeSource#health()}),
 * kept by core for every backend: a subscription is {@link HealthState#STARTING} when subscribed,
 * {@link HealthState#UP} when the source signals it is established, {@link HealthState#DOWN} with the
 * redacted cause when it fails, {@link HealthState#DEGRADED} while its backend reports a reason (or
 * for a minute after an OVERFLOW), and gone when cancelled or completed.
 *
 * <p>With several subscriptions the worst one counts ({@code DOWN} over {@code DEGRADED} over
 * {@code STARTING} over {@code UP}). With none: {@link HealthState#STOPPED}, or {@code DOWN} if the
 * last one failed (a failed source stays visibly failed until it is subscribed again).
 */
public final class HealthMonitor {

  private final String source;
  private final Map<Long, SourceHealth> subscriptions = new LinkedHashMap<>();
  private final Map<Long, IntSupplier> pending = new LinkedHashMap<>();
  private final Sinks.Many<SourceHealth> changes = Sinks.many().replay().latest();
  private SourceHealth current;
  private @Nullable SourceHealth lastEnded;
  private long ids;

  HealthMonitor(String source) {
    this.source = source;
    this.current = new SourceHealth(source, HealthState.STOPPED, "", Instant.now());
    changes.tryEmitNext(current);
  }

  /**
   * A monitor that is never fed: {@link HealthState#STOPPED} with the reason {@code "health not
   * tracked"}, for sources not opened through {@link ChangeSources} (the default of {@link
   * ChangeSource#health()}).
   *
   * @param source the redacted source URI the health names
   * @return a monitor that stays STOPPED
   */
  public static HealthMonitor untracked(String source) {
    HealthMonitor m = new HealthMonitor(source);
    m.current = new SourceHealth(source, HealthState.STOPPED, "health not tracked", m.current.since());
    m.changes.tryEmitNext(m.current);
    return m;
  }

  /**
   * The source's redacted URI.
   *
   * @return the redacted URI; never null
   */
  public String source() {
    return source;
  }

  /**
   * The health now.
   *
   * @return the latest health; never null; safe to call from any thread
   */
  public synchronized SourceHealth current() {
    return current;
  }

  /**
   * The current health, then every change, until the subscriber cancels (never completes). Hot: a
   * subscriber that falls behind keeps only the latest value (it is for state, not history).
   *
   * @return a hot stream of health values that never completes
   */
  public Flux<SourceHealth> changes() {
    return changes.asFlux().onBackpressureLatest();
  }

  /**
   * The keys the source's merge tables (coalesce, debounce) hold for its consumers now, summed over
   * its subscriptions: 0 while consumers keep up, growing while one lags (up to {@code coalesce}
   * per table, then an OVERFLOW replaces them). Read from the operators when called; they pay
   * nothing per event for it.
   *
   * @return the keys held now, 0 or more
   */
  public int pendingKeys() {
    IntSupplier[] readers;
    synchronized (this) {
      readers = pending.values().toArray(new IntSupplier[0]);
    }
    long n = 0;
    for (IntSupplier r : readers) {
      n += r.getAsInt();
    }
    return (int) Math.min(Integer.MAX_VALUE, n);
  }

  /** Subscription {@code id}'s merge tables hold {@code keys.getAsInt()} keys. */
  synchronized void pending(long id, IntSupplier keys) {
    pending.put(id, keys);
  }

  /** A new subscription's id (the pipeline calls it when subscribed). */
  synchronized long register() {
    return ++ids;
  }

  /** A subscription's health changed. */
  synchronized void update(long id, SourceHealth h) {
    subscriptions.put(id, h);
    recompute();
  }

  /** A subscription ended with {@code last} (cancelled, completed, or failed). */
  synchronized void end(long id, SourceHealth last) {
    pending.remove(id);
    if (subscriptions.remove(id) != null || last.state() == HealthState.DOWN) {
      lastEnded = last;
      recompute();
    }
  }

  private void recompute() {
    SourceHealth worst = null;
    for (SourceHealth h : subscriptions.values()) {
      if (worst == null || rank(h.state()) > rank(worst.state())) {
        worst = h;
      }
    }
    if (worst == null) {
      worst =
          lastEnded != null && lastEnded.state() == HealthState.DOWN
              ? lastEnded
              : new SourceHealth(source, HealthState.STOPPED, "", Instant.now());
    }
    if (worst.state() != current.state() || !worst.reason().equals(current.reason())) {
      current = worst;
      changes.tryEmitNext(worst);
    }
  }

  private static int rank(HealthState s) {
    switch (s) {
      case DOWN:
        return 4;
      case DEGRADED:
        return 3;
      case STARTING:
        return 2;
      case UP:
        return 1;
      default:
        return 0;
    }
  }

  @Override
  public String toString() {
    return current().toString();
  }
}
