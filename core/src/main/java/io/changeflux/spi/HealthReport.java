package io.changeflux.spi;

import org.jspecify.annotations.Nullable;

import io.changeflux.internal.HealthSignals;
import java.time.Duration;
import reactor.util.context.ContextView;

/**
 * How a backend reports what core cannot see (see {@link io.changeflux.HealthMonitor}): a reason
 * to be {@link io.changeflux.HealthState#DEGRADED} (polling as a fallback, reconnecting,
 * rescanning, a scan failing) and when it ends, reconnects, rescans, redeliveries and acknowledgements. Call with
 * the subscription's context ({@code sink.contextView()}).
 *
 * <p>Core sets STARTING, UP (from {@link Readiness#signal}), DOWN (from {@code onError}) and
 * DEGRADED after an OVERFLOW by itself, for every provider; a provider that calls nothing here
 * still reports those. Each method is a no-op (one context look-up) when nobody tracks the
 * subscription, so a provider pays nothing for calling it. Reasons are short phrases such as
 * {@code "reconnecting"}; core redacts them anyway.
 */
public final class HealthReport {

  /** The context key of the subscription's tracker (core puts it there). */
  public static final String KEY = "io.changeflux.health";

  private HealthReport() {}

  /**
   * A reason to be DEGRADED began; the same reason given again is still one reason.
   *
   * @param context the subscription's context, as the source's {@code Flux.deferContextual} gets
   *     it; without a tracker in it the call does nothing
   * @param reason a short phrase such as {@code "reconnecting"}, shown in {@link
   *     io.changeflux.SourceHealth#reason()}; pass the same text to {@link #recovered}
   */
  public static void degraded(ContextView context, String reason) {
    HealthSignals s = signals(context);
    if (s != null) {
      s.degraded(reason);
    }
  }

  /**
   * A reason given to {@link #degraded} ended; when no reason is left the subscription is UP.
   *
   * @param context the subscription's context; without a tracker in it the call does nothing
   * @param reason the text given to {@link #degraded}; an unknown one is ignored
   */
  public static void recovered(ContextView context, String reason) {
    HealthSignals s = signals(context);
    if (s != null) {
      s.recovered(reason);
    }
  }

  /**
   * The source reconnected after a lost connection (counted by metrics).
   *
   * @param context the subscription's context; without a tracker in it the call does nothing
   */
  public static void reconnected(ContextView context) {
    HealthSignals s = signals(context);
    if (s != null) {
      s.reconnected();
    }
  }

  /**
   * The source rescanned its state, taking {@code took} (counted and timed by metrics).
   *
   * @param context the subscription's context; without a tracker in it the call does nothing
   * @param took how long the rescan ran
   */
  public static void rescanned(ContextView context, Duration took) {
    HealthSignals s = signals(context);
    if (s != null) {
      s.rescanned(took);
    }
  }

  /**
   * An at-least-once source received {@code count} messages again (counted by metrics).
   *
   * @param context the subscription's context; without a tracker in it the call does nothing
   * @param count the messages received again; 0 or less is ignored
   */
  public static void redelivered(ContextView context, long count) {
    HealthSignals s = signals(context);
    if (s != null && count > 0) {
      s.redelivered(count);
    }
  }

  /**
   * An at-least-once source sent (or queued) {@code count} acknowledgements to its broker (counted
   * by metrics).
   *
   * @param context the subscription's context; without a tracker in it the call does nothing
   * @param count the acknowledgements sent; 0 or less is ignored
   */
  public static void acknowledged(ContextView context, long count) {
    HealthSignals s = signals(context);
    if (s != null && count > 0) {
      s.acknowledged(count);
    }
  }

  private static @Nullable HealthSignals signals(ContextView context) {
    Object o = context.getOrDefault(KEY, null);
    return o instanceof HealthSignals ? (HealthSignals) o : null;
  }
}
