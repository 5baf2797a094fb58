package io.changeflux.fs.internal;

import io.changeflux.files.FileState;
import io.changeflux.files.internal.PackedKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The entries of a tree (key → size, modification time, file key), packed per directory instead
 * of a {@code String} key, a {@link FileState}, a {@code Path} and a file key object per entry:
 * each directory holds its entries' names in one {@code char[]} (each name ended by {@code /},
 * which no name contains), their sizes, times and inode numbers in {@code long[]}s, the device once
 * (an array only when its entries differ), and, above a few entries, an open-addressing table of
 * name → index. About 40 bytes an entry instead of about 330.
 *
 * <p>{@link FileState}s are made on demand ({@link #get}): the path is the root resolved against
 * the key (what the walk named it), the file key a {@link PackedKey} whose text is the platform
 * key's ({@code (dev=803,ino=1234)}, which {@link FileState#sameStat} and the state file compare
 * by), or the platform's own key object where it does not have that form. A content hash is not
 * kept (the tree's entries never carry one).
 *
 * <p>Not thread-safe: one thread at a time.
 */
final class FileTable {

  private final Path root;
  /** Directory key ({@code ""} for the root, {@code a/b}) → its entries. */
  private final TreeMap<String, Dir> dirs = new TreeMap<>();
  private int size;
  /** The directory {@link #add} last added to (a walk adds a directory's entries one after another). */
  private @Nullable Dir lastDir;

  private String lastDirKey = "";

  FileTable(Path root) {
    this.root = root;
  }

  /** A table of {@code files}' entries. */
  static FileTable of(Path root, Map<String, FileState> files) {
    FileTable t = new FileTable(root);
    files.forEach(t::put);
    t.trim();
    return t;
  }

  /** The root the keys are relative to. */
  Path root() {
    return root;
  }

  /** How many entries. */
  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** Records an entry as a walk reads it (replacing any entry of the key). */
  void add(String key, BasicFileAttributes attrs) {
    int s = key.lastIndexOf('/');
    Dir d = walkDir(key, s);
    int before = d.n;
    d.set(key, s + 1, attrs.size(), attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS), attrs.fileKey());
    size += d.n - before;
  }

  /**
   * Records an entry as a walk reads it (replacing any entry of the key), its file key given as
   * device and inode number (a {@link PackedKey}: what the JDK's key of that file would be).
   */
  void add(String key, long size, long mtimeNanos, long dev, long ino) {
    int s = key.lastIndexOf('/');
    Dir d = walkDir(key, s);
    int before = d.n;
    d.setPacked(key, s + 1, size, mtimeNanos, dev, ino);
    this.size += d.n - before;
  }

  /** The directory of {@code key} (its last '/' at {@code s}), made when new; the last one is reused. */
  private Dir walkDir(String key, int s) {
    Dir d = lastDir;
    String last = lastDirKey;
    if (d == null || last.length() != Math.max(s, 0) || !key.startsWith(last)) {
      last = s < 0 ? "" : key.substring(0, s);
      d = dirs.computeIfAbsent(last, k -> new Dir());
      lastDir = d;
      lastDirKey = last;
    }
    return d;
  }

  /** Records an entry; returns its previous state, or null when it is new. */
  @Nullable FileState put(String key, FileState f) {
    int s = key.lastIndexOf('/');
    String dk = s < 0 ? "" : key.substring(0, s);
    Dir d = dirs.get(dk);
    if (d == null) {
      d = new Dir();
      dirs.put(dk, d);
    }
    int i = d.find(key, s + 1);
    FileState prev = i < 0 ? null : d.state(root, key, i);
    d.set(key, s + 1, f.size(), f.mtimeNanos(), f.fileKey());
    if (i < 0) {
      size++;
    }
    return prev;
  }

  @Nullable FileState get(String key) {
    int s = key.lastIndexOf('/');
    Dir d = dirs.get(s < 0 ? "" : key.substring(0, s));
    if (d == null) {
      return null;
    }
    int i = d.find(key, s + 1);
    return i < 0 ? null : d.state(root, key, i);
  }

  boolean containsKey(String key) {
    int s = key.lastIndexOf('/');
    Dir d = dirs.get(s < 0 ? "" : key.substring(0, s));
    return d != null && d.find(key, s + 1) >= 0;
  }

  /** Removes an entry and every entry below it (a deleted directory); returns what went, by key. */
  List<Map.Entry<String, FileState>> removeSubtree(String key) {
    lastDir = null; // it may go
    List<Map.Entry<String, FileState>> removed = new ArrayList<>();
    int s = key.lastIndexOf('/');
    String dk = s < 0 ? "" : key.substring(0, s);
    Dir parent = dirs.get(dk);
    if (parent != null) {
      int i = parent.find(key, s + 1);
      if (i >= 0) {
        removed.add(Map.entry(key, parent.state(root, key, i)));
        parent.remove(i);
        size--;
        if (parent.n == 0) {
          dirs.remove(dk);
        }
      }
    }
    List<String> gone = new ArrayList<>();
    Dir self = dirs.get(key);
    if (self != null) {
      gone.add(key);
    }
    SortedMap<String, Dir> below = dirs.subMap(key + "/", key + "0"); // '0' follows '/'
    gone.addAll(below.keySet());
    for (String g : gone) {
      Dir d = dirs.remove(g);
      if (d != null) {
        String[] keys = d.entryKeys(g + "/");
        for (int i = 0; i < keys.length; i++) {
          removed.add(Map.entry(keys[i], d.state(root, keys[i], i)));
        }
        size -= d.n;
      }
    }
    if (removed.size() > 1) {
      removed.sort(Map.Entry.comparingByKey());
    }
    return removed;
  }

  /** Every key, sorted. */
  String[] sortedKeys() {
    String[] out = new String[size];
    int o = 0;
    SortedCursor c = sorted();
    for (String k = c.next(); k != null; k = c.next()) {
      out[o++] = k;
    }
    return o == out.length ? out : Arrays.copyOf(out, o);
  }

  /** The entries in key order, one at a time (see {@link SortedCursor}). */
  SortedCursor sorted() {
    return new SortedCursor();
  }

  /**
   * The entries in key order ({@link String#compareTo}, as a sorted map of the keys has them)
   * without sorting every key at once: each directory's names are sorted on their own and merged
   * with its subdirectories (a subdirectory {@code d} sorts as {@code d/}, which every key below it
   * starts with). The current entry is then compared without a lookup by key.
   */
  final class SortedCursor {
    private final Map<String, List<String>> children = new java.util.HashMap<>();
    private final java.util.ArrayDeque<Frame> stack = new java.util.ArrayDeque<>();
    private static final int UNKNOWN = -2;
    private @Nullable Dir dir;
    private @Nullable String current;
    private int from;
    private int index = -1;

    SortedCursor() {
      java.util.Set<String> linked = new java.util.HashSet<>(); // listed under their parent
      for (String dk : dirs.keySet()) {
        String child = dk;
        while (!child.isEmpty() && linked.add(child)) {
          int s = child.lastIndexOf('/');
          String parent = s < 0 ? "" : child.substring(0, s);
          children.computeIfAbsent(parent, k -> new ArrayList<>(2)).add(child);
          child = parent;
        }
      }
      stack.push(frame(""));
    }

    private Frame frame(String dk) {
      Dir d = dirs.get(dk);
      String[] files;
      if (d == null) {
        files = new String[0];
      } else {
        files = d.entryKeys(dk.isEmpty() ? "" : dk + "/");
        Arrays.sort(files);
      }
      List<String> sub = children.get(dk);
      String[] subs = sub == null ? new String[0] : sub.toArray(new String[0]);
      Arrays.sort(subs, SortedCursor::compareDirs);
      return new Frame(dk.isEmpty() ? 0 : dk.length() + 1, d, files, subs);
    }

    /** The next key, or null after the last; its entry becomes the current one. */
    @Nullable String next() {
      Frame f;
      while ((f = stack.peek()) != null) {
        String file = f.fi < f.files.length ? f.files[f.fi] : null;
        String sub = f.ci < f.subs.length ? f.subs[f.ci] : null;
        if (file != null && (sub == null || compareFileToDir(file, sub) < 0)) {
          f.fi++;
          dir = java.util.Objects.requireNonNull(f.dir);
          current = file;
          from = f.from;
          index = UNKNOWN; // looked up only if sameStat asks (sortedKeys never does)
          return file;
        }
        if (sub == null) {
          stack.pop();
        } else {
          f.ci++;
          stack.push(frame(sub));
        }
      }
      dir = null;
      current = null;
      index = -1;
      return null;
    }

    /** {@link FileTable#sameStat(String, long, long, String)} for the current entry. */
    boolean sameStat(long size, long mtimeNanos, @Nullable String fileKeyText) {
      Dir d = dir;
      String key = current;
      if (d == null || key == null) {
        return false;
      }
      if (index == UNKNOWN) {
        index = d.find(key, from);
      }
      return index >= 0 && FileTable.sameStat(d, index, size, mtimeNanos, fileKeyText);
    }

    /** A key directly in a directory against a subdirectory {@code d}, which sorts as {@code d/}. */
    private static int compareFileToDir(String a, String d) {
      return compareSlashed(a, false, d);
    }

    /** Sibling directories, each sorting as {@code x/}. */
    private static int compareDirs(String x, String y) {
      return compareSlashed(x, true, y);
    }

    /** {@code a} (with a '/' after it when {@code slashA}) against {@code b + "/"}, as String#compareTo. */
    private static int compareSlashed(String a, boolean slashA, String b) {
      int la = a.length() + (slashA ? 1 : 0);
      int lb = b.length() + 1;
      for (int i = 0, n = Math.min(la, lb); i < n; i++) {
        char ca = i < a.length() ? a.charAt(i) : '/';
        char cb = i < b.length() ? b.charAt(i) : '/';
        if (ca != cb) {
          return ca - cb;
        }
      }
      return la - lb;
    }
  }

  /** One directory of a {@link SortedCursor}'s walk. */
  private static final class Frame {
    final int from;
    final @Nullable Dir dir;
    final String[] files;
    final String[] subs;
    int fi;
    int ci;

    Frame(int from, @Nullable Dir dir, String[] files, String[] subs) {
      this.from = from;
      this.dir = dir;
      this.files = files;
      this.subs = subs;
    }
  }

  /** The entries as a sorted map of states (made now: for the rare whole-tree uses). */
  TreeMap<String, FileState> toTreeMap() {
    TreeMap<String, FileState> out = new TreeMap<>();
    for (Map.Entry<String, Dir> e : dirs.entrySet()) {
      Dir d = e.getValue();
      String[] keys = d.entryKeys(e.getKey().isEmpty() ? "" : e.getKey() + "/");
      for (int i = 0; i < keys.length; i++) {
        out.put(keys[i], d.state(root, keys[i], i));
      }
    }
    return out;
  }

  /**
   * Whether {@code key}'s entry here and in {@code other} have the same size, time and (where both
   * have one) file key, as {@link FileState#sameStat}; false when either has none.
   */
  boolean sameStat(String key, FileTable other) {
    int s = key.lastIndexOf('/');
    String dk = s < 0 ? "" : key.substring(0, s);
    Dir a = dirs.get(dk);
    Dir b = other.dirs.get(dk);
    if (a == null || b == null) {
      return false;
    }
    int i = a.find(key, s + 1);
    int j = b.find(key, s + 1);
    if (i < 0 || j < 0 || a.size(i) != b.size(j) || a.mtime(i) != b.mtime(j)) {
      return false;
    }
    Object ka = a.keys == null ? null : a.keys[i];
    Object kb = b.keys == null ? null : b.keys[j];
    if (ka == null && kb == null) {
      return a.dev(i) == b.dev(j) && a.ino(i) == b.ino(j);
    }
    Object fa = a.fileKey(i);
    Object fb = b.fileKey(j);
    return fa == null || fb == null || fa.equals(fb) || fa.toString().equals(fb.toString());
  }

  /**
   * Whether {@code key}'s entry has this size, time and (where both have one) file key text, as a
   * state file recorded them; false when there is no entry. Builds no path or state object: a
   * resume compares every file of the tree this way.
   */
  boolean sameStat(String key, long size, long mtimeNanos, @Nullable String fileKeyText) {
    int s = key.lastIndexOf('/');
    Dir d = dirs.get(s < 0 ? "" : key.substring(0, s));
    if (d == null) {
      return false;
    }
    int i = d.find(key, s + 1);
    return i >= 0 && sameStat(d, i, size, mtimeNanos, fileKeyText);
  }

  private static boolean sameStat(Dir d, int i, long size, long mtimeNanos, @Nullable String fileKeyText) {
    if (d.size(i) != size || d.mtime(i) != mtimeNanos) {
      return false;
    }
    if (fileKeyText == null) {
      return true;
    }
    if (d.keys == null || d.keys[i] == null) {
      // packed: compare the recorded "(dev=HEX,ino=DEC)" with the numbers, building no text
      Boolean same = PackedKey.sameAs(fileKeyText, d.dev(i), d.ino(i));
      if (same != null) {
        return same;
      }
    }
    Object k = d.fileKey(i);
    return k == null || fileKeyText.equals(k.toString());
  }

  /**
   * How directory {@code dirKey} is packed, for tests: {@code latin1} or {@code chars} (its names),
   * {@code narrow} or {@code wide} (two or three longs an entry), {@code linear} or {@code table}
   * (names in order, or offsets and a name table); null when it has no entry.
   */
  @Nullable String layout(String dirKey) {
    Dir d = dirs.get(dirKey);
    if (d == null) {
      return null;
    }
    return (d.latin != null ? "latin1" : "chars")
        + (d.wideData ? " wide" : " narrow")
        + (d.table != null ? " table" : " linear");
  }

  /** Drops the spare room of every directory's arrays (after a walk filled them). */
  void trim() {
    for (Dir d : dirs.values()) {
      d.trim();
    }
  }

  /** Marks a {@code null} file key among packed ones. */
  private static final Object NO_FILE_KEY = new Object();

  /**
   * One directory's entries. Up to {@link #LINEAR_MAX} entries, the names lie in the pool one after
   * another in index order (a lookup reads them in turn, a removal closes the gap and shifts the
   * later entries down) and there is no per-entry offset; above, {@code off} holds each name's
   * offset and an open-addressing table maps names to indexes (a removal swaps the last entry in
   * and leaves the name's chars as garbage until a compaction). The pool is Latin-1 bytes while
   * every name is Latin-1, chars otherwise.
   */
  private static final class Dir {
    /** Entries at a linear search at most; above, the name table. */
    private static final int LINEAR_MAX = 16;

    private static final long U32 = 0xFFFF_FFFFL;

    int n;
    /** The names, each followed by '/', as Latin-1 bytes while every name is Latin-1; else null. */
    byte @Nullable [] latin = new byte[16];
    /** The names as chars when some name is not Latin-1 (then {@code latin} is null). */
    char @Nullable [] wide;
    /** Pool chars in use, garbage included. */
    int used;
    /** Chars of removed names still in the pool (table mode only). */
    int garbage;
    /**
     * The entries' times, sizes and inode numbers: narrow, two longs an entry (the time, then size
     * {@code << 32 |} inode, both below 2^32), or, once one entry does not fit, wide: three (time,
     * size, inode).
     */
    long[] data = new long[4];
    boolean wideData;
    /** Every packed entry's device, unless {@code devs} is set. */
    long dev;
    boolean hasDev;
    long @Nullable [] devs;
    /** Where an entry's file key is not packed: the key itself ({@link #NO_FILE_KEY} for none). */
    Object @Nullable [] keys;
    /** Each name's offset in the pool; null while {@code n <= LINEAR_MAX} (names in index order). */
    int @Nullable [] off;
    /** Open addressing, linear probing: index + 1, 0 for empty; null while {@code n <= LINEAR_MAX}. */
    int @Nullable [] table;

    private int stride() {
      return wideData ? 3 : 2;
    }

    /** How many entries the arrays have room for (the length of {@code off}, {@code devs}, {@code keys}). */
    private int capacity() {
      return data.length / stride();
    }

    long mtime(int i) {
      return data[i * stride()];
    }

    long size(int i) {
      return wideData ? data[3 * i + 1] : data[2 * i + 1] >>> 32;
    }

    long ino(int i) {
      return wideData ? data[3 * i + 2] : data[2 * i + 1] & U32;
    }

    private void setStat(int i, long sz, long mt, long in) {
      if (!wideData && ((sz & ~U32) != 0 || (in & ~U32) != 0)) {
        widen();
      }
      long[] d = data;
      if (wideData) {
        d[3 * i] = mt;
        d[3 * i + 1] = sz;
        d[3 * i + 2] = in;
      } else {
        d[2 * i] = mt;
        d[2 * i + 1] = sz << 32 | in;
      }
    }

    private void widen() {
      long[] d = data;
      long[] w = new long[d.length / 2 * 3];
      for (int i = 0; i < n; i++) {
        w[3 * i] = d[2 * i];
        w[3 * i + 1] = d[2 * i + 1] >>> 32;
        w[3 * i + 2] = d[2 * i + 1] & U32;
      }
      data = w;
      wideData = true;
    }

    /** The pool's char at {@code p}. */
    private char at(int p) {
      byte[] l = latin;
      return l != null ? (char) (l[p] & 0xFF) : Objects.requireNonNull(wide)[p];
    }

    private int poolLength() {
      byte[] l = latin;
      return l != null ? l.length : Objects.requireNonNull(wide).length;
    }

    /** Where the name starting at {@code p} ends (its '/'). */
    private int end(int p) {
      byte[] l = latin;
      if (l != null) {
        while (l[p] != '/') {
          p++;
        }
      } else {
        char[] w = Objects.requireNonNull(wide);
        while (w[p] != '/') {
          p++;
        }
      }
      return p;
    }

    /** Where entry {@code i}'s name starts. */
    private int start(int i) {
      int[] o = off;
      if (o != null) {
        return o[i];
      }
      int p = 0;
      for (int k = 0; k < i; k++) {
        p = end(p) + 1;
      }
      return p;
    }

    private String text(int p, int e) {
      byte[] l = latin;
      return l != null
          ? new String(l, p, e - p, StandardCharsets.ISO_8859_1)
          : new String(Objects.requireNonNull(wide), p, e - p);
    }

    /** Every entry's key ({@code prefix} + name), by index. */
    String[] entryKeys(String prefix) {
      String[] out = new String[n];
      int[] o = off;
      int p = 0;
      for (int i = 0; i < n; i++) {
        int s = o != null ? o[i] : p;
        int e = end(s);
        out[i] = prefix.concat(text(s, e));
        p = e + 1;
      }
      return out;
    }

    /** Whether the name at pool position {@code p} is {@code key} from {@code from} on. */
    private boolean is(int p, String key, int from) {
      int len = key.length() - from;
      if (p + len >= used) {
        return false;
      }
      byte[] l = latin;
      if (l != null) {
        if (l[p + len] != '/') {
          return false;
        }
        for (int c = 0; c < len; c++) {
          if ((l[p + c] & 0xFF) != key.charAt(from + c)) {
            return false;
          }
        }
      } else {
        char[] w = Objects.requireNonNull(wide);
        if (w[p + len] != '/') {
          return false;
        }
        for (int c = 0; c < len; c++) {
          if (w[p + c] != key.charAt(from + c)) {
            return false;
          }
        }
      }
      return true;
    }

    private static int hash(String key, int from) {
      int h = 0;
      for (int c = from; c < key.length(); c++) {
        h = 31 * h + key.charAt(c);
      }
      return mix(h);
    }

    /** The hash of the name at pool position {@code p} (as {@link #hash} of it). */
    private int hashAt(int p) {
      int h = 0;
      for (char c; (c = at(p)) != '/'; p++) {
        h = 31 * h + c;
      }
      return mix(h);
    }

    private static int mix(int h) {
      return h ^ (h >>> 16) ^ (h >>> 7);
    }

    /** The index of {@code key}'s name (from {@code from}), or -1. */
    int find(String key, int from) {
      int[] t = table;
      if (t == null) {
        int p = 0;
        for (int i = 0; i < n; i++) {
          if (is(p, key, from)) {
            return i;
          }
          p = end(p) + 1;
        }
        return -1;
      }
      int[] o = Objects.requireNonNull(off);
      int mask = t.length - 1;
      for (int s = hash(key, from) & mask; ; s = (s + 1) & mask) {
        int v = t[s];
        if (v == 0) {
          return -1;
        }
        if (is(o[v - 1], key, from)) {
          return v - 1;
        }
      }
    }

    void set(String key, int from, long sz, long mt, @Nullable Object fileKey) {
      long[] di = fileKey == null ? null : PackedKey.parse(fileKey);
      int i = indexFor(key, from);
      if (di == null) {
        Object[] k = keys;
        if (k == null) {
          k = new Object[capacity()];
          keys = k;
        }
        k[i] = fileKey == null ? NO_FILE_KEY : fileKey;
        setStat(i, sz, mt, 0);
      } else {
        packed(i, di[0]);
        setStat(i, sz, mt, di[1]);
      }
    }

    void setPacked(String key, int from, long sz, long mt, long dv, long in) {
      int i = indexFor(key, from);
      packed(i, dv);
      setStat(i, sz, mt, in);
    }

    private int indexFor(String key, int from) {
      int i = find(key, from);
      return i < 0 ? append(key, from) : i;
    }

    private int append(String key, int from) {
      int len = key.length() - from;
      if (latin != null) {
        for (int c = from; c < key.length(); c++) {
          if (key.charAt(c) > 0xFF) {
            inflate();
            break;
          }
        }
      }
      if (garbage > 0 && used + len + 1 > poolLength() && garbage >= used / 2) {
        repack(len + 1 + 16);
      }
      int room = poolLength();
      if (used + len + 1 > room) {
        resizePool(Math.max(used + len + 1, room + (room >> 1)));
      }
      byte[] l = latin;
      if (l != null) {
        for (int c = 0; c < len; c++) {
          l[used + c] = (byte) key.charAt(from + c);
        }
        l[used + len] = '/';
      } else {
        char[] w = Objects.requireNonNull(wide);
        key.getChars(from, key.length(), w, used);
        w[used + len] = '/';
      }
      int i = n;
      if (i == capacity()) {
        resizeEntries(Math.max(4, i + (i >> 1)));
      }
      int[] o = off;
      if (o != null) {
        o[i] = used;
      }
      used += len + 1;
      n++;
      int[] t = table;
      if (t != null) {
        if (n * 2 > t.length) {
          rehash(t.length * 2);
        } else {
          insert(t, i);
        }
      } else if (n > LINEAR_MAX) {
        toTable();
      }
      return i;
    }

    private void inflate() {
      byte[] l = Objects.requireNonNull(latin);
      char[] w = new char[l.length];
      for (int p = 0; p < used; p++) {
        w[p] = (char) (l[p] & 0xFF);
      }
      wide = w;
      latin = null;
    }

    private void resizePool(int len) {
      byte[] l = latin;
      if (l != null) {
        latin = Arrays.copyOf(l, len);
      } else {
        wide = Arrays.copyOf(Objects.requireNonNull(wide), len);
      }
    }

    private void resizeEntries(int cap) {
      data = Arrays.copyOf(data, cap * stride());
      int[] o = off;
      if (o != null) {
        off = Arrays.copyOf(o, cap);
      }
      long[] d = devs;
      if (d != null) {
        devs = Arrays.copyOf(d, cap);
      }
      Object[] k = keys;
      if (k != null) {
        keys = Arrays.copyOf(k, cap);
      }
    }

    /** From names in index order to offsets and the name table (past {@link #LINEAR_MAX}). */
    private void toTable() {
      int[] o = new int[capacity()];
      int p = 0;
      for (int i = 0; i < n; i++) {
        o[i] = p;
        p = end(p) + 1;
      }
      off = o;
      int cap = 32;
      while (n * 2 > cap) {
        cap *= 2;
      }
      rehash(cap);
    }

    /** Back to names in index order, without offsets or table (at {@link #LINEAR_MAX} or fewer). */
    private void toLinear() {
      repack(16); // in index order
      off = null;
      table = null;
    }

    private void packed(int i, long dv) {
      Object[] k = keys;
      if (k != null) {
        k[i] = null;
      }
      long[] d = devs;
      if (d != null) {
        d[i] = dv;
      } else if (!hasDev) {
        dev = dv;
        hasDev = true;
      } else if (dev != dv) {
        d = new long[capacity()];
        Arrays.fill(d, dev);
        d[i] = dv;
        devs = d;
      }
    }

    long dev(int i) {
      long[] d = devs;
      return d == null ? dev : d[i];
    }

    @Nullable Object fileKey(int i) {
      Object k = keys == null ? null : keys[i];
      if (k == null) {
        return new PackedKey(dev(i), ino(i));
      }
      return k == NO_FILE_KEY ? null : k;
    }

    FileState state(Path root, String key, int i) {
      return new FileState(root.resolve(key), size(i), mtime(i), null, fileKey(i));
    }

    /**
     * Removes entry {@code i}: in table mode the last entry takes its index; with names in index
     * order, the later entries move down one.
     */
    void remove(int i) {
      int last = n - 1;
      int st = stride();
      long[] d = data;
      long[] dv = devs;
      Object[] k = keys;
      int[] t = table;
      if (t == null) {
        int p = start(i);
        int e = end(p) + 1;
        byte[] l = latin;
        if (l != null) {
          System.arraycopy(l, e, l, p, used - e);
        } else {
          char[] w = Objects.requireNonNull(wide);
          System.arraycopy(w, e, w, p, used - e);
        }
        used -= e - p;
        System.arraycopy(d, (i + 1) * st, d, i * st, (last - i) * st);
        if (dv != null) {
          System.arraycopy(dv, i + 1, dv, i, last - i);
        }
        if (k != null) {
          System.arraycopy(k, i + 1, k, i, last - i);
        }
      } else {
        int[] o = Objects.requireNonNull(off);
        garbage += end(o[i]) - o[i] + 1;
        deleteSlot(t, i);
        if (i != last) {
          renumber(t, last, i);
          o[i] = o[last];
          System.arraycopy(d, last * st, d, i * st, st);
          if (dv != null) {
            dv[i] = dv[last];
          }
          if (k != null) {
            k[i] = k[last];
          }
        }
      }
      if (k != null) {
        k[last] = null;
      }
      n = last;
      if (n == 0) {
        used = 0;
        garbage = 0;
      }
      if (table != null) {
        if (n <= LINEAR_MAX) {
          toLinear();
        } else if (garbage > 64 && garbage > used / 2) {
          repack(16);
        }
      }
    }

    /**
     * Rewrites the pool without garbage, names in index order, with {@code extra} chars of room;
     * as Latin-1 bytes when every name is Latin-1.
     */
    private void repack(int extra) {
      int[] o = off;
      boolean toLatin = true;
      char[] w = wide;
      if (w != null) {
        int p = 0;
        for (int i = 0; i < n && toLatin; i++) {
          int s = o != null ? o[i] : p;
          int e = end(s);
          for (int c = s; c < e; c++) {
            if (w[c] > 0xFF) {
              toLatin = false;
              break;
            }
          }
          p = e + 1;
        }
      }
      int len = Math.max(1, used - garbage + extra);
      byte[] nl = toLatin ? new byte[len] : null;
      char[] nw = toLatin ? null : new char[len];
      int u = 0;
      int p = 0;
      for (int i = 0; i < n; i++) {
        int s = o != null ? o[i] : p;
        int e = end(s);
        if (o != null) {
          o[i] = u;
        }
        for (int c = s; c <= e; c++) {
          char ch = at(c);
          if (nl != null) {
            nl[u++] = (byte) ch;
          } else {
            Objects.requireNonNull(nw)[u++] = ch;
          }
        }
        p = e + 1;
      }
      latin = nl;
      wide = nw;
      used = u;
      garbage = 0;
    }

    private void rehash(int cap) {
      int[] t = new int[cap];
      for (int i = 0; i < n; i++) {
        insert(t, i);
      }
      table = t;
    }

    private int home(int[] t, int i) {
      return hashAt(Objects.requireNonNull(off)[i]) & (t.length - 1);
    }

    private void insert(int[] t, int i) {
      int mask = t.length - 1;
      int s = home(t, i);
      while (t[s] != 0) {
        s = (s + 1) & mask;
      }
      t[s] = i + 1;
    }

    /** The slot holding index {@code i}. */
    private int slotOf(int[] t, int i) {
      int mask = t.length - 1;
      int s = home(t, i);
      while (t[s] != i + 1) {
        s = (s + 1) & mask;
      }
      return s;
    }

    private void renumber(int[] t, int from, int to) {
      t[slotOf(t, from)] = to + 1;
    }

    /** Deletes index {@code i}'s slot, shifting back the entries of its probe run behind it. */
    private void deleteSlot(int[] t, int i) {
      int mask = t.length - 1;
      int hole = slotOf(t, i);
      t[hole] = 0;
      for (int s = (hole + 1) & mask; t[s] != 0; s = (s + 1) & mask) {
        int home = home(t, t[s] - 1);
        // the entry at s may move to the hole when its home is not cyclically in (hole, s]
        boolean stays = hole <= s ? (home > hole && home <= s) : (home > hole || home <= s);
        if (!stays) {
          t[hole] = t[s];
          t[s] = 0;
          hole = s;
        }
      }
    }

    /** Drops the spare room (and garbage) of the arrays; a pool of chars becomes bytes when it can. */
    void trim() {
      if (garbage > 0 || wide != null || poolLength() > used) {
        repack(0);
      }
      if (capacity() > n) {
        resizeEntries(Math.max(1, n));
      }
    }
  }
}
