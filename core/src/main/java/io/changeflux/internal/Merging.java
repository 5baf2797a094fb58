package io.changeflux.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import org.jspecify.annotations.Nullable;

/** The per-key merge rules of DESIGN.md, shared by every operator that merges. */
public final class Merging {

  private Merging() {}

  /**
   * Header ({@code "true"}) of an event that may have been delivered before (a source resuming
   * from {@code state=} re-reports a key handed out and never acknowledged): a CREATED marked so,
   * merged with a later DELETED, gives DELETED instead of cancelling out. Not part of the
   * idempotency key.
   */
  public static final String REDELIVERED = "redelivered";

  /**
   * Merges a later event into an earlier one for the same key, in arrival order. Returns null when
   * the pair cancels out (CREATED then DELETED, unless the CREATED carries {@link #REDELIVERED}:
   * then DELETED). The result keeps the later event's time, payload,
   * sha and path, the headers of both (the later's where both have one: a rename's {@code
   * movedFrom} survives the write that follows it), sums {@code count}, and carries both events'
   * acknowledgement handles.
   * Never call it with OVERFLOW events of different keys; OVERFLOW merges only with OVERFLOW.
   */
  public static @Nullable ChangeEvent merge(ChangeEvent earlier, ChangeEvent later) {
    ChangeKind kind = kind(earlier.kind(), later.kind(), earlier.headers().containsKey(REDELIVERED));
    if (kind == null) {
      return null;
    }
    long count = (long) earlier.count() + later.count();
    ChangeEvent.Builder b = later.toBuilder().kind(kind).count(saturate(count)).acksOf(earlier);
    if (!earlier.headers().isEmpty()) {
      java.util.Map<String, String> headers = new java.util.LinkedHashMap<>(earlier.headers());
      headers.putAll(later.headers());
      b.headers(headers);
    }
    return b.build();
  }

  /**
   * The kind that a later kind merged into an earlier one gives, or null when they cancel out:
   * CREATED+MODIFIED → CREATED; CREATED+DELETED → nothing; MODIFIED+DELETED → DELETED;
   * DELETED+CREATED → MODIFIED; MODIFIED+MODIFIED → MODIFIED; anything with OVERFLOW → OVERFLOW.
   */
  public static @Nullable ChangeKind kind(ChangeKind earlier, ChangeKind later) {
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

  /**
   * {@link #kind(ChangeKind, ChangeKind)}, where {@code redelivered} says the earlier event (or one
   * merged into it) carries {@link #REDELIVERED}: then CREATED+DELETED gives DELETED, because a
   * re-delivered CREATED may already be on the far side (at least once), and cancelling it would
   * leave the far side a file that is gone. Every merging operator uses this one rule.
   */
  public static @Nullable ChangeKind kind(ChangeKind earlier, ChangeKind later, boolean redelivered) {
    ChangeKind k = kind(earlier, later);
    return k == null && redelivered ? ChangeKind.DELETED : k;
  }

  /** The map key under which an event is merged: OVERFLOW never shares a slot with a change. */
  public static String slot(ChangeEvent e) {
    return e.kind() == ChangeKind.OVERFLOW ? "\u0000overflow\u0000" + e.key() : e.key();
  }

  static int saturate(long count) {
    return (int) Math.min(Integer.MAX_VALUE, count);
  }
}
