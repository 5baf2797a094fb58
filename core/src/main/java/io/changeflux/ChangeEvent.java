package io.changeflux;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One change observed by a {@link ChangeSource}: an immutable value, equal by value.
 *
 * <p>The acknowledgement handle of at-least-once sources ({@link #ack()}) is not part of the
 * value: two events that say the same thing are equal whether or not they carry one.
 */
public final class ChangeEvent {

  private static final byte[] EMPTY = new byte[0];
  private static final Runnable[] NO_ACKS = new Runnable[0];

  static {
    // the operators read the sha of every event: unwrapped, without an Optional per read
    io.changeflux.internal.EventAccess.install(e -> e.sha);
  }

  private final String source;
  private final String key;
  private final ChangeKind kind;
  private final Instant time;
  private final @Nullable Path path;
  private final @Nullable String sha;
  private final byte[] payload;
  private final Map<String, String> headers;
  private final int count;
  /** The acknowledgement handles, kept as a bare array: events of a merge carry many. */
  private final Runnable[] acks;
  /** 1 once {@link #ack()} ran the handles: a field, not an AtomicBoolean (an object per event). */
  private volatile int acked;

  private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<ChangeEvent> ACKED =
      java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(ChangeEvent.class, "acked");

  private ChangeEvent(Builder b) {
    this.source = b.source;
    this.key = Objects.requireNonNull(b.key, "key");
    this.kind = Objects.requireNonNull(b.kind, "kind");
    this.time = b.time != null ? b.time : Instant.now();
    this.path = b.path;
    this.sha = b.sha;
    this.payload = b.payload;
    this.headers =
        b.headers.isEmpty()
            ? Collections.emptyMap()
            : Collections.unmodifiableMap(new LinkedHashMap<>(b.headers));
    if (b.count < 1) {
      throw new IllegalArgumentException("count must be at least 1, was " + b.count);
    }
    this.count = b.count;
    this.acks = b.acks.isEmpty() ? NO_ACKS : b.acks.toArray(NO_ACKS);
  }

  /**
   * An event of the given kind for the given key, observed now, with no source.
   *
   * @param kind what happened; not null
   * @param key what changed (a relative path, channel, key or subject); not null
   * @return a new event with an empty source, no payload, headers or sha, and a count of 1
   */
  public static ChangeEvent of(ChangeKind kind, String key) {
    return builder(kind, key).build();
  }

  /**
   * An OVERFLOW event for the given key (a root, channel or subject), observed now.
   *
   * @param key the root, channel or subject whose changes were lost; not null
   * @return a new {@link ChangeKind#OVERFLOW} event with an empty source
   */
  public static ChangeEvent overflow(String key) {
    return of(ChangeKind.OVERFLOW, key);
  }

  /**
   * A builder for an event of the given kind and key.
   *
   * @param kind what happened; not null (checked by {@link Builder#build()})
   * @param key what changed; not null (checked by {@link Builder#build()})
   * @return a new builder; not thread-safe
   */
  public static Builder builder(ChangeKind kind, String key) {
    return new Builder(kind, key);
  }

  /**
   * A builder that starts as a copy of this event (acknowledgement handles included).
   *
   * @return a new builder holding this event's fields; changing it leaves this event as it is
   */
  public Builder toBuilder() {
    Builder b = new Builder(kind, key);
    b.source = source;
    b.time = time;
    b.path = path;
    b.sha = sha;
    b.payload = payload;
    b.headers.putAll(headers);
    b.count = count;
    b.acks.addAll(Arrays.asList(acks));
    return b;
  }

  /**
   * The source URI with secrets removed; empty when the event was made by hand.
   *
   * @return the redacted source URI, or {@code ""}; never null
   */
  public String source() {
    return source;
  }

  /**
   * What changed: for fs and poll the path relative to the watched root with {@code /}
   * separators; for Redis the channel or key; for NATS the subject.
   *
   * @return the key; never null
   */
  public String key() {
    return key;
  }

  /**
   * What happened.
   *
   * @return the kind; never null
   */
  public ChangeKind kind() {
    return kind;
  }

  /**
   * When the source observed the change.
   *
   * @return the observation time; never null (the build time unless the source set one)
   */
  public Instant time() {
    return time;
  }

  /**
   * For fs and poll, the absolute path; empty otherwise.
   *
   * @return the absolute path, or empty for backends that do not watch files
   */
  public Optional<Path> path() {
    return Optional.ofNullable(path);
  }

  /**
   * Hex SHA-256 of the content (or a resolver's id, such as a commit), where known.
   *
   * @return the hex SHA-256 or resolver id, or empty when the source does not know it
   */
  public Optional<String> sha() {
    return Optional.ofNullable(sha);
  }

  /**
   * The message body (a copy); empty for fs and poll.
   *
   * @return a fresh copy of the body each call (changing it leaves the event as it is); an empty
   *     array when there is none
   */
  public byte[] payload() {
    return payload.length == 0 ? EMPTY : payload.clone();
  }

  /**
   * The size of the payload, without copying it.
   *
   * @return the payload length in bytes; 0 when there is none
   */
  public int payloadSize() {
    return payload.length;
  }

  /**
   * Headers the source attached (a broker's message id is {@code id}); never null.
   *
   * @return the headers, unmodifiable and in the order they were added; empty when there are none
   */
  public Map<String, String> headers() {
    return headers;
  }

  /**
   * How many raw notifications were merged into this event; 1 for an unmerged event.
   *
   * @return the merged notification count; at least 1
   */
  public int count() {
    return count;
  }

  /**
   * Whether this event carries an acknowledgement handle from an at-least-once source.
   *
   * @return {@code true} when {@link #ack()} has handles to run
   */
  public boolean acknowledgeable() {
    return acks.length != 0;
  }

  /**
   * How many acknowledgement handles this event carries: for an at-least-once source, the
   * broker messages it covers (merged events carry one per message merged into them, bounded by
   * the operators' acknowledgement budget); 0 for sources that need no acknowledgement.
   *
   * @return the number of handles {@link #ack()} runs; 0 for sources without acknowledgement
   */
  public int ackHandles() {
    return acks.length;
  }

  /**
   * Acknowledges this event and every event merged into it, for sources read with {@code
   * ack=manual}. Does nothing for sources that need no acknowledgement. Safe to call more than
   * once and from several places (the pipeline, a sink that confirmed the publish, you): the
   * handles run the first time only.
   */
  public void ack() {
    if (acks.length == 0 || !ACKED.compareAndSet(this, 0, 1)) {
      return;
    }
    for (Runnable a : acks) {
      a.run();
    }
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ChangeEvent)) {
      return false;
    }
    ChangeEvent e = (ChangeEvent) o;
    return count == e.count
        && kind == e.kind
        && key.equals(e.key)
        && source.equals(e.source)
        && time.equals(e.time)
        && Objects.equals(path, e.path)
        && Objects.equals(sha, e.sha)
        && Arrays.equals(payload, e.payload)
        && headers.equals(e.headers);
  }

  @Override
  public int hashCode() {
    int h = Objects.hash(source, key, kind, time, path, sha, headers, count);
    return 31 * h + Arrays.hashCode(payload);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("ChangeEvent{").append(kind).append(' ').append(key);
    if (sha != null) {
      sb.append(" sha=").append(sha, 0, Math.min(12, sha.length()));
    }
    if (payload.length > 0) {
      sb.append(" payload=").append(payload.length).append('B');
    }
    if (count > 1) {
      sb.append(" count=").append(count);
    }
    if (!source.isEmpty()) {
      sb.append(" source=").append(source);
    }
    return sb.append(" time=").append(time).append('}').toString();
  }

  /** Builds a {@link ChangeEvent}. Every setter's default is stated on it. */
  public static final class Builder {
    private String source = "";
    private String key;
    private ChangeKind kind;
    private @Nullable Instant time;
    private @Nullable Path path;
    private @Nullable String sha;
    private byte[] payload = EMPTY;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private int count = 1;
    private final List<Runnable> acks = new ArrayList<>(1);

    private Builder(ChangeKind kind, String key) {
      this.kind = kind;
      this.key = key;
    }

    /**
     * The redacted source URI. Default: empty.
     *
     * @param source the source URI with its secrets already removed; not null
     * @return this builder
     */
    public Builder source(String source) {
      this.source = Objects.requireNonNull(source, "source");
      return this;
    }

    /**
     * The key.
     *
     * @param key what changed; not null
     * @return this builder
     */
    public Builder key(String key) {
      this.key = Objects.requireNonNull(key, "key");
      return this;
    }

    /**
     * The kind.
     *
     * @param kind what happened; not null
     * @return this builder
     */
    public Builder kind(ChangeKind kind) {
      this.kind = Objects.requireNonNull(kind, "kind");
      return this;
    }

    /**
     * When the change was observed. Default: the moment {@link #build()} runs.
     *
     * @param time the observation time, or null for the moment {@link #build()} runs
     * @return this builder
     */
    public Builder time(@Nullable Instant time) {
      this.time = time;
      return this;
    }

    /**
     * The absolute path. Default: none.
     *
     * @param path the absolute path of the changed file, or null for none
     * @return this builder
     */
    public Builder path(@Nullable Path path) {
      this.path = path;
      return this;
    }

    /**
     * The hex SHA-256 or resolver id. Default: none.
     *
     * @param sha the hex SHA-256 of the content or the resolver's id, or null for none
     * @return this builder
     */
    public Builder sha(@Nullable String sha) {
      this.sha = sha;
      return this;
    }

    /**
     * The message body; copied. Default: empty.
     *
     * @param payload the body, copied so later changes to the array do not reach the event; null or
     *     empty for none
     * @return this builder
     */
    public Builder payload(byte @Nullable [] payload) {
      this.payload = payload == null || payload.length == 0 ? EMPTY : payload.clone();
      return this;
    }

    /**
     * Adds one header. Default: no headers.
     *
     * @param name the header name; not null; a later value for the same name replaces the earlier
     * @param value the header value; not null
     * @return this builder
     */
    public Builder header(String name, String value) {
      headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Replaces all headers. Default: no headers.
     *
     * @param headers the headers to keep, copied in iteration order; not null, nor any name or
     *     value
     * @return this builder
     */
    public Builder headers(Map<String, String> headers) {
      this.headers.clear();
      headers.forEach(this::header);
      return this;
    }

    /**
     * Raw notifications merged into this event. Default: 1.
     *
     * @param count the number of raw notifications merged into the event; at least 1 (checked by
     *     {@link #build()})
     * @return this builder
     */
    public Builder count(int count) {
      this.count = count;
      return this;
    }

    /**
     * Adds an acknowledgement handle, run by {@link ChangeEvent#ack()}. Default: none. Sources
     * of at-least-once backends call this; merged events carry the handles of all their parts.
     *
     * @param ack the handle to run once when the event is acknowledged; not null; it should be
     *     cheap and must not throw
     * @return this builder
     */
    public Builder onAck(Runnable ack) {
      acks.add(Objects.requireNonNull(ack, "ack"));
      return this;
    }

    /**
     * Adds the acknowledgement handles of another event (used when merging).
     *
     * @param other the event whose handles to add; its own fields are not copied
     * @return this builder
     */
    public Builder acksOf(ChangeEvent other) {
      if (other.acks.length != 0) {
        acks.addAll(Arrays.asList(other.acks));
      }
      return this;
    }

    /**
     * The event.
     *
     * @return a new immutable event
     * @throws NullPointerException if the key or kind is null
     * @throws IllegalArgumentException if the count is below 1
     */
    public ChangeEvent build() {
      return new ChangeEvent(this);
    }
  }
}
