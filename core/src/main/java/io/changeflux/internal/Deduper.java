package io.changeflux.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;

/**
 * The state of one dedup subscription: the last event emitted per key and the message ids emitted,
 * each for {@code window}, in maps bounded by {@code maxKeys} (expired entries first, then any). Not thread-safe:
 * one subscription calls it serially.
 */
public final class Deduper {

  /** Payloads up to this size are kept as they are; larger ones as their SHA-256. */
  static final int INLINE_PAYLOAD = 64;

  private final long window;
  private final int maxKeys;
  private final CoarseClock.Reader clock;
  private final KeyTable<Seen> byKey;
  private final LinkedHashMap<String, Long> byId;

  /** Fresh state. */
  public Deduper(long windowNanos, int maxKeys, Scheduler clock) {
    this.window = windowNanos;
    this.maxKeys = maxKeys;
    this.clock = CoarseClock.reader(clock);
    // a hit updates its entry in place, without allocating or relinking; past the bound, a sweep
    // drops expired entries, then the oldest others (a forgotten key's next event simply passes)
    this.byKey = new KeyTable<>();
    this.byId =
        new LinkedHashMap<>() {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > Deduper.this.maxKeys || expired(eldest.getValue());
          }
        };
  }

  private long now;

  private boolean expired(long time) {
    return now - time >= window;
  }

  /** Distinct keys and ids remembered now (for tests of the bound). */
  public int size() {
    return byKey.size() + byId.size();
  }

  /** Whether to emit the event; true records it as emitted. OVERFLOW always passes. */
  public boolean keep(ChangeEvent e) {
    if (e.kind() == ChangeKind.OVERFLOW) {
      return true;
    }
    now = clock.now(); // coarse on Reactor's schedulers: CoarseClock
    Map<String, String> headers = e.headers();
    String id = headers.isEmpty() ? null : headers.get("id");
    if (id == null && !headers.isEmpty()) {
      id = headers.get("Nats-Msg-Id"); // a publisher's id on core NATS messages
    }
    String idKey = null;
    if (id != null) {
      idKey = e.key() + '\u0000' + id;
      Long t = byId.get(idKey);
      if (t != null && !expired(t)) {
        return false;
      }
    }
    String key = e.key();
    Seen seen = byKey.get(key);
    if (seen != null && !expired(seen.time) && seen.matches(e)) {
      return false;
    }
    if (idKey != null) {
      byId.remove(idKey);
      byId.put(idKey, now);
    }
    if (seen != null) {
      seen.set(e, now); // in place: no allocation for a key seen before
    } else {
      if (byKey.size() >= maxKeys) {
        sweep();
      }
      byKey.add(key, new Seen(e, now));
    }
    return true;
  }

  /**
   * Drops expired entries; if that is not enough, drops the entries of the keys first seen longest
   * ago until a quarter is free.
   */
  private void sweep() {
    byKey.removeIf(seen -> expired(seen.time));
    byKey.trimTo(maxKeys - Math.max(1, maxKeys / 4));
  }

  static final class Seen {
    ChangeKind kind;
    @Nullable String sha;
    int payloadSize;
    byte @Nullable [] payload; // inline, or the payload's SHA-256
    long time;

    Seen(ChangeEvent e, long time) {
      set(e, time);
    }

    void set(ChangeEvent e, long time) {
      this.kind = e.kind();
      this.sha = EventAccess.sha(e);
      this.payloadSize = e.payloadSize();
      this.payload = payloadSize == 0 ? null : fingerprint(e.payload());
      this.time = time;
    }

    boolean matches(ChangeEvent e) {
      if (kind != e.kind() || payloadSize != e.payloadSize()) {
        return false;
      }
      if (!Objects.equals(sha, EventAccess.sha(e))) {
        return false;
      }
      return payloadSize == 0 || Arrays.equals(payload, fingerprint(e.payload()));
    }

    static byte[] fingerprint(byte[] payload) {
      if (payload.length <= INLINE_PAYLOAD) {
        return payload;
      }
      try {
        return MessageDigest.getInstance("SHA-256").digest(payload);
      } catch (NoSuchAlgorithmException ex) {
        throw new IllegalStateException(ex); // every Java platform has SHA-256
      }
    }
  }
}
