package io.changeflux.mem;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.FluxSink;

/**
 * One named in-memory channel: every event emitted goes to every source subscribed at that moment
 * (events emitted while nobody listens are gone, as with pub/sub). Thread-safe; {@link #emit}
 * never blocks.
 */
public final class InMemoryChannel {

  private final String name;
  private final Set<FluxSink<ChangeEvent>> subscribers = new CopyOnWriteArraySet<>();
  private volatile @Nullable String failure;

  InMemoryChannel(String name) {
    this.name = name;
  }

  /**
   * The channel's name, as in {@code mem:NAME}.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Sends an event to every current subscriber.
   *
   * @param event the event to send, as it is; not null
   */
  public void emit(ChangeEvent event) {
    for (FluxSink<ChangeEvent> s : subscribers) {
      s.next(event);
    }
  }

  /**
   * Sends an event of the given kind and key to every current subscriber.
   *
   * @param kind what happened
   * @param key what changed
   */
  public void emit(ChangeKind kind, String key) {
    emit(ChangeEvent.builder(kind, key).source("mem:" + name).build());
  }

  /** Completes every current subscriber. */
  public void complete() {
    for (FluxSink<ChangeEvent> s : subscribers) {
      s.complete();
    }
  }

  /**
   * Errors every current subscriber (a failure after start).
   *
   * @param t the error every current subscriber receives
   */
  public void error(Throwable t) {
    for (FluxSink<ChangeEvent> s : subscribers) {
      s.error(t);
    }
  }

  /**
   * Makes every later subscription fail at start with a {@link ChangeSourceException} carrying
   * this reason (null to stop failing) — to test how code copes with a source that cannot start.
   *
   * @param reason the failure message, or null to let subscriptions start again
   */
  public void failSubscriptions(@Nullable String reason) {
    this.failure = reason;
  }

  /**
   * How many sources are subscribed now.
   *
   * @return the number of subscribed sources
   */
  public int subscriberCount() {
    return subscribers.size();
  }

  /** Registers a subscriber; returns the reason to fail instead, or null. */
  @Nullable String register(FluxSink<ChangeEvent> sink) {
    String f = failure;
    if (f == null) {
      subscribers.add(sink);
      sink.onDispose(() -> subscribers.remove(sink));
    }
    return f;
  }
}
