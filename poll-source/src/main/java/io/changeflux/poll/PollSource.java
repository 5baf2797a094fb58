package io.changeflux.poll;

import io.changeflux.ChangeSource;
import io.changeflux.poll.internal.ValuePoller;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Value polling: turn any value you can read (a command's output, a URL's ETag, a database row's
 * version) into a {@link ChangeSource}.
 *
 * <pre>{@code
 * PollSource.value("main", () -> git("rev-parse", "main"), Duration.ofSeconds(2))
 *     .events()
 *     .subscribe(e -> System.out.println("main is now " + e.sha().orElseThrow()));
 * }</pre>
 *
 * <p>Each subscriber gets its own thread ({@code changeflux-poll-value}), disposed on cancel. The
 * first value read is the baseline and emits nothing; afterwards every change emits one MODIFIED
 * event whose {@code sha} is the hex SHA-256 of the new value's UTF-8 bytes (the value itself is
 * not carried). A {@code null} value emits DELETED. A call that throws is logged (once per distinct
 * error) and retried at the next tick; it never ends the stream. A call slower than the interval
 * skips the ticks it overran instead of queueing them. A slow subscriber sees the latest change
 * only (events for the one key merge).
 *
 * <p>Directory polling is the {@code poll:PATH} scheme: {@code ChangeSources.open("poll:/srv?interval=1s")}.
 */
public final class PollSource {

  private PollSource() {}

  /**
   * Polls {@code value} every {@code interval}; events have the key {@code value}.
   *
   * @param value gives the current value, or null when there is none; called on the poller's
   *     thread, so it may block
   * @param interval the time between calls; more than zero
   * @return a cold source: each subscription polls on its own
   * @throws IllegalArgumentException if {@code interval} is not positive
   */
  public static ChangeSource value(Callable<String> value, Duration interval) {
    return value("value", value, interval);
  }

  /**
   * Polls {@code value} every {@code interval}; events have the given key.
   *
   * @param key the key of every event
   * @param value gives the current value, or null when there is none; called on the poller's
   *     thread, so it may block
   * @param interval the time between calls; more than zero
   * @return a cold source: each subscription polls on its own
   * @throws IllegalArgumentException if {@code interval} is null or not positive
   */
  public static ChangeSource value(String key, Callable<String> value, Duration interval) {
    if (interval == null || interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive, was " + interval);
    }
    return () -> ValuePoller.flux(key, value, interval);
  }
}
