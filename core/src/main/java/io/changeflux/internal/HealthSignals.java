package io.changeflux.internal;

import java.time.Duration;

/**
 * What a backend reports about one subscription, through {@link io.changeflux.spi.HealthReport}:
 * the value core puts in the Reactor context under {@link io.changeflux.spi.HealthReport#KEY}.
 */
public interface HealthSignals {

  /** A reason to be DEGRADED began (the same reason again is one reason). */
  void degraded(String reason);

  /** A reason to be DEGRADED ended. */
  void recovered(String reason);

  /** The source reconnected. */
  void reconnected();

  /** The source rescanned, taking {@code took}. */
  void rescanned(Duration took);

  /** The source received {@code count} messages again. */
  void redelivered(long count);

  /** The source acknowledged {@code count} messages to its broker. */
  void acknowledged(long count);
}
