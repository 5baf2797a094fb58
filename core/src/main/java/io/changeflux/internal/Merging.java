package io.changeflux.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;

/** The per-key merge rules of DESIGN.md, shared by every operator that merges. */
public final class Merging {

  private Merging() {}

  /**
   * Merges a later event into an earlier one for the same key, in arrival order. Returns null when
   * the pair cancels out (CREATED then DELETED). The result keeps the later event's time, payload,
   * sha, path and headers, sums {@code count}, and carries both events' acknowledgement handles.
   * Never call it with OVERFLOW events of different keys; OVERFLOW merges only with OVERFLOW.
   */
  public static ChangeEvent merge(ChangeEvent earlier, ChangeEvent later) {
    ChangeKind kind = kind(earlier.kind(), later.kind());
    if (kind == null) {
      return null;
    }
    long count = (long) earlier.count() + later.count();
    return later.toBuilder().kind(kind).count(saturate(count)).acksOf(earlier).build();
  }

  /**
   * The kind that a later kind merged into an earlier one gives, or null when they cancel out:
   * CREATED+MODIFIED → CREATED; CREATED+DELETED → nothing; MODIFIED+DELETED → DELETED;
   * DELETED+CREATED → MODIFIED; MODIFIED+MODIFIED → MODIFIED; anything with OVERFLOW → OVERFLOW.
   */
  public static ChangeKind kind(ChangeKind earlier, ChangeKind later) {
    if (earlier == ChangeKind.OVERFLOW || later == ChangeKind.OVERFLOW) {
      return ChangeKind.OVERFLOW;
    }
    if (earlier == ChangeKind.CREATED) {
      return later == ChangeKind.DELETED ? null : ChangeKind.CREATED;
    }
    if (earlier == ChangeKind.DELETED) {
      return later == ChangeKind.DELETED ? ChangeKind.DELETED : ChangeKind.MODIFIED;
    }
    return later == ChangeKind.DELETED ? ChangeKind.DELETED : ChangeKind.MODIFIED;
  }

  /** The map key under which an event is merged: OVERFLOW never shares a slot with a change. */
  public static String slot(ChangeEvent e) {
    return e.kind() == ChangeKind.OVERFLOW ? "\u0000overflow\u0000" + e.key() : e.key();
  }

  static int saturate(long count) {
    return (int) Math.min(Integer.MAX_VALUE, count);
  }
}
