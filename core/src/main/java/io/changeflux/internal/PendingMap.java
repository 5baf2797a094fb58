package io.changeflux.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Pending events merged per key (the table of {@link Merging}), in order of each key's first
 * arrival. Merging does not build a new event per arrival: each key keeps a small accumulator, and
 * the merged event is built once, when it leaves. Not thread-safe: callers guard it.
 */
public final class PendingMap {

  /** The key of the OVERFLOW event that replaces pending events at the bound. */
  public static final String OVERFLOW_KEY = "";

  private final LinkedHashMap<String, Acc> map = new LinkedHashMap<>();

  /** Adds an event, merging it into its key's pending event; a pair that cancels out is acknowledged and removed. */
  public void add(ChangeEvent e) {
    String slot = Merging.slot(e);
    Acc acc = map.get(slot);
    if (acc == null) {
      map.put(slot, new Acc(e));
    } else if (!acc.add(e)) {
      map.remove(slot);
      acc.ackAll();
    }
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
    long count = 0;
    ChangeEvent.Builder b = null;
    for (Acc a : map.values()) {
      count += a.count;
      if (b == null) {
        b = ChangeEvent.builder(ChangeKind.OVERFLOW, OVERFLOW_KEY).source(a.last.source());
      }
      a.acksInto(b);
    }
    map.clear();
    ChangeEvent overflow = b.count(Merging.saturate(count)).header("reason", "coalesce").build();
    map.put(Merging.slot(overflow), new Acc(overflow));
  }

  /** Removes and returns the oldest pending event, or null. */
  public ChangeEvent poll() {
    Iterator<Acc> it = map.values().iterator();
    if (!it.hasNext()) {
      return null;
    }
    Acc a = it.next();
    it.remove();
    return a.build();
  }

  /** Removes and returns every pending event, oldest first, as an unmodifiable list. */
  public List<ChangeEvent> drainAll() {
    List<ChangeEvent> out = new ArrayList<>(map.size());
    for (Acc a : map.values()) {
      out.add(a.build());
    }
    map.clear();
    return Collections.unmodifiableList(out);
  }

  /** Forgets everything pending, without acknowledging it (it was not handled). */
  public void clear() {
    map.clear();
  }

  /** One key's merged state. */
  static final class Acc {
    ChangeKind kind;
    ChangeEvent last;
    long count;
    /** Earlier events that carry acknowledgement handles (the last one carries its own). */
    List<ChangeEvent> ackers;

    Acc(ChangeEvent e) {
      kind = e.kind();
      last = e;
      count = e.count();
    }

    /** Merges a later event; false when the key's changes cancel out. */
    boolean add(ChangeEvent e) {
      ChangeKind k = Merging.kind(kind, e.kind());
      if (last.acknowledgeable()) {
        if (ackers == null) {
          ackers = new ArrayList<>(2);
        }
        ackers.add(last);
      }
      last = e;
      count += e.count();
      if (k == null) {
        return false;
      }
      kind = k;
      return true;
    }

    void acksInto(ChangeEvent.Builder b) {
      if (ackers != null) {
        for (ChangeEvent x : ackers) {
          b.acksOf(x);
        }
      }
      b.acksOf(last);
    }

    void ackAll() {
      if (ackers != null) {
        Acks.ackAll(ackers);
      }
      Acks.ack(last);
    }

    ChangeEvent build() {
      if (kind == last.kind() && count == last.count() && ackers == null) {
        return last;
      }
      ChangeEvent.Builder b = last.toBuilder().kind(kind).count(Merging.saturate(count));
      if (ackers != null) {
        for (ChangeEvent x : ackers) {
          b.acksOf(x);
        }
      }
      return b.build();
    }
  }
}
