package io.changeflux;

import java.time.Duration;

/**
 * Hears what happens inside one subscription of a source: its health changes and the facts a
 * backend reports (reconnects, rescans, redeliveries, acknowledgements). Install it with {@code
 * events().contextWrite(ChangeSources.observe(listener))}; every method has an empty default.
 *
 * <p>Methods are called on the source's threads (a watcher thread, a Netty event loop): they must
 * be quick and must not block or throw.
 */
public interface SourceListener {

  /**
   * The subscription's health changed (first {@link HealthState#STARTING}).
   *
   * @param health the new health
   */
  default void onHealth(SourceHealth health) {}

  /** The source reconnected after a lost connection. */
  default void onReconnect() {}

  /**
   * The source rescanned its tree (after lost events, a restart of its watcher), taking {@code
   * took}.
   *
   * @param took how long the rescan ran
   */
  default void onRescan(Duration took) {}

  /**
   * An at-least-once source received {@code count} messages again that it had delivered before.
   *
   * @param count the messages received again, at least 1
   */
  default void onRedelivery(long count) {}

  /**
   * An at-least-once source acknowledged {@code count} messages to its broker.
   *
   * @param count the messages acknowledged, at least 1
   */
  default void onAck(long count) {}
}
