package io.changeflux.nats;

/**
 * How a {@link NatsSink} puts a {@link io.changeflux.ChangeEvent} into a NATS message, so that a
 * {@code nats:} source on another machine restores its kind, key and SHA.
 *
 * <ul>
 *   <li>{@value #KIND}: {@code CREATED}, {@code MODIFIED}, {@code DELETED} or {@code OVERFLOW};
 *       its presence marks the message as an envelope.
 *   <li>{@value #KEY}: the event's key, percent-encoded (UTF-8 bytes outside printable ASCII, and
 *       {@code %}, become {@code %XX}). Required in an envelope.
 *   <li>{@value #SHA}: the SHA, where the event has one.
 *   <li>{@value #COUNT}: the number of raw notifications merged into the event, when more than one.
 *   <li>{@code Nats-Msg-Id}: a hash of the event, so a JetStream stream drops duplicate publishes
 *       within its duplicate window.
 *   <li>Every other header of the event under its own name (names NATS cannot carry are left out),
 *       values percent-encoded like the key.
 * </ul>
 *
 * <p>The body is the payload. A message without {@value #KIND} is a raw message: a MODIFIED event
 * whose key is the subject. An envelope with a bad kind or no key is passed on as a raw message
 * with header {@value #MALFORMED} saying what was wrong; it never ends the stream.
 */
public final class NatsEnvelope {

  /** Header of the event kind. */
  public static final String KIND = "Changeflux-Kind";

  /** Header of the percent-encoded key. */
  public static final String KEY = "Changeflux-Key";

  /** Header of the SHA. */
  public static final String SHA = "Changeflux-Sha";

  /** Header of the merged count. */
  public static final String COUNT = "Changeflux-Count";

  /** Event header set on an envelope that could not be read, naming the problem. */
  public static final String MALFORMED = "malformed";

  /** Event header of a JetStream message's stream sequence (so {@code dedup} drops redeliveries). */
  public static final String ID = "id";

  /** Event header of an OVERFLOW: why ({@code reconnect} or {@code slow-consumer}). */
  public static final String REASON = "reason";

  /** Event header of a slow-consumer OVERFLOW: how many messages the client dropped. */
  public static final String DROPPED = "dropped";

  private NatsEnvelope() {}
}
