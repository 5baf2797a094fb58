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
    ChangeKind a = earlier.kind();
    ChangeKind b = later.kind();
    ChangeKind kind;
    if (a == ChangeKind.OVERFLOW || b == ChangeKind.OVERFLOW) {
      kind = ChangeKind.OVERFLOW;
    } else if (a == ChangeKind.CREATED) {
      if (b == ChangeKind.DELETED) {
        return null;
      }
      kind = ChangeKind.CREATED;
    } else if (a == ChangeKind.DELETED) {
      kind = b == ChangeKind.DELETED ? ChangeKind.DELETED : ChangeKind.MODIFIED;
    } else {
      kind = b == ChangeKind.DELETED ? ChangeKind.DELETED : ChangeKind.MODIFIED;
    }
    long count = (long) earlier.count() + later.count();
    return later.toBuilder()
        .kind(kind)
        .count((int) Math.min(Integer.MAX_VALUE, count))
        .acksOf(earlier)
        .build();
  }

  /** The map key under which an event is merged: OVERFLOW never shares a slot with a change. */
  public static String slot(ChangeEvent e) {
    return e.kind() == ChangeKind.OVERFLOW ? "\u0000overflow\u0000" + e.key() : e.key();
  }
}
