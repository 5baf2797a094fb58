package io.changeflux.internal;

import io.changeflux.ChangeEvent;
import java.util.Collection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Exceptions;

/**
 * Acknowledges events without ever failing the stream: a handle that throws is logged. Operators
 * call it for events they drop (filtered, deduplicated, confirmed unchanged, merged to nothing),
 * because those events were handled: the consumer will never see them, and an at-least-once broker
 * would otherwise redeliver them forever.
 */
public final class Acks {

  private static final Logger log = LoggerFactory.getLogger(Acks.class);

  /**
   * Acknowledgement handles one key may hold in a merging operator before it stops requesting
   * (and debounce closes its batch): at most this many messages are merged into one event.
   */
  public static final int KEY_BUDGET = 1_000;

  /** Acknowledgement handles a merging operator holds in all before it stops requesting. */
  public static final int BUDGET = 100_000;

  private Acks() {}

  /** Acknowledges one event; logs (never throws) when its handle fails. */
  public static void ack(ChangeEvent e) {
    if (!e.acknowledgeable()) {
      return;
    }
    try {
      e.ack();
    } catch (Throwable t) {
      Exceptions.throwIfJvmFatal(t);
      log.warn("acknowledging {} failed: {}", e.key(), String.valueOf(t));
    }
  }

  /** Acknowledges every event of a batch. */
  public static void ackAll(Collection<ChangeEvent> events) {
    for (ChangeEvent e : events) {
      ack(e);
    }
  }
}
