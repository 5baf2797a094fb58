package io.changeflux;

/**
 * How a {@link ChangeSource} delivers its events, which decides what {@link ChangeSources#open}
 * puts in front of the consumer.
 *
 * <ul>
 *   <li>{@link #PUSH}: the backend sends whether or not anyone asked (file-system watches,
 *       polling, Redis pub/sub and keyspace notifications, core NATS, HTTP polling). At most once
 *       between reconnects, losses announced with OVERFLOW. The pipeline coalesces these events
 *       once, right behind the source, with the {@code coalesce} bound.
 *   <li>{@link #PULL}: the source reads only what downstream requested: Redis Streams and
 *       JetStream (at least once, every event carrying an acknowledgement handle), and webhooks
 *       (a POST is answered 200 only once its event was requested, else 503 + Retry-After). The
 *       pipeline never requests unbounded from it and keeps the handles it holds within a budget,
 *       so demand reaches the broker's read (or the sender) and a slow consumer leaves the
 *       messages where they came from.
 * </ul>
 */
public enum Delivery {
  /** Sent regardless of demand, at most once; coalesced by the pipeline. */
  PUSH,
  /** Read on demand, at least once, acknowledged after delivery. */
  PULL
}
