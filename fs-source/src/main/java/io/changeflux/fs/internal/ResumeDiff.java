package io.changeflux.fs.internal;

import io.changeflux.ChangeKind;
import io.changeflux.state.StateEntry;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import org.jspecify.annotations.Nullable;

/**
 * What differs between the entries a state file recorded and the tree now: one merge walk over
 * both, sorted by key. A key only recorded is deleted; a key only there now is created; a key on
 * both sides is modified when its size, time or file key differ, or when it was handed out last
 * time and never acknowledged ({@code pending}: reported again).
 *
 * <p>The walk takes one {@link #step} call per key: on the start of a fresh JVM the method is
 * compiled after a few hundred calls, where the body of one long loop would run interpreted for
 * most of a first pass over a big tree.
 */
final class ResumeDiff {

  /** The keys only recorded, with what was recorded: DELETED. */
  final List<Map.Entry<String, StateEntry>> deleted = new ArrayList<>();
  /** The keys created or modified; {@link #kinds} says which. */
  final List<String> changed = new ArrayList<>();
  /** CREATED or MODIFIED, for each of {@link #changed}. */
  final List<ChangeKind> kinds = new ArrayList<>();

  private final Iterator<Map.Entry<String, StateEntry>> b;
  private final FileTable.SortedCursor now;
  private final Set<String> pending;
  private final boolean anyPending;
  private Map.@Nullable Entry<String, StateEntry> was;
  private @Nullable String is;

  private ResumeDiff(SortedMap<String, StateEntry> before, FileTable now, Set<String> pending) {
    this.b = before.entrySet().iterator();
    this.now = now.sorted();
    this.pending = pending;
    this.anyPending = !pending.isEmpty();
    this.was = b.hasNext() ? b.next() : null;
    this.is = nextNow();
  }

  /** The next key of the tree now, or null at the end. */
  private @Nullable String nextNow() {
    return now.next();
  }

  /**
   * The differences between {@code before} and {@code now}.
   *
   * @param before the recorded entries, in natural key order
   * @param now the tree now
   * @param pending the keys handed out last time and never acknowledged
   */
  static ResumeDiff of(SortedMap<String, StateEntry> before, FileTable now, Set<String> pending) {
    ResumeDiff d = new ResumeDiff(before, now, pending);
    while (d.step()) {
      // one key per call
    }
    return d;
  }

  /** Advances past one key (or one pair of equal keys); false once both sides are done. */
  private boolean step() {
    Map.Entry<String, StateEntry> w = was;
    String i = is;
    if (w == null && i == null) {
      return false;
    }
    int c = w == null ? 1 : i == null ? -1 : w.getKey().compareTo(i);
    if (c < 0 && w != null) {
      deleted.add(w);
      was = b.hasNext() ? b.next() : null;
    } else if (c > 0 && i != null) {
      changed.add(i);
      kinds.add(ChangeKind.CREATED);
      is = nextNow();
    } else if (w != null && i != null) { // c == 0: both are there
      StateEntry e = w.getValue();
      if (!now.sameStat(e.size(), e.mtimeNanos(), e.id()) || (anyPending && pending.contains(i))) {
        changed.add(i);
        kinds.add(ChangeKind.MODIFIED);
      }
      was = b.hasNext() ? b.next() : null;
      is = nextNow();
    }
    return true;
  }

}
