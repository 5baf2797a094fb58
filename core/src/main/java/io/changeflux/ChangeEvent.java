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

/**
 * One change observed by a {@link ChangeSource}: an immutable value, equal by value.
 *
 * <p>The acknowledgement handle of at-least-once sources ({@link #ack()}) is not part of the
 * value: two events that say the same thing are equal whether or not they carry one.
 */
public final class ChangeEvent {

  private static final byte[] EMPTY = new byte[0];

  private final String source;
  private final String key;
  private final ChangeKind kind;
  private final Instant time;
  private final Path path;
  private final String sha;
  private final byte[] payload;
  private final Map<String, String> headers;
  private final int count;
  private final List<Runnable> acks;
  private final java.util.concurrent.atomic.AtomicBoolean acked = new java.util.concurrent.atomic.AtomicBoolean();

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
    this.acks = b.acks.isEmpty() ? List.of() : List.copyOf(b.acks);
  }

  /** An event of the given kind for the given key, observed now, with no source. */
  public static ChangeEvent of(ChangeKind kind, String key) {
    return builder(kind, key).build();
  }

  /** An OVERFLOW event for the given key (a root, channel or subject), observed now. */
  public static ChangeEvent overflow(String key) {
    return of(ChangeKind.OVERFLOW, key);
  }

  /** A builder for an event of the given kind and key. */
  public static Builder builder(ChangeKind kind, String key) {
    return new Builder(kind, key);
  }

  /** A builder that starts as a copy of this event (acknowledgement handles included). */
  public Builder toBuilder() {
    Builder b = new Builder(kind, key);
    b.source = source;
    b.time = time;
    b.path = path;
    b.sha = sha;
    b.payload = payload;
    b.headers.putAll(headers);
    b.count = count;
    b.acks.addAll(acks);
    return b;
  }

  /** The source URI with secrets removed; empty when the event was made by hand. */
  public String source() {
    return source;
  }

  /**
   * What changed: for fs and poll the path relative to the watched root with {@code /}
   * separators; for Redis the channel or key; for NATS the subject.
   */
  public String key() {
    return key;
  }

  /** What happened. */
  public ChangeKind kind() {
    return kind;
  }

  /** When the source observed the change. */
  public Instant time() {
    return time;
  }

  /** For fs and poll, the absolute path; empty otherwise. */
  public Optional<Path> path() {
    return Optional.ofNullable(path);
  }

  /** Hex SHA-256 of the content (or a resolver's id, such as a commit), where known. */
  public Optional<String> sha() {
    return Optional.ofNullable(sha);
  }

  /** The message body (a copy); empty for fs and poll. */
  public byte[] payload() {
    return payload.length == 0 ? EMPTY : payload.clone();
  }

  /** The size of the payload, without copying it. */
  public int payloadSize() {
    return payload.length;
  }

  /** Headers the source attached (a broker's message id is {@code id}); never null. */
  public Map<String, String> headers() {
    return headers;
  }

  /** How many raw notifications were merged into this event; 1 for an unmerged event. */
  public int count() {
    return count;
  }

  /** Whether this event carries an acknowledgement handle from an at-least-once source. */
  public boolean acknowledgeable() {
    return !acks.isEmpty();
  }

  /**
   * Acknowledges this event and every event merged into it, for sources read with {@code
   * ack=manual}. Does nothing for sources that need no acknowledgement. Safe to call more than
   * once and from several places (the pipeline, a sink that confirmed the publish, you): the
   * handles run the first time only.
   */
  public void ack() {
    if (acks.isEmpty() || !acked.compareAndSet(false, true)) {
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
    private Instant time;
    private Path path;
    private String sha;
    private byte[] payload = EMPTY;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private int count = 1;
    private final List<Runnable> acks = new ArrayList<>(1);

    private Builder(ChangeKind kind, String key) {
      this.kind = kind;
      this.key = key;
    }

    /** The redacted source URI. Default: empty. */
    public Builder source(String source) {
      this.source = Objects.requireNonNull(source, "source");
      return this;
    }

    /** The key. */
    public Builder key(String key) {
      this.key = Objects.requireNonNull(key, "key");
      return this;
    }

    /** The kind. */
    public Builder kind(ChangeKind kind) {
      this.kind = Objects.requireNonNull(kind, "kind");
      return this;
    }

    /** When the change was observed. Default: the moment {@link #build()} runs. */
    public Builder time(Instant time) {
      this.time = time;
      return this;
    }

    /** The absolute path. Default: none. */
    public Builder path(Path path) {
      this.path = path;
      return this;
    }

    /** The hex SHA-256 or resolver id. Default: none. */
    public Builder sha(String sha) {
      this.sha = sha;
      return this;
    }

    /** The message body; copied. Default: empty. */
    public Builder payload(byte[] payload) {
      this.payload = payload == null || payload.length == 0 ? EMPTY : payload.clone();
      return this;
    }

    /** Adds one header. Default: no headers. */
    public Builder header(String name, String value) {
      headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Replaces all headers. Default: no headers. */
    public Builder headers(Map<String, String> headers) {
      this.headers.clear();
      headers.forEach(this::header);
      return this;
    }

    /** Raw notifications merged into this event. Default: 1. */
    public Builder count(int count) {
      this.count = count;
      return this;
    }

    /**
     * Adds an acknowledgement handle, run by {@link ChangeEvent#ack()}. Default: none. Sources
     * of at-least-once backends call this; merged events carry the handles of all their parts.
     */
    public Builder onAck(Runnable ack) {
      acks.add(Objects.requireNonNull(ack, "ack"));
      return this;
    }

    /** Adds the acknowledgement handles of another event (used when merging). */
    public Builder acksOf(ChangeEvent other) {
      acks.addAll(other.acks);
      return this;
    }

    /** The event. */
    public ChangeEvent build() {
      return new ChangeEvent(this);
    }
  }
}
