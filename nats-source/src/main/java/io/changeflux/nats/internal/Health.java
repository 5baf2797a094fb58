package io.changeflux.nats.internal;

import io.nats.client.Connection;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A round-trip check of a connection that jnats reports as connected. After a server restart on a
 * loaded machine, a reconnected jnats connection was seen to stop delivering its outgoing messages
 * (JetStream pulls and publishes went unanswered for more than 30 s while a fresh connection to
 * the same server worked); a connection that cannot complete a PING round trip is made to
 * reconnect.
 */
public final class Health {

  private static final Logger log = LoggerFactory.getLogger(Health.class);

  private Health() {}

  /**
   * Whether {@code c} completes a flush round trip within {@code timeout}; when it does not (and
   * jnats believes it is connected), forces a reconnect and returns false.
   */
  public static boolean check(Connection c, NatsConfig cfg, Duration timeout) {
    if (c.getStatus() != Connection.Status.CONNECTED) {
      return true; // jnats is already reconnecting
    }
    try {
      c.flush(timeout);
      return true;
    } catch (TimeoutException e) {
      log.warn(
          "{}: no round trip within {} ms on a connected connection; forcing a reconnect",
          cfg.source(),
          timeout.toMillis());
      try {
        c.forceReconnect();
      } catch (Exception ex) {
        log.debug("{}: forced reconnect failed: {}", cfg.source(), cfg.describe(ex));
      }
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    } catch (RuntimeException e) {
      return true; // closed or closing: nothing to repair
    }
  }
}
