package io.changeflux.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Pending events merged per key (the table of {@link Merging}), in order of each key's first
 * arrival. Merging does not build a new event per arrival: each key keeps a small accumulator, and
 * the merged event is built once, when it leaves. Not thread-safe: callers guard it.
 *
 * <p>Acknowledgement handles of merged-away events are kept as bare handles (never the events and
 * their payloads) and counted: {@link #atAckBudget()} tells an operator reading from an
 * at-least-once source to stop requesting until what it holds has been delivered, so the handles
 * held stay within {@code keyAckBudget} per key (plus what was already requested) and {@code
 * ackBudget} in all, whatever the message count.
 */
public final class PendingMap {

  /** The key of the OVERFLOW event that replaces pending events at the bound. */
  public static final String OVERFLOW_KEY = "";

  /** Accumulators by slot, in order of first arrival. */
  private final KeyTable<Acc> map = new KeyTable<>();
  private final int keyAckBudget;
  private final int ackBudget;
  /** Handles held by every accumulator. */
  private long heldAcks;
  /** Accumulators holding at least {@link #keyAckBudget} handles. */
  private int keysAtBudget;

  /** A map without acknowledgement budget (for sources that need no acknowledgement). */
  public PendingMap() {
    this(Integer.MAX_VALUE, Integer.MAX_VALUE);
  }

  /**
   * A map whose {@link #atAckBudget()} turns true once one key holds {@code keyAckBudget} handles
   * or all keys together hold {@code ackBudget}.
   */
  public PendingMap(int keyAckBudget, int ackBudget) {
    if (keyAckBudget < 1 || ackBudget < 1) {
      throw new IllegalArgumentException("acknowledgement budgets must be at least 1");
    }
    this.keyAckBudget = keyAckBudget;
    this.ackBudget = ackBudget;
  }

  /**
   * Whether CREATED then DELETED stays a DELETED instead of cancelling out: always for
   * at-least-once sources, and from the first OVERFLOW on for every source (a consumer re-reads the
   * state on an OVERFLOW at a moment of its own, which may fall between the two).
   */
  private boolean keepDeletions;

  /**
   * Makes CREATED then DELETED of a key merge into a DELETED (carrying both handles) instead of
   * cancelling out: for at-least-once sources, whose CREATED may be a re-delivery of one the
   * consumer already has (a resume reports again what was never acknowledged), so dropping the
   * pair would leave the consumer with a file that is gone.
   */
  public PendingMap keepDeletions() {
    keepDeletions = true;
    return this;
  }

  /** Adds an event, merging it into its key's pending event; a pair that cancels out is acknowledged and removed. */
  public void add(ChangeEvent e) {
    String slot = Merging.slot(e);
    Acc acc = map.get(slot);
    int handles = e.ackHandles();
    if (acc == null) {
      if (e.kind() == ChangeKind.OVERFLOW) {
        keepDeletions = true; // see collapseToOverflow
      }
      acc = newAcc(e);
      map.add(slot, acc);
      if (map.size() > peakKeys) {
        peakKeys = map.size();
      }
      held(acc, 0, handles);
    } else {
      int before = acc.handles;
      if (!acc.add(e)) {
        map.remove(slot);
        held(acc, before, -before);
        acc.ackAll();
        recycle(acc);
      } else {
        held(acc, before, handles);
      }
    }
  }

  /**
   * Accumulators of keys that left (cancelled out, delivered, collapsed), reset for the next new
   * keys instead of allocating one per key: a key that comes and goes batch after batch (a file
   * created and deleted, a key delivered and changed again) costs no allocation. At most as many
   * as the most keys that were pending at once (or 16).
   */
  private @Nullable Acc[] spare = new Acc[0];

  private int spares;

  /** The most keys pending at once so far: the bound of {@link #spare}. */
  private int peakKeys;

  private void recycle(Acc acc) {
    if (spares == spare.length) {
      int room = Math.max(16, peakKeys);
      if (spares >= room) {
        return;
      }
      spare = java.util.Arrays.copyOf(spare, Math.min(room, Math.max(16, spares * 2)));
    }
    acc.forget();
    spare[spares++] = acc;
  }

  private Acc newAcc(ChangeEvent e) {
    if (spares == 0) {
      return new Acc(e, keepDeletions);
    }
    Acc a = java.util.Objects.requireNonNull(spare[--spares]);
    spare[spares] = null;
    return a.reset(e, keepDeletions);
  }

  private void held(Acc acc, int before, int delta) {
    if (delta == 0) {
      return;
    }
    heldAcks += delta;
    int after = before + delta;
    if (before < keyAckBudget && after >= keyAckBudget) {
      keysAtBudget++;
    } else if (before >= keyAckBudget && after < keyAckBudget) {
      keysAtBudget--;
    }
  }

  private void removed(Acc acc) {
    held(acc, acc.handles, -acc.handles);
  }

  /**
   * Whether the handles held reached a budget: one key holds {@code keyAckBudget}, or all hold
   * {@code ackBudget}. An operator then requests nothing more until events left.
   */
  public boolean atAckBudget() {
    return keysAtBudget > 0 || heldAcks >= ackBudget;
  }

  /** Acknowledgement handles held in all. */
  public long heldAcks() {
    return heldAcks;
  }

  /** Distinct keys pending. */
  public int size() {
    return map.size();
  }

  /** Whether nothing is pending. */
  public boolean isEmpty() {
    return map.isEmpty();
  }

  /**
   * Replaces everything pending by one OVERFLOW event (key {@link #OVERFLOW_KEY}, header {@code
   * reason=coalesce}, {@code count} = the raw notifications it replaced), which carries the
   * acknowledgement handles of everything it replaced.
   */
  public void collapseToOverflow() {
    if (map.isEmpty()) {
      return;
    }
    Acc first = java.util.Objects.requireNonNull(map.peekFirst());
    ChangeEvent.Builder b = ChangeEvent.builder(ChangeKind.OVERFLOW, OVERFLOW_KEY).source(first.last.source());
    long[] count = {0};
    map.forEach(
        a -> {
          count[0] += a.count;
          a.acksInto(b);
          recycle(a);
        });
    map.clear();
    heldAcks = 0;
    keysAtBudget = 0;
    // From now on CREATED then DELETED of a key merge into a DELETED: a consumer that re-reads the
    // state on this OVERFLOW may do so (downstream, later) between the two and see the file.
    keepDeletions = true;
    ChangeEvent overflow = b.count(Merging.saturate(count[0])).header("reason", "coalesce").build();
    Acc acc = new Acc(overflow);
    map.add(Merging.slot(overflow), acc);
    held(acc, 0, acc.handles);
  }

  /** Removes and returns the oldest pending event, or null. */
  public @Nullable ChangeEvent poll() {
    Acc a = map.pollFirst();
    if (a == null) {
      return null;
    }
    removed(a);
    ChangeEvent e = a.build();
    recycle(a);
    return e;
  }

  /** Removes and returns every pending event, oldest first, as an unmodifiable list. */
  public List<ChangeEvent> drainAll() {
    List<ChangeEvent> out = new ArrayList<>(map.size());
    map.forEach(
        a -> {
          out.add(a.build());
          recycle(a);
        });
    map.clear();
    heldAcks = 0;
    keysAtBudget = 0;
    return Collections.unmodifiableList(out);
  }

  /** Forgets everything pending, without acknowledging it (it was not handled). */
  public void clear() {
    map.clear();
    heldAcks = 0;
    keysAtBudget = 0;
  }

  /** One key's merged state. */
  static final class Acc {
    /** What a spare accumulator's last event is: none of the events it held. */
    static final ChangeEvent NONE = ChangeEvent.of(ChangeKind.MODIFIED, OVERFLOW_KEY);

    ChangeKind kind;
    ChangeEvent last;
    /** {@code last.acknowledgeable()}. */
    boolean lastAcknowledgeable;
    /** Whether {@code last} has headers. */
    boolean lastHasHeaders;
    /** Whether this key's events so far (last and earlier) include one with {@link Merging#REDELIVERED}. */
    boolean redelivered;
    long count;
    /** Handles of this key in all (earlier events' and the last one's). */
    int handles;
    /**
     * The handles of earlier events (the last one carries its own), gathered in a builder that is
     * never built into an event of its own: the earlier events and their payloads are not kept.
     */
    ChangeEvent.@Nullable Builder earlier;
    int earlierHandles;
    /** Headers of earlier events (null when none had any): a rename's movedFrom outlives a write. */
    java.util.@Nullable Map<String, String> headers;

    /**
     * CREATED then DELETED gives DELETED, not nothing: the key came in after an OVERFLOW (or the
     * source is at-least-once). A key pending from before the OVERFLOW leaves before it, so the
     * consumer's rescan comes after both halves, and the pair may cancel out.
     */
    boolean keepDeletions;

    Acc(ChangeEvent e) {
      this(e, false);
    }

    Acc(ChangeEvent e, boolean keepDeletions) {
      last = e;
      reset(e, keepDeletions);
    }

    /** This accumulator as new, for {@code e}. */
    Acc reset(ChangeEvent e, boolean keepDeletions) {
      this.keepDeletions = keepDeletions;
      kind = e.kind();
      redelivered = false;
      setLast(e);
      count = e.count();
      handles = e.ackHandles();
      earlier = null;
      earlierHandles = 0;
      headers = null;
      return this;
    }

    /** Drops the references to events, for a spare accumulator. */
    void forget() {
      last = NONE;
      earlier = null;
      headers = null;
    }

    /** Merges a later event; false when the key's changes cancel out. */
    boolean add(ChangeEvent e) {
      // what add needs of the events merged so far is kept here, so that the last event (long
      // out of cache by now) is not read again
      ChangeKind k = Merging.kind(kind, e.kind(), redelivered);
      if (lastAcknowledgeable) {
        if (earlier == null) {
          earlier = ChangeEvent.builder(ChangeKind.MODIFIED, OVERFLOW_KEY);
        }
        earlier.acksOf(last);
        earlierHandles += last.ackHandles();
      }
      if (lastHasHeaders) {
        if (headers == null) {
          headers = new java.util.LinkedHashMap<>();
        }
        headers.putAll(last.headers());
      }
      setLast(e);
      count += e.count();
      handles += e.ackHandles();
      if (k == null) {
        if (!keepDeletions) {
          return false;
        }
        k = ChangeKind.DELETED;
      }
      kind = k;
      return true;
    }

    private void setLast(ChangeEvent e) {
      last = e;
      lastAcknowledgeable = e.acknowledgeable();
      java.util.Map<String, String> h = e.headers();
      lastHasHeaders = !h.isEmpty();
      if (lastHasHeaders && h.containsKey(Merging.REDELIVERED)) {
        redelivered = true;
      }
    }

    void acksInto(ChangeEvent.Builder b) {
      if (earlier != null) {
        b.acksOf(earlier.build());
      }
      b.acksOf(last);
    }

    void ackAll() {
      if (earlier != null) {
        Acks.ack(earlier.build());
      }
      Acks.ack(last);
    }

    ChangeEvent build() {
      if (kind == last.kind() && count == last.count() && earlier == null) {
        return last;
      }
      ChangeEvent.Builder b = last.toBuilder().kind(kind).count(Merging.saturate(count));
      if (earlier != null) {
        b.acksOf(earlier.build());
      }
      if (headers != null) {
        java.util.Map<String, String> merged = new java.util.LinkedHashMap<>(headers);
        merged.putAll(last.headers());
        b.headers(merged);
      }
      return b.build();
    }
  }
}
