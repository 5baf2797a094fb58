package io.changeflux.mem;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import reactor.core.publisher.FluxSink;

/**
 * One named in-memory channel: every event emitted goes to every source subscribed at that moment
 * (events emitted while nobody listens are gone, as with pub/sub). Thread-safe; {@link #emit}
 * never blocks.
 */
public final class InMemoryChannel {

  private final String name;
  private final Set<FluxSink<ChangeEvent>> subscribers = new CopyOnWriteArraySet<>();
  private volatile String failure;

  InMemoryChannel(String name) {
    this.name = name;
  }

  /** The channel's name, as in {@code mem:NAME}. */
  public String name() {
    return name;
  }

  /** Sends an event to every current subscriber. */
  public void emit(ChangeEvent event) {
    for (FluxSink<ChangeEvent> s : subscribers) {
      s.next(event);
    }
  }

  /** Sends an event of the given kind and key to every current subscriber. */
  public void emit(ChangeKind kind, String key) {
    emit(ChangeEvent.builder(kind, key).source("mem:" + name).build());
  }

  /** Completes every current subscriber. */
  public void complete() {
    for (FluxSink<ChangeEvent> s : subscribers) {
      s.complete();
    }
  }

  /** Errors every current subscriber (a failure after start). */
  public void error(Throwable t) {
    for (FluxSink<ChangeEvent> s : subscribers) {
      s.error(t);
    }
  }

  /**
   * Makes every later subscription fail at start with a {@link ChangeSourceException} carrying
   * this reason (null to stop failing) — to test how code copes with a source that cannot start.
   */
  public void failSubscriptions(String reason) {
    this.failure = reason;
  }

  /** How many sources are subscribed now. */
  public int subscriberCount() {
    return subscribers.size();
  }

  /** Registers a subscriber; returns the reason to fail instead, or null. */
  String register(FluxSink<ChangeEvent> sink) {
    String f = failure;
    if (f == null) {
      subscribers.add(sink);
      sink.onDispose(() -> subscribers.remove(sink));
    }
    return f;
  }
}
