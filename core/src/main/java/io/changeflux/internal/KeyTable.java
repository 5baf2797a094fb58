package io.changeflux.internal;

import java.util.Arrays;
import java.util.HashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A map from string keys to values, in insertion order, made for the per-key tables of the
 * operators (dedup's last events, the pending events of debounce and coalesce), which look up one
 * key per event. Not thread-safe.
 *
 * <p>Entries sit in two arrays in insertion order (keys, values); an open-addressing index (linear
 * probing, Fibonacci hashing of {@link String#hashCode()}) maps a key to its entry and holds the
 * key's hash next to the entry's position, so a lookup compares hashes without touching other
 * entries, and compares keys by identity before {@code equals}. Compared with a {@link
 * java.util.LinkedHashMap} there is no node per key and no chain of dependent reads (table →
 * node → value): a lookup costs one read of the index and one of the entry arrays. Before the
 * index, a lookup tries the entry after the one it found last, by identity: keys that arrive in
 * the order they were stored (a source reporting the same keys in the same order, round after
 * round) are found in sequence, without reading the index at all.
 *
 * <p>A removed entry leaves a gap in the entry arrays and a tombstone in the index; when the entry
 * arrays are full, the live entries are compacted (their order kept) and the index rebuilt, at
 * twice the size when more than half are live. The index has twice the slots of the entry arrays,
 * so it is at most half full, tombstones included; a rebuild follows at least half a table's
 * appends, so every operation is amortised constant time.
 *
 * <p>Keys with colliding hashes: a probe looks at most {@value #MAX_PROBES} slots; a key that
 * finds no free slot within them is indexed in a {@link HashMap} instead (which keeps long
 * collision chains as balanced trees), so many keys with one hash code cost a bounded probe plus
 * a tree lookup, never a scan of the table.
 *
 * @param <V> the values
 */
final class KeyTable<V> {

  /** Slots a lookup or insertion probes before it turns to the spill map. */
  static final int MAX_PROBES = 16;

  private static final int MIN_ENTRIES = 8;
  private static final long FREE = 0L;
  /** A removed entry's slot: no entry (low half 0), not free. */
  private static final long TOMBSTONE = 1L << 32;

  /** Entry keys, in insertion order; null where an entry was removed. */
  private @Nullable String[] keys;

  private @Nullable Object[] values;
  /** Entries used, live and removed: the next entry goes here. */
  private int end;
  /** No live entry lies before this one. */
  private int head;

  private int size;
  /**
   * Slot → {@code hash << 32 | (entry + 1)}; {@link #FREE} or {@link #TOMBSTONE} (a removed
   * entry's, which probes pass over) when there is no entry.
   */
  private long[] index;

  private int shift;
  /**
   * The entry after the one found last: keys that arrive in the order of their entries (a source
   * reporting a tree in the same order scan after scan, the same strings each time) are found
   * there, by identity, without reading the index.
   */
  private int guess;

  /** Keys not found in the index within {@link #MAX_PROBES} slots; null while there are none. */
  private @Nullable HashMap<String, Integer> spill;

  KeyTable() {
    alloc(MIN_ENTRIES);
  }

  private void alloc(int entries) {
    keys = new String[entries];
    values = new Object[entries];
    index = new long[entries * 2];
    shift = 32 - Integer.numberOfTrailingZeros(entries * 2);
  }

  private int home(int hash) {
    return (hash * 0x9E3779B9) >>> shift;
  }

  /** Entries held. */
  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** The entry of {@code key}, or -1. */
  private int find(String key) {
    int g = guess;
    if (g < end && keys[g] == key) {
      guess = g + 1;
      return g;
    }
    int e = lookup(key);
    if (e >= 0) {
      guess = e + 1;
    }
    return e;
  }

  /** The entry of {@code key} by the index, or -1. */
  private int lookup(String key) {
    int h = key.hashCode();
    long[] idx = index;
    int mask = idx.length - 1;
    int slot = home(h);
    for (int probes = 0; probes < MAX_PROBES; probes++) {
      long x = idx[slot];
      if (x == FREE) {
        break;
      }
      int e = (int) x - 1;
      if (e >= 0 && (int) (x >>> 32) == h) {
        String k = keys[e];
        if (k == key || key.equals(k)) {
          return e;
        }
      }
      slot = (slot + 1) & mask;
    }
    HashMap<String, Integer> s = spill;
    if (s != null) {
      Integer e = s.get(key);
      if (e != null) {
        return e;
      }
    }
    return -1;
  }

  /** The value of {@code key}, or null. */
  @SuppressWarnings("unchecked") // values holds only V
  @Nullable V get(String key) {
    int e = find(key);
    return e < 0 ? null : (V) values[e];
  }

  /** Adds {@code key}, which must not be present, as the newest entry. */
  void add(String key, V value) {
    if (end == keys.length) {
      rebuild(size + 1 > keys.length / 2 ? keys.length * 2 : keys.length);
    }
    int e = end++;
    keys[e] = key;
    values[e] = value;
    size++;
    indexEntry(key, e);
  }

  private void indexEntry(String key, int e) {
    int h = key.hashCode();
    long[] idx = index;
    int mask = idx.length - 1;
    int slot = home(h);
    for (int probes = 0; probes < MAX_PROBES; probes++) {
      long x = idx[slot];
      if ((int) x == 0) { // free, or a tombstone
        idx[slot] = ((long) h << 32) | (e + 1);
        return;
      }
      slot = (slot + 1) & mask;
    }
    HashMap<String, Integer> s = spill;
    if (s == null) {
      s = spill = new HashMap<>();
    }
    s.put(key, e);
  }

  /**
   * Removes {@code key}; returns its value, or null when absent. The entry found last (a {@link
   * #get} of the same key just before, as when merging cancels a key out) is tried first, by
   * identity, without reading the index.
   */
  @Nullable V remove(String key) {
    int last = guess - 1;
    int e = last >= 0 && last < end && keys[last] == key ? last : find(key);
    if (e < 0) {
      return null;
    }
    return removeEntry(e);
  }

  /** Removes and returns the oldest value, or null when empty. */
  @Nullable V pollFirst() {
    int e = firstEntry();
    return e < 0 ? null : removeEntry(e);
  }

  /** The oldest value, or null when empty. */
  @SuppressWarnings("unchecked") // values holds only V
  @Nullable V peekFirst() {
    int e = firstEntry();
    return e < 0 ? null : (V) values[e];
  }

  private int firstEntry() {
    if (size == 0) {
      return -1;
    }
    while (keys[head] == null) {
      head++;
    }
    return head;
  }

  @SuppressWarnings("unchecked") // values holds only V
  private V removeEntry(int e) {
    String key = keys[e];
    V v = (V) values[e];
    unindex(key, e);
    keys[e] = null;
    values[e] = null;
    size--;
    return v;
  }

  private void unindex(@Nullable String key, int e) {
    if (key == null) {
      return;
    }
    int h = key.hashCode();
    long[] idx = index;
    int mask = idx.length - 1;
    int slot = home(h);
    for (int probes = 0; probes < MAX_PROBES; probes++) {
      long x = idx[slot];
      if (x == FREE) {
        break;
      }
      if ((int) x == e + 1) {
        idx[slot] = TOMBSTONE;
        return;
      }
      slot = (slot + 1) & mask;
    }
    HashMap<String, Integer> s = spill;
    if (s != null) {
      s.remove(key);
    }
  }

  /** Every value, oldest first. */
  @SuppressWarnings("unchecked") // values holds only V
  void forEach(Consumer<? super V> action) {
    for (int e = head; e < end; e++) {
      if (keys[e] != null) {
        action.accept((V) values[e]);
      }
    }
  }

  /** Removes every entry whose value matches; the others keep their order. */
  @SuppressWarnings("unchecked") // values holds only V
  void removeIf(Predicate<? super V> drop) {
    boolean any = false;
    for (int e = head; e < end; e++) {
      if (keys[e] != null && drop.test((V) values[e])) {
        keys[e] = null;
        values[e] = null;
        size--;
        any = true;
      }
    }
    if (any) {
      rebuild(keys.length);
    }
  }

  /** Removes the oldest entries until at most {@code n} are left. */
  void trimTo(int n) {
    if (size <= n) {
      return;
    }
    for (int e = head; e < end && size > n; e++) {
      if (keys[e] != null) {
        keys[e] = null;
        values[e] = null;
        size--;
      }
    }
    rebuild(keys.length);
  }

  /** Removes every entry. */
  void clear() {
    Arrays.fill(keys, 0, end, null);
    Arrays.fill(values, 0, end, null);
    Arrays.fill(index, FREE);
    spill = null;
    end = 0;
    head = 0;
    size = 0;
    guess = 0;
  }

  /** Compacts the live entries, in order, into arrays of {@code entries} and re-indexes them. */
  private void rebuild(int entries) {
    @Nullable String[] oldKeys = keys;
    @Nullable Object[] oldValues = values;
    int oldEnd = end;
    if (entries != oldKeys.length) {
      alloc(entries);
    } else {
      Arrays.fill(index, FREE);
    }
    spill = null;
    int n = 0;
    for (int e = head; e < oldEnd; e++) {
      String k = oldKeys[e];
      if (k != null) {
        Object v = oldValues[e];
        if (oldKeys == keys) {
          oldKeys[e] = null;
          oldValues[e] = null;
        }
        keys[n] = k;
        values[n] = v;
        indexEntry(k, n);
        n++;
      }
    }
    end = n;
    head = 0;
    guess = 0;
  }
}
