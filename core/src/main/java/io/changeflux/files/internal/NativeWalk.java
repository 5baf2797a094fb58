package io.changeflux.files.internal;

import org.jspecify.annotations.Nullable;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.changeflux.files.FileState;
import io.changeflux.files.TreeScanner;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A walk of a tree by Linux system calls (JNA direct mapping), shared by the {@code fs:} native
 * engine's registration walk and the {@code poll:} scan: each directory opened with
 * {@code openat} relative to its parent's descriptor, listed with {@code getdents64} into a direct
 * buffer (one per depth, reused), each entry stat'ed with {@code statx} relative to the open
 * directory into one reused direct buffer — no {@code Path}, {@code BasicFileAttributes} or state
 * object per file: the visitor gets the key and the stat's numbers. A {@code Path} is made per
 * directory only (the watch table's), and per entry only when asked ({@link #entryPath()}).
 *
 * <p>What it reports is exactly what {@link TreeScanner#walk} reports of the same tree: the same
 * keys (a name whose bytes do not decode in the platform's charset is decoded as the JDK decodes
 * a {@code Path}, and its {@code Path} is the JDK's own, with the raw bytes), the same sizes,
 * times and file keys ({@code (dev, ino)}: the device as {@code makedev} of {@code statx}'s major
 * and minor, which is {@code st_dev}), the same directories, in the same order; the same pruning
 * and skipping (the scanner's predicates), non-recursive mode, links (not followed: an entry with
 * {@code lstat}'s values; followed: the target's, with the same loop protection, opened by path),
 * the same deep-directory rule (opened by path from {@link #RELATIVE_OPEN_MAX_CHARS} chars on),
 * and the same failures: an entry gone before its stat is left out silently, a directory or entry
 * that cannot be read is skipped with the scanner's one warning, the start's failure throws when
 * asked to ({@link TreeScanner.VisitorException} for the visitor's own failures). {@code d_type}
 * spares the stat of an entry that is left out anyway (a pruned directory, a skipped file, a
 * directory when not recursive).
 *
 * <p>Where it cannot run (not Linux x86-64 or AArch64, a call missing from libc, {@code statx}
 * refused, a device number that does not match the JDK's), {@link #available()} is false; an
 * unexpected {@code errno} mid-walk ({@code ENOSYS}, {@code EINVAL}) throws {@link Unsupported},
 * and the caller walks with the {@link TreeScanner} instead ({@link #disable}: from then on).
 *
 * <p>Not thread-safe: one walk at a time per instance (the engine's owner thread, the poller's
 * thread). Where JNA itself is missing, this class cannot even be loaded: callers ask {@link
 * LinuxJna#unavailableReason()} first.
 */
public final class NativeWalk {

  private static final Logger log = LoggerFactory.getLogger(NativeWalk.class);

  /** As {@code TreeScanner}: a directory whose path has this many chars or more is opened by path. */
  static final int RELATIVE_OPEN_MAX_CHARS = 1200;

  static final int AT_FDCWD = -100;
  static final int AT_SYMLINK_NOFOLLOW = 0x100;
  static final int AT_NO_AUTOMOUNT = 0x800; // what stat() does anyway
  static final int STATX_MASK = 0x1 | 0x40 | 0x100 | 0x200; // TYPE, MTIME, INO, SIZE
  static final int O_CLOEXEC = 0x80000;
  static final int S_IFMT = 0xF000;
  static final int S_IFDIR = 0x4000;
  static final int S_IFLNK = 0xA000;
  static final int DT_UNKNOWN = 0;
  static final int DT_DIR = 4;
  static final int DT_LNK = 10;

  static final int ENOENT = 2;
  static final int EACCES = 13;
  static final int ENOTDIR = 20;
  static final int EINVAL = 22;
  static final int ENAMETOOLONG = 36;
  static final int ENOSYS = 38;
  static final int ELOOP = 40;

  /** Bytes of {@code getdents64} records per call and depth. */
  static final int DIRENT_BYTES = 32 * 1024;

  private static final int STATX_BYTES = 256;
  private static final int PATH_BYTES = 8192;

  /** O_DIRECTORY and O_NOFOLLOW differ between architectures. */
  private static final int O_DIRECTORY;

  private static final int O_NOFOLLOW;

  private static final Charset CHARSET = pathCharset();
  /** Whether ASCII bytes decode to the same chars in {@link #CHARSET} (a name of them needs no decoder). */
  private static final boolean ASCII_SAFE =
      CHARSET.equals(StandardCharsets.UTF_8)
          || CHARSET.equals(StandardCharsets.US_ASCII)
          || CHARSET.equals(StandardCharsets.ISO_8859_1);

  private static volatile @Nullable String unavailable;

  /**
   * A test hook: run with each directory's path after its visitor call (its watch) and before it is
   * listed, on the walking thread; e.g. to delete it.
   */
  public static volatile @Nullable Consumer<Path> beforeList;

  /** A test hook: a directory it is true for makes the walk fail as on an unexpected errno. */
  public static volatile java.util.function.Predicate<Path> failAt = p -> false;

  /** The reason {@link #disable} records for the {@link #failAt} hook. */
  public static final String TEST_HOOK = "failed by a test hook";

  /** Undoes a {@link #disable} caused by {@link #failAt} (tests). */
  public static void enableAfterTestHook() {
    if (TEST_HOOK.equals(unavailable)) {
      unavailable = null;
    }
  }

  /** The calls, bound by {@link Native#register} on first use. */
  static final class Calls {
    private Calls() {}

    static native int openat(int dirfd, long path, int flags, int mode) throws LastErrorException;

    static native long getdents64(int fd, long buf, long count) throws LastErrorException;

    static native int statx(int dirfd, long path, int flags, int mask, long buf) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;
  }

  static {
    String arch = System.getProperty("os.arch", "");
    int dir = 0;
    int nofollow = 0;
    String why = null;
    if ("amd64".equals(arch) || "x86_64".equals(arch)) {
      dir = 0x10000;
      nofollow = 0x20000;
    } else if ("aarch64".equals(arch)) {
      dir = 0x4000;
      nofollow = 0x8000;
    } else {
      why = "the native walk knows the open flags of x86-64 and AArch64 only, not " + arch;
    }
    O_DIRECTORY = dir;
    O_NOFOLLOW = nofollow;
    if (why == null) {
      why = LinuxJna.unavailableReason(); // also sets JNA's search path first
    }
    if (why == null) {
      try {
        Native.register(Calls.class, com.sun.jna.Platform.C_LIBRARY_NAME);
        why = probe();
      } catch (Throwable t) { // UnsatisfiedLinkError: a call missing from this libc
        why = t.toString();
      }
    }
    unavailable = why;
  }

  /**
   * Whether the walk can run here; else {@link #unavailableReason()} says why.
   *
   * @return {@code true} until the walk is known not to work here
   */
  public static boolean available() {
    return unavailable == null;
  }

  /**
   * Why the walk cannot run here.
   *
   * @return the reason, or null while it is {@link #available()}
   */
  public static @Nullable String unavailableReason() {
    return unavailable;
  }

  /**
   * Stops using the walk (an unexpected failure mid-walk), logged once.
   *
   * @param why the failure
   */
  public static void disable(Throwable why) {
    if (unavailable == null) {
      unavailable = String.valueOf(why.getMessage());
      log.warn("the native engine's own tree walk failed ({}); walking with the JDK from now on", why.getMessage());
    }
  }

  /**
   * Stats and lists {@code /} once, comparing the device and inode with the JDK's file key: null
   * when they agree, else why not.
   */
  private static @Nullable String probe() throws IOException {
    ByteBuffer path = direct(8).put(0, (byte) '/').put(1, (byte) 0);
    ByteBuffer st = direct(STATX_BYTES);
    try {
      Calls.statx(AT_FDCWD, address(path), AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MASK, address(st));
      Object jdk = Files.readAttributes(Path.of("/"), BasicFileAttributes.class).fileKey();
      Boolean same = jdk == null ? null : PackedKey.sameAs(jdk.toString(), dev(st), st.getLong(32));
      if (!Boolean.TRUE.equals(same)) {
        return "statx's device and inode of / (" + new PackedKey(dev(st), st.getLong(32)) + ") are not the JDK's " + jdk;
      }
      int fd = Calls.openat(AT_FDCWD, address(path), O_DIRECTORY | O_CLOEXEC, 0);
      try {
        ByteBuffer d = direct(DIRENT_BYTES);
        Calls.getdents64(fd, address(d), DIRENT_BYTES);
      } finally {
        Calls.close(fd);
      }
      return null;
    } catch (LastErrorException e) {
      return "probing / failed: " + e.getMessage();
    }
  }

  /** What a walk reports. */
  public interface Visitor {
    /**
     * A directory the walk enters (the start included), before it is listed.
     *
     * @param dir the directory's absolute path
     * @param dev its device
     * @param ino its inode number
     * @throws IOException to stop the walk ({@link #walk} rethrows it as a {@link
     *     TreeScanner.VisitorException})
     */
    void directory(Path dir, long dev, long ino) throws IOException;

    /**
     * An entry: a file, or a link that is not followed ({@link NativeWalk#entryPath()} is its path
     * during this call).
     *
     * @param key the entry's key (its path relative to the root, {@code /} separators)
     * @param size its size
     * @param mtimeNanos its modification time, ns since the epoch
     * @param dev its device
     * @param ino its inode number
     * @throws IOException to stop the walk, as for {@link #directory}
     */
    void file(String key, long size, long mtimeNanos, long dev, long ino) throws IOException;
  }

  /** An unexpected failure of a call (the walk cannot be trusted here): walk with the JDK instead. */
  public static final class Unsupported extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unsupported(String message) {
      super(message);
    }
  }

  private final TreeScanner scanner;
  private final boolean recursive;
  private final boolean followLinks;
  private final Path root;
  private final byte[] rootBytes;
  private final int rootChars;
  /** Per depth: the getdents64 buffer (kept while the walk descends below it). */
  private final List<ByteBuffer> dirents = new ArrayList<>();

  private final ByteBuffer stat = direct(STATX_BYTES);
  private final long statAddress = address(stat);
  /** A NUL-terminated path for a call by path. */
  private final ByteBuffer pathBuf = direct(PATH_BYTES);

  private final long pathAddress = address(pathBuf);
  /** The current directory's absolute path bytes, then the current entry's name after a '/'. */
  private byte[] path = new byte[512];
  /** Ancestors' (dev, ino), in pairs. */
  private long[] ancestors = new long[64];

  private int ancestorCount;
  // The current entry, for entryPath().
  private @Nullable Path entryDir;
  private int entryNameOff;
  private int entryNameLen;
  private boolean entryAscii;
  /** Whether the current entry's key is ASCII all through (root's path included). */
  private boolean entryPlain;
  private int dirLen;

  /**
   * A walk of what {@code scanner} walks: its root, modes and predicates; its warnings.
   *
   * @param scanner the scanner whose walk this one mirrors
   */
  public NativeWalk(TreeScanner scanner) {
    this.scanner = scanner;
    this.recursive = scanner.recursive();
    this.followLinks = scanner.followLinks();
    this.root = scanner.root();
    this.rootBytes = bytesOf(root);
    this.rootChars = root.toString().length();
  }

  /**
   * Whether this walk can start at {@code start} (the paths' bytes fit its buffer).
   *
   * @param start where a walk would start
   * @return {@code true} when it can
   */
  public boolean canStart(Path start) {
    return available() && rootBytes.length + 1 < PATH_BYTES && start.toString().length() < PATH_BYTES / 4;
  }

  /**
   * A path's bytes: its text encoded, unless the text holds a replacement character (bytes that do
   * not decode, which the JDK's path keeps): then the raw bytes of its URI (each such byte
   * percent-encoded there).
   */
  static byte[] bytesOf(Path p) {
    String s = p.toString();
    if (s.indexOf('\uFFFD') < 0) {
      return s.getBytes(CHARSET);
    }
    String u = p.toUri().getRawPath();
    if (u.length() > 1 && u.endsWith("/") && !s.endsWith("/")) {
      u = u.substring(0, u.length() - 1); // the URI of a directory ends with '/'
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(u.length());
    for (int i = 0; i < u.length(); i++) {
      char c = u.charAt(i);
      if (c == '%' && i + 2 < u.length()) {
        out.write(Integer.parseInt(u, i + 1, i + 3, 16));
        i += 2;
      } else {
        out.write(c); // a URI's raw path is ASCII: everything else is percent-encoded
      }
    }
    return out.toByteArray();
  }

  /**
   * The current directory's absolute path, NUL-terminated (during {@link Visitor#directory}): the
   * bytes the walk opens it by.
   *
   * @return a copy of the bytes, with the NUL
   */
  public byte[] dirPathZ() {
    return Arrays.copyOf(path, dirLen + 1); // the byte after the path is 0 while it is visited
  }

  /**
   * The current entry's absolute path (during {@link Visitor#file}).
   *
   * @return the path (the JDK's, with the raw bytes, for a name that does not decode)
   */
  public Path entryPath() {
    return child(java.util.Objects.requireNonNull(entryDir), path, entryNameOff, entryNameLen, entryAscii);
  }

  /**
   * Whether the current entry's path (during {@link Visitor#file}) is the root resolved against its
   * key: true when the root's path and the key are ASCII (in a charset where ASCII is itself), so
   * that the key names the same bytes; else only {@link #entryPath()} has the entry's path.
   *
   * @return {@code true} when {@code root.resolve(key)} is the entry's path
   */
  public boolean entryPathIsRootAndKey() {
    return entryPlain;
  }

  /**
   * Walks from {@code start} as {@link TreeScanner#walk} does (the root or a directory under it; a
   * path outside the root, below a pruned directory, or below the root when not recursive walks
   * nothing).
   *
   * @param start the absolute path to start from
   * @param visitor what receives the directories and entries
   * @param failOnStart whether a start that cannot be read throws (else it is skipped with a
   *     warning)
   * @throws IOException when the start cannot be read and {@code failOnStart} is set, or when the
   *     visitor throws
   * @throws Unsupported when a call fails in a way the walk does not expect
   */
  public void walk(Path start, Visitor visitor, boolean failOnStart) throws IOException {
    Path s = start.toAbsolutePath().normalize();
    if (!s.equals(root) && (!recursive || !s.startsWith(root) || scanner.pruned(s))) {
      return;
    }
    ancestorCount = 0;
    long startDev = 0;
    long startIno = 0;
    Path p = s;
    while (p != null && p.startsWith(root)) {
      try {
        Object fk = Files.readAttributes(p, BasicFileAttributes.class).fileKey();
        long[] di = fk == null ? null : PackedKey.parse(fk);
        if (di == null) {
          throw new Unsupported("no (dev, ino) file key for " + p + ": " + fk);
        }
        if (p == s) {
          startDev = di[0];
          startIno = di[1];
        }
        pushAncestor(di[0], di[1]);
      } catch (IOException e) {
        if (p == s) {
          if (failOnStart) {
            throw e;
          }
          scanner.skipped(s, e);
          return;
        }
      }
      p = p.getParent();
    }
    String sk = scanner.key(s);
    byte[] sb = bytesOf(s);
    ensurePath(sb.length + 1);
    System.arraycopy(sb, 0, path, 0, sb.length);
    walkDir(s, startDev, startIno, -1, 0, sb.length, ascii(sb, 0, sb.length), sk == null ? "" : sk + "/", 0, visitor, failOnStart);
  }

  /**
   * Walks one directory whose absolute path bytes are {@code path[0, len)}: opened relative to
   * {@code parentFd} by the name at {@code nameAddress} (NUL-terminated, in the parent's dirent
   * buffer) when {@code parentFd >= 0} and the path is short enough, else by its path.
   */
  private void walkDir(
      Path dir,
      long dev,
      long ino,
      int parentFd,
      long nameAddress,
      int len,
      boolean asciiPath,
      String prefix,
      int depth,
      Visitor visitor,
      boolean failOnError)
      throws IOException {
    dirLen = len;
    path[len] = 0;
    try {
      visitor.directory(dir, dev, ino);
    } catch (TreeScanner.VisitorException e) {
      throw e;
    } catch (IOException e) {
      throw new TreeScanner.VisitorException(e);
    }
    if (failAt.test(dir)) {
      throw new Unsupported(TEST_HOOK);
    }
    Consumer<Path> hook = beforeList;
    if (hook != null) {
      hook.accept(dir);
    }
    int fd;
    try {
      if (parentFd >= 0 && dir.toString().length() < RELATIVE_OPEN_MAX_CHARS) {
        fd = Calls.openat(parentFd, nameAddress, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
      } else {
        fd = Calls.openat(AT_FDCWD, pathZ(len), O_DIRECTORY | O_CLOEXEC, 0);
      }
    } catch (LastErrorException e) {
      IOException x = opening(e, dir);
      if (failOnError) {
        throw x;
      }
      scanner.skipped(dir, x);
      return;
    } catch (NameTooLong e) {
      IOException x = new FileSystemException(dir.toString(), null, "File name too long");
      if (failOnError) {
        throw x;
      }
      scanner.skipped(dir, x);
      return;
    }
    try {
      list(dir, fd, len, asciiPath, prefix, depth, visitor, failOnError);
    } finally {
      try {
        Calls.close(fd);
      } catch (LastErrorException ignored) {
        // nothing to do: the descriptor is released anyway
      }
    }
  }

  private void list(
      Path dir, int fd, int len, boolean asciiPath, String prefix, int depth, Visitor visitor, boolean failOnError)
      throws IOException {
    ByteBuffer buf = dirents(depth);
    long bufAddress = address(buf);
    int keyStart = rootBytes.length == 1 ? 1 : rootBytes.length + 1; // the key's first byte in path
    // path[len] is '/' and the entry's name follows it while an entry is looked at
    int nameOff = len == 1 && path[0] == '/' ? 1 : len + 1;
    while (true) {
      long n;
      try {
        n = Calls.getdents64(fd, bufAddress, DIRENT_BYTES);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == EINVAL || e.getErrorCode() == ENOSYS) {
          throw new Unsupported("getdents64 of " + dir + ": " + e.getMessage());
        }
        IOException x = translate(e, dir);
        if (failOnError) {
          throw x;
        }
        scanner.skipped(dir, x);
        return;
      }
      if (n <= 0) {
        return;
      }
      for (int off = 0; off < n; ) {
        int reclen = buf.getShort(off + 16) & 0xffff;
        int type = buf.get(off + 18) & 0xff;
        int nameStart = off + 19;
        long nameAddress = bufAddress + nameStart;
        // the record's name (NUL-padded) copied in one go after the directory's path, scanned there
        int max = reclen - 19;
        off += reclen;
        ensurePath(nameOff + max + 1);
        byte[] b = path;
        buf.get(nameStart, b, nameOff, max);
        int nl = 0;
        boolean asciiName = true;
        for (int i = nameOff, end = nameOff + max; i < end && b[i] != 0; i++, nl++) {
          asciiName &= b[i] >= 0;
        }
        if (nl == 0 || b[nameOff] == '.' && (nl == 1 || nl == 2 && b[nameOff + 1] == '.')) {
          continue;
        }
        entry(dir, fd, nl, asciiName, nameAddress, type, len, nameOff, keyStart, asciiPath, prefix, depth, visitor);
      }
    }
  }

  /** One entry of a listing (its name at {@code path[nameOff, +nl)}, and at {@code nameAddress}). */
  private void entry(
      Path dir,
      int fd,
      int nl,
      boolean asciiName,
      long nameAddress,
      int type,
      int len,
      int nameOff,
      int keyStart,
      boolean asciiPath,
      String prefix,
      int depth,
      Visitor visitor)
      throws IOException {
    path[nameOff - 1] = '/';
    boolean plain = asciiPath && asciiName && ASCII_SAFE;
    String key =
        plain
            ? new String(path, keyStart, nameOff + nl - keyStart, StandardCharsets.ISO_8859_1)
            : prefix + new String(path, nameOff, nl, CHARSET);
    entryDir = dir;
    entryNameOff = nameOff;
    entryNameLen = nl;
    entryAscii = asciiName;
    entryPlain = plain;
    // d_type spares the stat of what is left out anyway
    if (type == DT_DIR) {
      if (!recursive || scanner.prunes(key)) {
        return;
      }
    } else if (type != DT_UNKNOWN && (type != DT_LNK || !followLinks) && !scanner.inScope(key)) {
      return;
    }
    try {
      Calls.statx(fd, nameAddress, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MASK, statAddress);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == ENOENT) {
        return; // gone since the listing
      }
      if (e.getErrorCode() == EINVAL || e.getErrorCode() == ENOSYS) {
        throw new Unsupported("statx in " + dir + ": " + e.getMessage());
      }
      scanner.skipped(entryPath(), translate(e, entryPath()));
      return;
    }
    int mode = stat.getShort(28) & S_IFMT;
    long dv = dev(stat);
    long in = stat.getLong(32);
    long size = stat.getLong(40);
    long mtime = mtimeNanos(stat.getLong(112), stat.getInt(120) & 0xffffffffL);
    boolean link = mode == S_IFLNK;
    if (link && followLinks) {
      // the target's attributes, by the link's whole path (as the scanner reads them)
      try {
        Calls.statx(AT_FDCWD, pathZ(nameOff + nl), AT_NO_AUTOMOUNT, STATX_MASK, statAddress);
        mode = stat.getShort(28) & S_IFMT;
        dv = dev(stat);
        in = stat.getLong(32);
        size = stat.getLong(40);
        mtime = mtimeNanos(stat.getLong(112), stat.getInt(120) & 0xffffffffL);
      } catch (LastErrorException | NameTooLong dangling) {
        // report the dangling link itself, with its lstat's values
      }
    }
    if (mode == S_IFDIR) {
      if (!recursive || scanner.prunes(key)) {
        return;
      }
      if (hasAncestor(dv, in)) {
        scanner.skipped(entryPath(), new IOException("symbolic link loop, not followed"));
        return;
      }
      Path sub = child(dir, path, nameOff, nl, asciiName);
      pushAncestor(dv, in);
      try {
        walkDir(sub, dv, in, link ? -1 : fd, nameAddress, nameOff + nl, asciiPath && asciiName, key + "/", depth + 1, visitor, false);
      } finally {
        ancestorCount -= 2;
        dirLen = len;
        path[len] = 0;
      }
      return;
    }
    if (!scanner.inScope(key)) {
      return;
    }
    try {
      visitor.file(key, size, mtime, dv, in);
    } catch (TreeScanner.VisitorException e) {
      throw e;
    } catch (IOException e) {
      throw new TreeScanner.VisitorException(e);
    }
  }

  /**
   * One entry's state as {@link TreeScanner#stat(Path, boolean[])} reads it, by one {@code statx}
   * (its {@code lstat}; the target's too when links are followed and it is one): size, time and a
   * {@link PackedKey}, without the JDK's attribute objects. Null when it is gone or a directory;
   * any other failure, or a path too long for the buffer, asks the scanner instead (the same
   * answer, the JDK's way). On the walk's thread, outside a walk.
   *
   * @param file the entry's absolute path
   * @param link where to set element 0 to whether the entry is a symbolic link (left alone when
   *     it cannot be read); null: not asked
   * @return its state, or null
   */
  public @Nullable FileState stat(Path file, boolean @Nullable [] link) {
    byte[] b = bytesOf(file);
    if (b.length + 1 > PATH_BYTES || !available()) {
      return scanner.stat(file, link);
    }
    pathBuf.put(0, b, 0, b.length).put(b.length, (byte) 0);
    try {
      Calls.statx(AT_FDCWD, pathAddress, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MASK, statAddress);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == ENOENT || e.getErrorCode() == ENOTDIR) {
        return null; // gone
      }
      return scanner.stat(file, link);
    }
    int mode = stat.getShort(28) & S_IFMT;
    if (link != null) {
      link[0] = mode == S_IFLNK;
    }
    if (mode == S_IFLNK && followLinks) {
      try {
        Calls.statx(AT_FDCWD, pathAddress, AT_NO_AUTOMOUNT, STATX_MASK, statAddress);
      } catch (LastErrorException dangling) {
        // a dangling link is reported as the link itself: its lstat again
        try {
          Calls.statx(AT_FDCWD, pathAddress, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MASK, statAddress);
        } catch (LastErrorException gone) {
          return null;
        }
      }
      mode = stat.getShort(28) & S_IFMT;
    }
    if (mode == S_IFDIR) {
      return null;
    }
    long mtime = mtimeNanos(stat.getLong(112), stat.getInt(120) & 0xffffffffL);
    return new FileState(file, stat.getLong(40), mtime, null, new PackedKey(dev(stat), stat.getLong(32)));
  }

  /** The time as the JDK's {@code lastModifiedTime().to(NANOSECONDS)} has it (saturating). */
  static long mtimeNanos(long sec, long nsec) {
    try {
      return Math.addExact(Math.multiplyExact(sec, 1_000_000_000L), nsec);
    } catch (ArithmeticException e) {
      return sec < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** {@code st_dev}: glibc's {@code makedev} of statx's major and minor. */
  static long dev(ByteBuffer st) {
    long major = st.getInt(136) & 0xffffffffL;
    long minor = st.getInt(140) & 0xffffffffL;
    return ((major & 0x00000fffL) << 8)
        | ((major & 0xfffff000L) << 32)
        | (minor & 0x000000ffL)
        | ((minor & 0xffffff00L) << 12);
  }

  /**
   * The path of entry {@code b[off, +len)} of {@code dir}: resolved by its text when that encodes
   * back to the same bytes, else found in a listing of {@code dir} (the JDK's path, with the raw
   * bytes).
   *
   * @param dir the directory
   * @param b the bytes holding the name
   * @param off where the name starts
   * @param len its length
   * @param ascii whether every byte of the name is ASCII
   * @return the entry's path
   */
  public static Path child(Path dir, byte[] b, int off, int len, boolean ascii) {
    if (ascii && ASCII_SAFE) {
      return dir.resolve(new String(b, off, len, StandardCharsets.ISO_8859_1));
    }
    String name = new String(b, off, len, CHARSET);
    if (Arrays.equals(name.getBytes(CHARSET), Arrays.copyOfRange(b, off, off + len))) {
      return dir.resolve(name);
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path e : entries) {
        if (e.getFileName().toString().equals(name)) {
          return e;
        }
      }
    } catch (IOException | RuntimeException e) {
      // the directory is gone
    }
    return dir.resolve(name);
  }

  /** {@code path[0, len)} NUL-terminated in the path buffer; its address. */
  private long pathZ(int len) {
    if (len + 1 > PATH_BYTES) {
      throw new NameTooLong();
    }
    pathBuf.put(0, path, 0, len).put(len, (byte) 0);
    return pathAddress;
  }

  /** A path too long for the buffer (far beyond PATH_MAX): the kernel's ENAMETOOLONG, unasked. */
  private static final class NameTooLong extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NameTooLong() {
      super("File name too long", null, false, false);
    }
  }

  private void ensurePath(int n) {
    if (n > path.length) {
      path = Arrays.copyOf(path, Math.max(n, path.length * 2));
    }
  }

  private ByteBuffer dirents(int depth) {
    while (dirents.size() <= depth) {
      dirents.add(direct(DIRENT_BYTES));
    }
    return dirents.get(depth);
  }

  private void pushAncestor(long dv, long in) {
    if (ancestorCount + 2 > ancestors.length) {
      ancestors = Arrays.copyOf(ancestors, ancestors.length * 2);
    }
    ancestors[ancestorCount++] = dv;
    ancestors[ancestorCount++] = in;
  }

  private boolean hasAncestor(long dv, long in) {
    for (int i = 0; i < ancestorCount; i += 2) {
      if (ancestors[i + 1] == in && ancestors[i] == dv) {
        return true;
      }
    }
    return false;
  }

  private static boolean ascii(byte[] b, int off, int len) {
    for (int i = off; i < off + len; i++) {
      if (b[i] < 0) {
        return false;
      }
    }
    return true;
  }

  /** As the JDK's directory stream translates a failed open. */
  private static IOException opening(LastErrorException e, Path dir) {
    if (e.getErrorCode() == EINVAL || e.getErrorCode() == ENOSYS) {
      throw new Unsupported("openat of " + dir + ": " + e.getMessage());
    }
    if (e.getErrorCode() == ENOTDIR) {
      return new NotDirectoryException(dir.toString());
    }
    return translate(e, dir);
  }

  /** As the JDK's {@code UnixException.translateToIOException}. */
  static IOException translate(LastErrorException e, Path file) {
    String reason = String.valueOf(e.getMessage()).replaceFirst("^\\[\\d+\\]\\s*", "");
    switch (e.getErrorCode()) {
      case EACCES:
        return new AccessDeniedException(file.toString(), null, null);
      case ENOENT:
        return new NoSuchFileException(file.toString(), null, null);
      case ELOOP:
        return new FileSystemException(file.toString(), null, reason + " or unable to access attributes of symbolic link");
      default:
        return new FileSystemException(file.toString(), null, reason);
    }
  }

  private static ByteBuffer direct(int n) {
    return ByteBuffer.allocateDirect(n).order(ByteOrder.nativeOrder());
  }

  private static long address(ByteBuffer b) {
    return Pointer.nativeValue(Native.getDirectBufferPointer(b));
  }

  private static Charset pathCharset() {
    try {
      return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
    } catch (RuntimeException e) {
      return StandardCharsets.UTF_8;
    }
  }

  @Override
  public String toString() {
    return "NativeWalk[" + root + (recursive ? "" : ", not recursive") + (followLinks ? ", following links" : "") + "]";
  }
}
