package io.changeflux.fs.internal;

import io.changeflux.files.FileState;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
    Dir d = lastDir;
    String last = lastDirKey;
    if (d == null || last.length() != Math.max(s, 0) || !key.startsWith(last)) {
      last = s < 0 ? "" : key.substring(0, s);
      d = dirs.computeIfAbsent(last, k -> new Dir());
      lastDir = d;
      lastDirKey = last;
    }
    int before = d.n;
    d.set(key, s + 1, attrs.size(), attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS), attrs.fileKey());
    size += d.n - before;
  }

  /**
   * Records an entry as a walk of the native engine reads it, from its stat's numbers (replacing any
   * entry of the key): no attributes, state or file key object; the file key is {@code dev}/{@code
   * ino} packed, as {@link PackedKey} has it.
   */
  void add(String key, long size, long mtimeNanos, long dev, long ino) {
    int s = key.lastIndexOf('/');
    Dir d = lastDir;
    String last = lastDirKey;
    if (d == null || last.length() != Math.max(s, 0) || !key.startsWith(last)) {
      last = s < 0 ? "" : key.substring(0, s);
      d = dirs.computeIfAbsent(last, k -> new Dir());
      lastDir = d;
      lastDirKey = last;
    }
    int before = d.n;
    d.set(key, s + 1, size, mtimeNanos, dev, ino);
    this.size += d.n - before;
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
        String prefix = g + "/";
        for (int i = 0; i < d.n; i++) {
          String k = prefix + d.name(i);
          removed.add(Map.entry(k, d.state(root, k, i)));
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
        String prefix = dk.isEmpty() ? "" : dk + "/";
        files = new String[d.n];
        for (int i = 0; i < d.n; i++) {
          files[i] = prefix + d.name(i);
        }
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
      String prefix = e.getKey().isEmpty() ? "" : e.getKey() + "/";
      for (int i = 0; i < d.n; i++) {
        String k = prefix + d.name(i);
        out.put(k, d.state(root, k, i));
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
    if (i < 0 || j < 0 || a.size[i] != b.size[j] || a.mtime[i] != b.mtime[j]) {
      return false;
    }
    Object ka = a.keys == null ? null : a.keys[i];
    Object kb = b.keys == null ? null : b.keys[j];
    if (ka == null && kb == null) {
      return a.dev(i) == b.dev(j) && a.ino[i] == b.ino[j];
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
    if (d.size[i] != size || d.mtime[i] != mtimeNanos) {
      return false;
    }
    if (fileKeyText == null) {
      return true;
    }
    if (d.keys == null || d.keys[i] == null) {
      // packed: compare the recorded "(dev=HEX,ino=DEC)" with the numbers, building no text
      Boolean same = PackedKey.sameAs(fileKeyText, d.dev(i), d.ino[i]);
      if (same != null) {
        return same;
      }
    }
    Object k = d.fileKey(i);
    return k == null || fileKeyText.equals(k.toString());
  }

  /** Drops the spare room of every directory's arrays (after a walk filled them). */
  void trim() {
    for (Dir d : dirs.values()) {
      d.trim();
    }
  }

  /** Marks a {@code null} file key among packed ones. */
  private static final Object NO_FILE_KEY = new Object();

  /** One directory's entries. */
  private static final class Dir {
    /** Entries at a linear search at most; above, the name table. */
    private static final int LINEAR_MAX = 16;

    int n;
    /** The names, each followed by '/', in no order; {@code garbage} chars are removed ones. */
    char[] pool = new char[16];
    int used;
    int garbage;
    int[] off = new int[2];
    long[] size = new long[2];
    long[] mtime = new long[2];
    long[] ino = new long[2];
    /** Every packed entry's device, unless {@code devs} is set. */
    long dev;
    boolean hasDev;
    long @Nullable [] devs;
    /** Where an entry's file key is not packed: the key itself ({@link #NO_FILE_KEY} for none). */
    Object @Nullable [] keys;
    /** Open addressing, linear probing: index + 1, 0 for empty; null while {@code n <= LINEAR_MAX}. */
    int @Nullable [] table;

    String name(int i) {
      int o = off[i];
      int e = o;
      while (pool[e] != '/') {
        e++;
      }
      return new String(pool, o, e - o);
    }

    /** Whether entry {@code i}'s name is {@code key} from {@code from} on. */
    private boolean is(int i, String key, int from) {
      int o = off[i];
      int len = key.length() - from;
      if (o + len >= used || pool[o + len] != '/') {
        return false;
      }
      for (int c = 0; c < len; c++) {
        if (pool[o + c] != key.charAt(from + c)) {
          return false;
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

    private int hashAt(int i) {
      int h = 0;
      for (int c = off[i]; pool[c] != '/'; c++) {
        h = 31 * h + pool[c];
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
        for (int i = 0; i < n; i++) {
          if (is(i, key, from)) {
            return i;
          }
        }
        return -1;
      }
      int mask = t.length - 1;
      for (int s = hash(key, from) & mask; ; s = (s + 1) & mask) {
        int v = t[s];
        if (v == 0) {
          return -1;
        }
        if (is(v - 1, key, from)) {
          return v - 1;
        }
      }
    }

    void set(String key, int from, long sz, long mt, @Nullable Object fileKey) {
      int i = find(key, from);
      if (i < 0) {
        i = append(key, from);
      }
      size[i] = sz;
      mtime[i] = mt;
      setKey(i, fileKey);
    }

    void set(String key, int from, long sz, long mt, long dv, long in) {
      int i = find(key, from);
      if (i < 0) {
        i = append(key, from);
      }
      size[i] = sz;
      mtime[i] = mt;
      setPacked(i, dv, in);
    }

    private int append(String key, int from) {
      int len = key.length() - from;
      if (garbage > 0 && used + len + 1 > pool.length && garbage >= used / 2) {
        compactPool();
      }
      if (used + len + 1 > pool.length) {
        pool = Arrays.copyOf(pool, Math.max(used + len + 1, pool.length + (pool.length >> 1)));
      }
      key.getChars(from, key.length(), pool, used);
      pool[used + len] = '/';
      int i = n;
      if (i == off.length) {
        int cap = Math.max(4, i + (i >> 1));
        off = Arrays.copyOf(off, cap);
        size = Arrays.copyOf(size, cap);
        mtime = Arrays.copyOf(mtime, cap);
        ino = Arrays.copyOf(ino, cap);
        if (devs != null) {
          devs = Arrays.copyOf(devs, cap);
        }
        if (keys != null) {
          keys = Arrays.copyOf(keys, cap);
        }
      }
      off[i] = used;
      used += len + 1;
      n++;
      if (table != null) {
        if (n * 2 > table.length) {
          rehash(table.length * 2);
        } else {
          insert(table, i);
        }
      } else if (n > LINEAR_MAX) {
        rehash(32);
      }
      return i;
    }

    private void setKey(int i, @Nullable Object fileKey) {
      long[] di = fileKey == null ? null : PackedKey.parse(fileKey);
      if (di == null) {
        if (keys == null) {
          keys = new Object[off.length];
        }
        keys[i] = fileKey == null ? NO_FILE_KEY : fileKey;
        return;
      }
      setPacked(i, di[0], di[1]);
    }

    private void setPacked(int i, long dv, long in) {
      if (keys != null) {
        keys[i] = null;
      }
      ino[i] = in;
      if (devs != null) {
        devs[i] = dv;
      } else if (!hasDev) {
        dev = dv;
        hasDev = true;
      } else if (dev != dv) {
        long[] d = new long[off.length];
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
        return new PackedKey(dev(i), ino[i]);
      }
      return k == NO_FILE_KEY ? null : k;
    }

    FileState state(Path root, String key, int i) {
      return new FileState(root.resolve(key), size[i], mtime[i], null, fileKey(i));
    }

    /** Removes entry {@code i}; the last entry takes its index. */
    void remove(int i) {
      int last = n - 1;
      garbage += nameLength(i) + 1;
      if (table != null) {
        deleteSlot(table, i);
        if (i != last) {
          renumber(table, last, i);
        }
      }
      if (i != last) {
        off[i] = off[last];
        size[i] = size[last];
        mtime[i] = mtime[last];
        ino[i] = ino[last];
        if (devs != null) {
          devs[i] = devs[last];
        }
        if (keys != null) {
          keys[i] = keys[last];
        }
      }
      if (keys != null) {
        keys[last] = null;
      }
      n = last;
      if (n == 0) {
        used = 0;
        garbage = 0;
      } else if (garbage > 64 && garbage > used / 2) {
        compactPool();
      }
    }

    private int nameLength(int i) {
      int e = off[i];
      while (pool[e] != '/') {
        e++;
      }
      return e - off[i];
    }

    private void compactPool() {
      char[] p = new char[Math.max(16, used - garbage + 16)];
      int u = 0;
      for (int i = 0; i < n; i++) {
        int len = nameLength(i);
        System.arraycopy(pool, off[i], p, u, len + 1);
        off[i] = u;
        u += len + 1;
      }
      pool = p;
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

    private void insert(int[] t, int i) {
      int mask = t.length - 1;
      int s = hashAt(i) & mask;
      while (t[s] != 0) {
        s = (s + 1) & mask;
      }
      t[s] = i + 1;
    }

    /** The slot holding index {@code i}. */
    private int slotOf(int[] t, int i) {
      int mask = t.length - 1;
      int s = hashAt(i) & mask;
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
        int home = hashAt(t[s] - 1) & mask;
        // the entry at s may move to the hole when its home is not cyclically in (hole, s]
        boolean stays = hole <= s ? (home > hole && home <= s) : (home > hole || home <= s);
        if (!stays) {
          t[hole] = t[s];
          t[s] = 0;
          hole = s;
        }
      }
    }

    void trim() {
      if (garbage > 0) {
        compactPool();
      }
      if (pool.length > used) {
        pool = Arrays.copyOf(pool, Math.max(1, used));
      }
      if (off.length > n) {
        int cap = Math.max(1, n);
        off = Arrays.copyOf(off, cap);
        size = Arrays.copyOf(size, cap);
        mtime = Arrays.copyOf(mtime, cap);
        ino = Arrays.copyOf(ino, cap);
        if (devs != null) {
          devs = Arrays.copyOf(devs, cap);
        }
        if (keys != null) {
          keys = Arrays.copyOf(keys, cap);
        }
      }
    }
  }

  /**
   * A file key kept as device and inode number: equal to another {@code PackedKey} of the same
   * numbers, and with the text of the platform's key ({@code sun.nio.fs.UnixFileKey}), which is
   * what a platform key is compared with.
   */
  static final class PackedKey {
    private static final String UNIX_KEY = "sun.nio.fs.UnixFileKey";
    private final long dev;
    private final long ino;

    PackedKey(long dev, long ino) {
      this.dev = dev;
      this.ino = ino;
    }

    /**
     * Whether {@code text}, a platform key's text {@code (dev=HEX,ino=DEC)}, names this device and
     * inode; null when it is not of that form.
     */
    static @Nullable Boolean sameAs(String text, long dev, long ino) {
      int comma = text.indexOf(",ino=");
      if (comma < 0 || !text.startsWith("(dev=") || !text.endsWith(")")) {
        return null;
      }
      try {
        return Long.parseUnsignedLong(text, 5, comma, 16) == dev
            && Long.parseLong(text, comma + 5, text.length() - 1, 10) == ino;
      } catch (NumberFormatException e) {
        return null;
      }
    }

    /** {dev, ino} of a platform key of the form {@code (dev=HEX,ino=DEC)}, or null. */
    static long @Nullable [] parse(Object key) {
      if (key instanceof PackedKey) {
        PackedKey p = (PackedKey) key;
        return new long[] {p.dev, p.ino};
      }
      if (!UNIX_KEY.equals(key.getClass().getName())) {
        return null;
      }
      String s = key.toString();
      if (!s.startsWith("(dev=") || !s.endsWith(")")) {
        return null;
      }
      int comma = s.indexOf(",ino=");
      if (comma < 0) {
        return null;
      }
      try {
        long d = Long.parseUnsignedLong(s, 5, comma, 16);
        long i = Long.parseLong(s, comma + 5, s.length() - 1, 10);
        return new long[] {d, i};
      } catch (NumberFormatException e) {
        return null;
      }
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof PackedKey && ((PackedKey) o).dev == dev && ((PackedKey) o).ino == ino;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(dev) * 31 + Long.hashCode(ino);
    }

    @Override
    public String toString() {
      return "(dev=" + Long.toHexString(dev) + ",ino=" + ino + ")";
    }
  }
}
