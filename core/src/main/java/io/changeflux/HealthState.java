package io.changeflux;

/**
 * The state of one subscription to a source, as {@link SourceHealth} reports it.
 *
 * <p>A subscription starts {@link #STARTING}, becomes {@link #UP} once the source is established
 * (the watch registered, the subscription confirmed), may be {@link #DEGRADED} for a while (with a
 * reason) and ends {@link #DOWN} (failed) or {@link #STOPPED} (cancelled or completed).
 */
public enum HealthState {
  /** Subscribed, not yet established. */
  STARTING,
  /** Established and delivering. */
  UP,
  /**
   * Delivering, but not as configured: polling as a fallback, reconnecting, rescanning, an OVERFLOW
   * in the last minute, a scan failing, a consumer lagging ({@code lagKeys} or more keys pending
   * for it); see {@link SourceHealth#reason()}.
   */
  DEGRADED,
  /** Failed: the stream ended with an error (see {@link SourceHealth#reason()} for the redacted cause). */
  DOWN,
  /** Not subscribed: cancelled or completed, or never subscribed. */
  STOPPED
}
