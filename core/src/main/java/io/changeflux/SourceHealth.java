package io.changeflux;

import java.time.Instant;
import java.util.Objects;

/**
 * The health of a source at one moment: its {@link HealthState}, why (for {@link
 * HealthState#DEGRADED} and {@link HealthState#DOWN}), since when, and the source's redacted URI.
 * An immutable value; equal by every field. The reason never holds a secret.
 */
public final class SourceHealth {

  private final String source;
  private final HealthState state;
  private final String reason;
  private final Instant since;

  /**
   * A health value.
   *
   * @param source the source's redacted URI (or name)
   * @param state the state
   * @param reason why, or {@code ""} (null is taken as {@code ""})
   * @param since when this state began
   */
  public SourceHealth(String source, HealthState state, String reason, Instant since) {
    this.source = Objects.requireNonNull(source, "source");
    this.state = Objects.requireNonNull(state, "state");
    this.reason = reason == null ? "" : reason;
    this.since = Objects.requireNonNull(since, "since");
  }

  /**
   * The source's redacted URI.
   *
   * @return the redacted source URI; never null
   */
  public String source() {
    return source;
  }

  /**
   * The state.
   *
   * @return the health state; never null
   */
  public HealthState state() {
    return state;
  }

  /**
   * Why the source is {@link HealthState#DEGRADED} (reasons joined by {@code "; "}) or {@link
   * HealthState#DOWN} (the redacted cause); {@code ""} otherwise.
   *
   * @return the reason, or {@code ""}; never null and never secret
   */
  public String reason() {
    return reason;
  }

  /**
   * When this state (with this reason) began.
   *
   * @return the start of this state; never null
   */
  public Instant since() {
    return since;
  }

  /**
   * Whether the state is {@link HealthState#UP}.
   *
   * @return {@code true} when UP
   */
  public boolean isUp() {
    return state == HealthState.UP;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof SourceHealth)) {
      return false;
    }
    SourceHealth h = (SourceHealth) o;
    return source.equals(h.source) && state == h.state && reason.equals(h.reason) && since.equals(h.since);
  }

  @Override
  public int hashCode() {
    return Objects.hash(source, state, reason, since);
  }

  @Override
  public String toString() {
    return source + " " + state + (reason.isEmpty() ? "" : " (" + reason + ")");
  }
}
