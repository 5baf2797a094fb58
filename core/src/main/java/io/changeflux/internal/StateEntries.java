package io.changeflux.internal;

import io.changeflux.state.StateEntry;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A state file's entries held the way the file lays them out: keys in ascending {@link
 * String#compareTo} order, beside columns of sizes, modification times, ids and SHAs. Immutable, a
 * {@link SortedMap} view (natural order, {@link #comparator()} null).
 *
 * <p>Built in one linear pass from sorted input ({@link Builder}), with no per-key comparison but
 * the one that checks the order, and no object per entry but the key (and its id): a {@link
 * TreeMap} of the same entries costs ~17 key comparisons and three objects per entry. {@link #get}
 * is a binary search; iterating makes a {@link StateEntry} per entry, short-lived. {@link
 * #merge} applies a checkpoint's changes in one linear pass, which is what the next checkpoint
 * writes; {@link TreeMap#TreeMap(SortedMap)} copies one in linear time.
 */
public final class StateEntries extends AbstractMap<String, StateEntry> implements SortedMap<String, StateEntry> {

  /**
   * In a map of changes given to {@link #merge}: the key was removed. Compared by identity.
   */
  public static final StateEntry GONE = new StateEntry(-1, -1, "(gone)", null);

  private static final String[] NO_KEYS = new String[0];
  private static final long[] NO_LONGS = new long[0];

  /** No entries. */
  public static final StateEntries EMPTY = new StateEntries(NO_KEYS, NO_LONGS, NO_LONGS, NO_KEYS, null, 0, 0);

  private final String[] keys;
  private final long[] sizes;
  private final long[] mtimes;
  private final @Nullable String[] ids;
  /** Null when no entry has a SHA (the common case: hashing off). */
  private final @Nullable String @Nullable [] shas;
  private final int from;
  private final int to;
  private @Nullable Set<Map.Entry<String, StateEntry>> entrySet;

  private StateEntries(
      String[] keys, long[] sizes, long[] mtimes, @Nullable String[] ids, @Nullable String @Nullable [] shas, int from, int to) {
    this.keys = keys;
    this.sizes = sizes;
    this.mtimes = mtimes;
    this.ids = ids;
    this.shas = shas;
    this.from = from;
    this.to = to;
  }

  /**
   * The entries of {@code m}, in key order.
   *
   * @param m any map; a {@link StateEntries} is returned as it is
   * @return the entries
   */
  public static StateEntries copyOf(Map<String, StateEntry> m) {
    if (m instanceof StateEntries s) {
      return s;
    }
    SortedMap<String, StateEntry> sorted =
        m instanceof SortedMap<String, StateEntry> sm && sm.comparator() == null ? sm : new TreeMap<>(m);
    Builder b = new Builder(sorted.size());
    for (Map.Entry<String, StateEntry> e : sorted.entrySet()) {
      StateEntry v = e.getValue();
      b.add(e.getKey(), v.size(), v.mtimeNanos(), v.id(), v.sha());
    }
    return b.build();
  }

  /** Collects entries given in ascending key order. */
  public static final class Builder {
    private String[] keys;
    private long[] sizes;
    private long[] mtimes;
    private @Nullable String[] ids;
    private @Nullable String @Nullable [] shas;
    private int n;
    private boolean sorted = true;

    /**
     * A builder for about {@code capacity} entries (it grows when given more).
     *
     * @param capacity the expected number of entries
     */
    public Builder(int capacity) {
      int c = Math.max(0, capacity);
      keys = new String[c];
      sizes = new long[c];
      mtimes = new long[c];
      ids = new String[c];
    }

    /**
     * Adds one entry; keys should come in ascending order (if not, {@link #build} sorts them, a
     * later entry of the same key winning).
     *
     * @param key the key
     * @param size the size
     * @param mtime the modification time in nanoseconds
     * @param id the id, or null
     * @param sha the SHA, or null
     */
    public void add(String key, long size, long mtime, @Nullable String id, @Nullable String sha) {
      if (n == keys.length) {
        int c = Math.max(16, n * 2);
        keys = Arrays.copyOf(keys, c);
        sizes = Arrays.copyOf(sizes, c);
        mtimes = Arrays.copyOf(mtimes, c);
        ids = Arrays.copyOf(ids, c);
        if (shas != null) {
          shas = Arrays.copyOf(shas, c);
        }
      }
      if (sorted && n > 0 && keys[n - 1].compareTo(key) >= 0) {
        sorted = false;
      }
      keys[n] = key;
      sizes[n] = size;
      mtimes[n] = mtime;
      ids[n] = id;
      if (sha != null && shas == null) {
        shas = new String[keys.length];
      }
      if (shas != null) {
        shas[n] = sha;
      }
      n++;
    }

    /**
     * The entries added.
     *
     * @return the entries; the builder must not be used again
     */
    public StateEntries build() {
      if (!sorted) {
        TreeMap<String, StateEntry> m = new TreeMap<>();
        for (int i = 0; i < n; i++) {
          m.put(keys[i], new StateEntry(sizes[i], mtimes[i], ids[i], shas == null ? null : shas[i]));
        }
        return copyOf(m);
      }
      return n == 0 ? EMPTY : new StateEntries(keys, sizes, mtimes, ids, shas, 0, n);
    }
  }

  /**
   * These entries with {@code changes} applied: a value replaces or adds its key's entry, {@link
   * #GONE} removes it. One linear pass; this map is left as it is.
   *
   * @param changes the changes, in natural key order
   * @return the merged entries ({@code this} when there are no changes)
   */
  public StateEntries merge(SortedMap<String, StateEntry> changes) {
    if (changes.isEmpty()) {
      return this;
    }
    Builder b = new Builder(size() + changes.size());
    int i = from;
    for (Map.Entry<String, StateEntry> c : changes.entrySet()) {
      String k = c.getKey();
      int at = find(k, i, to);
      int stop = at >= 0 ? at : -at - 1;
      for (; i < stop; i++) {
        b.add(keys[i], sizes[i], mtimes[i], ids[i], shas == null ? null : shas[i]);
      }
      if (at >= 0) {
        i++; // replaced or removed
      }
      StateEntry v = c.getValue();
      if (v != GONE) {
        b.add(k, v.size(), v.mtimeNanos(), v.id(), v.sha());
      }
    }
    for (; i < to; i++) {
      b.add(keys[i], sizes[i], mtimes[i], ids[i], shas == null ? null : shas[i]);
    }
    return b.build();
  }

  /** The index of {@code key} in [lo, hi), or {@code -(insertion point) - 1}. */
  private int find(String key, int lo, int hi) {
    return Arrays.binarySearch(keys, lo, hi, key);
  }

  private int indexOf(@Nullable Object key) {
    return key instanceof String s ? find(s, from, to) : -1;
  }

  /**
   * The key at {@code i} (0 ≤ i < {@link #size()}), in key order.
   *
   * @param i the index
   * @return the key
   */
  public String keyAt(int i) {
    return keys[from + i];
  }

  /**
   * The entry at {@code i}, made anew.
   *
   * @param i the index
   * @return the entry
   */
  public StateEntry valueAt(int i) {
    int j = from + i;
    return new StateEntry(sizes[j], mtimes[j], ids[j], shas == null ? null : shas[j]);
  }

  /**
   * The size at {@code i}.
   *
   * @param i the index
   * @return the size
   */
  public long sizeAt(int i) {
    return sizes[from + i];
  }

  /**
   * The modification time at {@code i}.
   *
   * @param i the index
   * @return nanoseconds since the epoch
   */
  public long mtimeAt(int i) {
    return mtimes[from + i];
  }

  /**
   * The id at {@code i}.
   *
   * @param i the index
   * @return the id, or null
   */
  public @Nullable String idAt(int i) {
    return ids[from + i];
  }

  /**
   * The SHA at {@code i}.
   *
   * @param i the index
   * @return the SHA, or null
   */
  public @Nullable String shaAt(int i) {
    return shas == null ? null : shas[from + i];
  }

  @Override
  public int size() {
    return to - from;
  }

  @Override
  public boolean isEmpty() {
    return to == from;
  }

  @Override
  public boolean containsKey(@Nullable Object key) {
    return indexOf(key) >= 0;
  }

  @Override
  public @Nullable StateEntry get(@Nullable Object key) {
    int i = indexOf(key);
    return i < 0 ? null : valueAt(i - from);
  }

  @Override
  public Set<Map.Entry<String, StateEntry>> entrySet() {
    Set<Map.Entry<String, StateEntry>> s = entrySet;
    if (s == null) {
      s =
          new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<String, StateEntry>> iterator() {
              return new Iterator<>() {
                int i = 0;

                @Override
                public boolean hasNext() {
                  return i < size();
                }

                @Override
                public Map.Entry<String, StateEntry> next() {
                  if (i >= size()) {
                    throw new NoSuchElementException();
                  }
                  Map.Entry<String, StateEntry> e = new SimpleImmutableEntry<>(keyAt(i), valueAt(i));
                  i++;
                  return e;
                }
              };
            }

            @Override
            public int size() {
              return StateEntries.this.size();
            }
          };
      entrySet = s;
    }
    return s;
  }

  @Override
  public @Nullable Comparator<? super String> comparator() {
    return null;
  }

  @Override
  public SortedMap<String, StateEntry> subMap(String fromKey, String toKey) {
    if (fromKey.compareTo(toKey) > 0) {
      throw new IllegalArgumentException("fromKey > toKey");
    }
    return range(lowerBound(fromKey), lowerBound(toKey));
  }

  @Override
  public SortedMap<String, StateEntry> headMap(String toKey) {
    return range(from, lowerBound(toKey));
  }

  @Override
  public SortedMap<String, StateEntry> tailMap(String fromKey) {
    return range(lowerBound(fromKey), to);
  }

  /** The first index in range whose key is ≥ {@code key}. */
  private int lowerBound(String key) {
    int i = find(key, from, to);
    return i >= 0 ? i : -i - 1;
  }

  private StateEntries range(int lo, int hi) {
    return lo == from && hi == to ? this : new StateEntries(keys, sizes, mtimes, ids, shas, lo, Math.max(lo, hi));
  }

  @Override
  public String firstKey() {
    if (isEmpty()) {
      throw new NoSuchElementException();
    }
    return keys[from];
  }

  @Override
  public String lastKey() {
    if (isEmpty()) {
      throw new NoSuchElementException();
    }
    return keys[to - 1];
  }
}
