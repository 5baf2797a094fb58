package io.changeflux.fs.internal;

import org.jspecify.annotations.Nullable;

import com.sun.jna.LastErrorException;
import io.changeflux.files.FileState;
import io.changeflux.files.TreeScanner;
import io.changeflux.files.internal.NativeWalk;
import io.changeflux.files.internal.PackedKey;
import io.methvin.watcher.DirectoryChangeEvent.EventType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The native engine (Linux): inotify read directly, on the watch's own thread — no thread of its
 * own and no hand-off. {@link #poll(long)} blocks in {@code poll()} on the inotify descriptor and
 * an eventfd (written by {@link #close()} from another thread to wake it), reads {@code
 * inotify_event} records into one direct buffer and parses them there into a batch, which the
 * following calls return one by one; names are resolved against a table of watch descriptor →
 * directory, with no {@code WatchKey} and no per-directory queue. Nothing is read while the watch
 * works through a batch, so the kernel's own queue ({@code fs.inotify.max_queued_events}) is the
 * only bound: its {@code IN_Q_OVERFLOW} sets the overflow flag, which the watch turns into its
 * rescan.
 *
 * <p>A new directory (created, or moved in) is registered and listed by this same thread while it
 * parses, before it reads on, so nothing created inside it is missed: each file the listing finds
 * is a CREATE (a duplicate of one the new watch also reports is dropped by the watch, whose tree
 * knows it). {@code IN_MOVED_FROM}/{@code IN_MOVED_TO} are paired by their cookie: the CREATE of a
 * moved entry (and of every file below a moved directory) names the path it came from. A directory
 * moved out of the tree (its {@code IN_MOVED_TO} never comes) has its watches removed. The root's
 * own {@code IN_DELETE_SELF}/{@code IN_MOVE_SELF}/{@code IN_IGNORED} end the watch (the watch's
 * root guard takes it from there).
 *
 * <p>The thread that starts the first session asks once for a short scheduler time slice ({@link
 * Inotify#shortSlice()}): it reads, and delivers to the subscriber, in short bursts, and with the
 * slice a wake-up by an event preempts the thread running on its CPU instead of waiting behind it.
 *
 * <p>The descriptors belong to the thread that started the session (the watch's): only it closes
 * them, so that a descriptor number is never closed (and reused) under a call in progress. {@link
 * #close()} from another thread (a cancel) marks the session closing and wakes that thread, which
 * closes them on its way out of {@code poll()}, or at its next call into the engine.
 *
 * <p>The registration walk at start runs on the caller's thread, each directory listed right after
 * its watch is in place: that listing is the tree's snapshot ({@link #takeRegistration()}).
 */
final class InotifyWatch implements WatchEngine {

  private static final Logger log = LoggerFactory.getLogger(InotifyWatch.class);

  /** Bytes per read(): room for about 2,000 events with short names. */
  static final int BUFFER_BYTES = 64 * 1024;

  /** Cookies of moves waiting for their IN_MOVED_TO (oldest forgotten first). */
  private static final int MAX_MOVES = 4096;

  private static final Charset PATH_CHARSET = pathCharset();

  private final FsConfig config;
  private final TreeScanner scanner;
  private final BiConsumer<Path, Object> onRegistered;
  private final int id;
  private final int mask;
  private final AtomicBoolean overflow = new AtomicBoolean();
  private volatile boolean cancelled;
  private volatile @Nullable Throwable broken;
  private volatile boolean ended;
  private volatile @Nullable Session session;
  /** Sessions closed by another thread, whose descriptors their owner has yet to close. */
  private final List<Session> retired = new ArrayList<>();
  // The watch's thread only.
  private List<NativeWatch.Raw> current = List.of();
  private int next;
  private NativeWatch.@Nullable Snapshot registration;
  private @Nullable ByteBuffer buf;
  private @Nullable ByteBuffer fds;
  /** The native engine's own tree walk (null until first used, or where it cannot run). */
  private @Nullable NativeWalk walk;

  InotifyWatch(FsConfig config, TreeScanner scanner, BiConsumer<Path, Object> onRegistered, int id) {
    this.config = config;
    this.scanner = scanner;
    this.onRegistered = onRegistered;
    this.id = id;
    int m =
        Inotify.IN_CREATE
            | Inotify.IN_MODIFY
            | Inotify.IN_ATTRIB
            | Inotify.IN_DELETE
            | Inotify.IN_MOVED_FROM
            | Inotify.IN_MOVED_TO
            | Inotify.IN_DELETE_SELF
            | Inotify.IN_MOVE_SELF
            | Inotify.IN_ONLYDIR
            | Inotify.IN_EXCL_UNLINK;
    if (!config.stable().isZero()) {
      m |= Inotify.IN_CLOSE_WRITE; // drives stable=: only asked for when used
    }
    if (!config.followLinks()) {
      m |= Inotify.IN_DONT_FOLLOW;
    }
    this.mask = m;
  }

  @Override
  public String name() {
    return "native";
  }

  @Override
  public boolean reportsCloseWrite() {
    return !config.stable().isZero();
  }

  @Override
  public @Nullable String start() {
    registration = null;
    current = List.of();
    next = 0;
    Session old = session;
    session = null;
    if (old != null) {
      old.close();
    }
    closeRetired();
    Session s = null;
    try {
      if (NativeWatch.failNativeStart.test(config.root())) {
        throw new IOException("native watching disabled for this path by a test");
      }
      if (!Inotify.available()) {
        throw new FsWatch.NativeFailure("inotify unavailable: " + Inotify.unavailableReason());
      }
      s = new Session();
      if (!sliceAsked) {
        sliceAsked = true; // once: this thread (the owner) reads every session
        String why = Inotify.shortSlice();
        if (why != null) {
          log.debug("{}: reader thread keeps its time slice: {}", config.source(), why);
        }
      }
      FileTable files = new FileTable(scanner.root());
      s.register(config.root(), files, null, null);
      registration = new NativeWatch.Snapshot(files);
      session = s;
      if (cancelled) {
        close();
      }
      return null;
    } catch (Throwable t) {
      registration = null;
      if (s != null) {
        s.close();
      }
      return FsWatch.describe(t);
    }
  }

  /** The directories the current session watches, as its table holds them (for tests; owner only). */
  List<Path> watchedDirectories() {
    Session s = session;
    return s == null ? List.of() : s.dirs.paths();
  }

  @Override
  public NativeWatch.@Nullable Snapshot takeRegistration() {
    NativeWatch.Snapshot s = registration;
    registration = null;
    return s;
  }

  @Override
  public NativeWatch.@Nullable Raw poll(long millis) throws InterruptedException {
    if (next < current.size()) {
      return current.get(next++);
    }
    current = List.of();
    next = 0;
    closeRetired();
    Session s = session;
    if (s == null || s.closing) {
      if (s != null) {
        s.close();
      }
      // Closed, ended or never started: nothing to wait for (the watch moves on: a restart, the
      // root guard, polling or its end); a short pause keeps an unforeseen caller from spinning.
      if (millis > 0 && !ended) {
        Thread.sleep(Math.min(millis, 10));
      }
      return null;
    }
    List<NativeWatch.Raw> batch = s.read(millis);
    if (batch.isEmpty()) {
      return null;
    }
    current = batch;
    next = 1;
    return batch.get(0);
  }

  /** By the native walk's {@code statx} where it runs (no JDK attribute objects per event). */
  @Override
  public @Nullable FileState stat(TreeScanner scanner, Path file, boolean[] link) {
    NativeWalk w = walker();
    return w != null ? w.stat(file, link) : scanner.stat(file, link);
  }

  @Override
  public boolean takeOverflow() {
    return overflow.getAndSet(false);
  }

  @Override
  public void lost() {
    overflow.set(true);
  }

  @Override
  public int dropQueued() {
    int n = current.size() - next;
    current = List.of();
    next = 0;
    return n;
  }

  @Override
  public @Nullable Throwable takeBroken() {
    Throwable b = broken;
    broken = null;
    return b;
  }

  @Override
  public void broken(String why) {
    broken = new FsWatch.NativeFailure(why);
  }

  /**
   * The current session's inotify descriptor and wake-up eventfd, or none (for tests: a set of
   * {@code /proc/self/fd} entries cannot tell a new descriptor from a closed one whose number it
   * reuses).
   */
  int[] descriptors() {
    Session s = session;
    return s == null ? new int[0] : new int[] {s.fd, s.wakeFd};
  }

  /** Whether a session is open (started, not closed or ended). */
  boolean open() {
    Session s = session;
    return s != null && !s.closing;
  }

  @Override
  public boolean takeEnded() {
    boolean e = ended;
    ended = false;
    return e;
  }

  @Override
  public void close() {
    Session s = session;
    session = null;
    if (s != null) {
      s.close();
    }
    closeRetired();
  }

  /** On the owner's thread: closes the descriptors of sessions another thread closed. */
  private void closeRetired() {
    synchronized (retired) {
      for (Iterator<Session> it = retired.iterator(); it.hasNext(); ) {
        Session r = it.next();
        if (r.closeFdsIfOwner()) {
          it.remove();
        }
      }
    }
  }

  @Override
  public void cancel() {
    cancelled = true;
    close();
  }

  /** The one-line message for the watch limit, naming the sysctl. */
  static String watchLimitMessage() {
    return "the limit of inotify watches is reached (fs.inotify.max_user_watches = "
        + sysctl("max_user_watches")
        + "; raise it with sysctl)";
  }

  /** The one-line message for the instance limit, naming the sysctl. */
  static String instanceLimitMessage() {
    return "the limit of inotify instances or open files is reached (fs.inotify.max_user_instances = "
        + sysctl("max_user_instances")
        + "; raise it with sysctl, or ulimit -n)";
  }

  private static String sysctl(String name) {
    // Not Files.readString: on JDK 17 it reads one byte of a procfs file (whose size is 0).
    try (java.io.InputStream in = Files.newInputStream(Path.of("/proc/sys/fs/inotify", name))) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  private static Charset pathCharset() {
    try {
      return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
    } catch (RuntimeException e) {
      return StandardCharsets.UTF_8;
    }
  }

  /** The native walk, or null where it cannot run (the scanner walks instead); owner thread only. */
  private @Nullable NativeWalk walker() {
    if (!NativeWalk.available()) {
      if (!walkUnavailableLogged) {
        walkUnavailableLogged = true;
        log.debug("{}: walking with the JDK: {}", config.source(), NativeWalk.unavailableReason());
      }
      return null;
    }
    NativeWalk w = walk;
    if (w == null) {
      w = new NativeWalk(scanner);
      walk = w;
    }
    return w;
  }

  private boolean walkUnavailableLogged;

  /** Whether the owner thread asked for a short time slice yet ({@link Inotify#shortSlice()}). */
  private boolean sliceAsked;

  private ByteBuffer readBuffer() {
    ByteBuffer b = buf;
    if (b == null) {
      b = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.nativeOrder());
      buf = b;
    }
    return b;
  }

  /** {@code struct pollfd[2]}: the inotify descriptor, then the eventfd. */
  private ByteBuffer pollFds(Session s) {
    ByteBuffer f = fds;
    if (f == null) {
      f = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
      fds = f;
    }
    return f.putInt(0, s.fd).putShort(4, Inotify.POLLIN).putInt(8, s.wakeFd).putShort(12, Inotify.POLLIN);
  }

  /** One inotify instance: its descriptors and its table of watches, owned by the starting thread. */
  private final class Session {
    final int fd;
    final int wakeFd;
    /** The thread that started it: the only one that reads from and closes the descriptors. */
    final Thread owner = Thread.currentThread();
    /** Watch descriptor → directory (owner only). */
    final WatchTable dirs = new WatchTable();
    /** Cookie → the path an entry was moved from (owner only). */
    final LinkedHashMap<Integer, Path> moves = new LinkedHashMap<>();
    /** Cookie → directory moved from, until its IN_MOVED_TO comes or it left the tree. */
    final LinkedHashMap<Integer, Path> dirMoves = new LinkedHashMap<>();
    int rootWd = -1;
    volatile boolean closing;
    private boolean fdsClosed;
    /** The last read filled half the buffer: more is likely waiting, read again without poll(). */
    private boolean readFirst;

    Session() throws IOException {
      int f;
      try {
        f = Inotify.inotify_init1(Inotify.IN_NONBLOCK | Inotify.IN_CLOEXEC);
      } catch (LastErrorException e) {
        int errno = e.getErrorCode();
        if (errno == Inotify.EMFILE || errno == Inotify.ENFILE) {
          throw new FsWatch.NativeFailure(instanceLimitMessage());
        }
        throw new FsWatch.NativeFailure("inotify_init1 failed: " + e.getMessage());
      }
      int w;
      try {
        w = Inotify.eventfd(0, Inotify.EFD_NONBLOCK | Inotify.EFD_CLOEXEC);
      } catch (LastErrorException e) {
        Inotify.close(f);
        throw new FsWatch.NativeFailure("eventfd failed: " + e.getMessage());
      }
      this.fd = f;
      this.wakeFd = w;
    }

    /**
     * Stops the session: on the owner's thread (or once it is gone) its descriptors are closed at
     * once; from another thread it is marked closing and the owner is woken (it closes them).
     */
    void close() {
      synchronized (this) {
        if (fdsClosed) {
          return;
        }
        closing = true;
        if (Thread.currentThread() == owner || !owner.isAlive()) {
          closeFds();
          return;
        }
      }
      synchronized (retired) {
        retired.add(this);
      }
      ByteBuffer one = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
      one.putLong(0, 1L);
      synchronized (this) {
        if (fdsClosed) {
          return;
        }
        try {
          Inotify.write(wakeFd, one, 8);
        } catch (LastErrorException e) {
          log.debug("{}: waking the inotify reader: {}", config.source(), e.toString());
        }
      }
    }

    /** Closes the descriptors when called by the owner (or it is gone); whether they are closed. */
    synchronized boolean closeFdsIfOwner() {
      if (Thread.currentThread() == owner || !owner.isAlive()) {
        closeFds();
      }
      return fdsClosed;
    }

    private synchronized void closeFds() {
      if (!fdsClosed) {
        fdsClosed = true;
        Inotify.close(fd); // releases every watch at once
        Inotify.close(wakeFd);
      }
    }

    /**
     * Reads and parses what the kernel has, waiting at most {@code millis} for it (owner only);
     * empty when nothing came, or the session ended (closed: its descriptors are closed now; the
     * root gone or the read failed: {@link #takeEnded()} says so).
     */
    List<NativeWatch.Raw> read(long millis) {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, millis));
      try {
        while (!closing) {
          if (!readFirst) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            ByteBuffer f = pollFds(this);
            f.putShort(6, (short) 0).putShort(14, (short) 0);
            int ready;
            try {
              ready = Inotify.poll(f, 2, (int) Math.max(0, Math.min(left, Integer.MAX_VALUE)));
            } catch (LastErrorException e) {
              if (e.getErrorCode() == Inotify.EINTR) {
                continue;
              }
              throw e;
            }
            if (f.getShort(14) != 0 || closing) {
              break; // woken to close
            }
            if (ready == 0 || f.getShort(6) == 0) {
              return List.of(); // time is up
            }
          }
          ByteBuffer b = readBuffer();
          long n;
          try {
            n = Inotify.read(fd, b, BUFFER_BYTES);
          } catch (LastErrorException e) {
            if (e.getErrorCode() == Inotify.EAGAIN || e.getErrorCode() == Inotify.EINTR) {
              readFirst = false;
              continue;
            }
            throw e;
          }
          // A read that filled half the buffer: more is likely waiting, read again at once.
          readFirst = n > BUFFER_BYTES / 2;
          List<NativeWatch.Raw> out = new ArrayList<>((int) (n / 24) + 4);
          boolean rootGone = parse(b, (int) n, out);
          if (!dirMoves.isEmpty() && !readFirst) {
            movedOut();
          }
          if (rootGone) {
            ended = true;
            closing = true;
            closeFds();
            return out;
          }
          if (!out.isEmpty()) {
            Runnable hook = NativeWatch.beforeHandOff;
            if (hook != null) {
              hook.run();
            }
            if (closing) {
              break; // closed while held: the batch goes with the session
            }
            return out;
          }
          if (System.nanoTime() - deadline >= 0 && !readFirst) {
            return List.of();
          }
        }
      } catch (Throwable t) {
        if (!closing) {
          log.warn("{}: reading inotify failed: {}; rescanning", config.source(), t.toString());
          ended = true;
        }
      }
      closing = true;
      closeFds();
      return List.of();
    }

    /** Parses {@code n} bytes of events into {@code out}; true when the root went away. */
    private boolean parse(ByteBuffer buf, int n, List<NativeWatch.Raw> out) {
      boolean rootGone = false;
      int off = 0;
      while (off + 16 <= n) {
        int wd = buf.getInt(off);
        int m = buf.getInt(off + 4);
        int cookie = buf.getInt(off + 8);
        int len = buf.getInt(off + 12);
        int nameOff = off + 16;
        off = nameOff + len;
        if ((m & Inotify.IN_Q_OVERFLOW) != 0) {
          overflow.set(true);
          continue;
        }
        if ((m & Inotify.IN_IGNORED) != 0) {
          dirs.remove(wd);
          rootGone |= wd == rootWd;
          continue;
        }
        Path dir = dirs.get(wd);
        if (dir == null) {
          continue; // a watch already removed
        }
        if ((m & (Inotify.IN_DELETE_SELF | Inotify.IN_MOVE_SELF | Inotify.IN_UNMOUNT)) != 0) {
          rootGone |= wd == rootWd;
          continue;
        }
        if (len == 0) {
          continue; // the watched directory itself (its own attributes): not an entry
        }
        Path p = resolve(dir, buf, nameOff, len);
        if (p == null) {
          continue;
        }
        boolean isDir = (m & Inotify.IN_ISDIR) != 0;
        if ((m & Inotify.IN_CREATE) != 0) {
          if (isDir) {
            newDirectory(p, null, out);
          } else {
            out.add(new NativeWatch.Raw(EventType.CREATE, p, false));
          }
        } else if ((m & Inotify.IN_MOVED_TO) != 0) {
          Path from = cookie == 0 ? null : moves.remove(cookie);
          if (isDir) {
            if (!scanner.pruned(p)) {
              dirMoves.remove(cookie); // else moved to a pruned name: its watches go as if it left
            }
            newDirectory(p, from, out);
          } else {
            out.add(new NativeWatch.Raw(EventType.CREATE, p, false, from, 0));
          }
        } else if ((m & Inotify.IN_MOVED_FROM) != 0) {
          remember(moves, cookie, p);
          if (isDir) {
            remember(dirMoves, cookie, p);
          }
          out.add(new NativeWatch.Raw(EventType.DELETE, p, isDir));
        } else if ((m & Inotify.IN_DELETE) != 0) {
          out.add(new NativeWatch.Raw(EventType.DELETE, p, isDir, null, NativeWatch.Raw.NOT_A_MOVE));
        } else if ((m & (Inotify.IN_MODIFY | Inotify.IN_ATTRIB)) != 0) {
          if (!isDir && !out.isEmpty() && repeats(out.get(out.size() - 1), p)) {
            continue; // the watch stats the file after this whole read: one event says it all
          }
          out.add(new NativeWatch.Raw(EventType.MODIFY, p, isDir));
        } else if ((m & Inotify.IN_CLOSE_WRITE) != 0) {
          out.add(new NativeWatch.Raw(EventType.MODIFY, p, false, null, NativeWatch.Raw.CLOSE_WRITE));
        }
      }
      return rootGone;
    }

    /** Whether {@code last} (a plain CREATE or MODIFY of {@code p}) makes a MODIFY of it redundant. */
    private boolean repeats(NativeWatch.Raw last, Path p) {
      return last.flags() == 0
          && !last.dir()
          && last.type() != EventType.DELETE
          && last.path().equals(p);
    }

    private void remember(LinkedHashMap<Integer, Path> map, int cookie, Path p) {
      map.put(cookie, p);
      if (map.size() > MAX_MOVES) {
        Iterator<Integer> it = map.keySet().iterator();
        it.next();
        it.remove();
      }
    }

    /**
     * Directories moved from without their IN_MOVED_TO in the same read: they left the tree. Their
     * watches (and their sub-directories') go, so that nothing under them is reported by a name
     * they no longer have.
     */
    private void movedOut() {
      for (Path gone : dirMoves.values()) {
        for (int wd : dirs.under(gone)) {
          dirs.remove(wd);
          try {
            Inotify.inotify_rm_watch(fd, wd);
          } catch (LastErrorException ignored) {
            // gone already
          }
        }
      }
      dirMoves.clear();
    }

    /** A directory created or moved in: registered and listed now, before reading on. */
    private void newDirectory(Path p, @Nullable Path from, List<NativeWatch.Raw> out) {
      if (!config.recursive()) {
        return;
      }
      try {
        register(p, null, out, from);
      } catch (IOException | RuntimeException e) {
        if (FsWatch.isWatchLimit(e)) {
          broken = e;
          overflow.set(true);
        } else {
          log.warn("{}: not watching {}: {}", config.source(), p, FsWatch.describe(e));
        }
      }
    }

    /**
     * Registers {@code start} and every directory below it (as the scanner walks them), each
     * listed right after its watch is in place; files go to {@code files} (the start's snapshot)
     * or, as CREATEs, to {@code out} ({@code from}: where a moved directory came from).
     */
    void register(
        Path start,
        @Nullable FileTable files,
        @Nullable List<NativeWatch.Raw> out,
        @Nullable Path from)
        throws IOException {
      boolean atRoot = start.equals(config.root());
      NativeWalk w = walker();
      if (w != null && w.canStart(start)) {
        int mark = out == null ? 0 : out.size();
        try {
          walkNatively(w, start, files, out, from, atRoot);
          return;
        } catch (NativeWalk.Unsupported e) {
          NativeWalk.disable(e);
          if (out != null) {
            out.subList(mark, out.size()).clear(); // the JDK's walk below lists them all again
          }
        }
      }
      scanner.walk(
          start,
          new TreeScanner.Visitor() {
            @Override
            public void directory(Path dir) {}

            @Override
            public void directory(Path dir, @Nullable Object fileKey) throws IOException {
              watchDirectory(dir, fileKey, pathZ(dir));
            }

            @Override
            public void file(Path file, String key, BasicFileAttributes attrs) {
              if (files != null) {
                files.add(key, attrs);
              }
              if (out != null) {
                Path was = from == null ? null : from.resolve(start.relativize(file));
                out.add(new NativeWatch.Raw(EventType.CREATE, file, false, was, 0));
              }
            }
          },
          atRoot);
    }

    /** {@link #register} by the native engine's own walk. */
    private void walkNatively(
        NativeWalk w,
        Path start,
        @Nullable FileTable files,
        @Nullable List<NativeWatch.Raw> out,
        @Nullable Path from,
        boolean atRoot)
        throws IOException {
      w.walk(
          start,
          new NativeWalk.Visitor() {
            @Override
            public void directory(Path dir, long dev, long ino) throws IOException {
              watchDirectory(dir, new PackedKey(dev, ino), w.dirPathZ());
            }

            @Override
            public void file(String key, long size, long mtimeNanos, long dev, long ino) {
              if (files != null) {
                files.add(key, size, mtimeNanos, dev, ino);
              }
              if (out != null) {
                Path file = w.entryPath();
                Path was = from == null ? null : from.resolve(start.relativize(file));
                out.add(new NativeWatch.Raw(EventType.CREATE, file, false, was, 0));
              }
            }
          },
          atRoot);
    }

    /**
     * A directory a walk found (either walk): recorded, then watched by {@code pathZ}, its path
     * NUL-terminated. Failing to watch it is logged, unless it is the root or the watch limit.
     */
    private void watchDirectory(Path dir, @Nullable Object fileKey, byte[] pathZ) throws IOException {
      onRegistered.accept(dir, fileKey);
      try {
        if (NativeWatch.failRegister.test(dir)) {
          throw new FsWatch.NativeFailure(watchLimitMessage() + " (test hook)");
        }
        int wd = addWatch(dir, pathZ);
        dirs.put(wd, dir);
        if (dir.equals(config.root())) {
          rootWd = wd;
        }
      } catch (IOException e) {
        if (FsWatch.isWatchLimit(e) || dir.equals(config.root())) {
          throw e;
        }
        log.warn("{}: not watching {}: {}", config.source(), dir, FsWatch.describe(e));
      }
    }

    /** {@code dir}'s path as the JDK's walk names it, NUL-terminated. */
    private byte[] pathZ(Path dir) {
      byte[] s = dir.toString().getBytes(PATH_CHARSET);
      return Arrays.copyOf(s, s.length + 1);
    }

    /** {@code z}: the directory's path, NUL-terminated. */
    private int addWatch(Path dir, byte[] z) throws IOException {
      try {
        return Inotify.inotify_add_watch(fd, z, mask);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == Inotify.ENOSPC) {
          throw new FsWatch.NativeFailure(watchLimitMessage());
        }
        String reason = String.valueOf(e.getMessage()).replaceFirst("^\\[\\d+\\]\\s*", "");
        if (e.getErrorCode() == 2) {
          throw new NoSuchFileException(dir.toString());
        }
        throw new FileSystemException(dir.toString(), null, reason);
      }
    }

    /** The entry {@code name} (NUL-padded bytes in the buffer) of {@code dir}. */
    private Path resolve(Path dir, ByteBuffer buf, int off, int len) {
      int end = off;
      int limit = off + len;
      boolean ascii = true;
      while (end < limit) {
        byte b = buf.get(end);
        if (b == 0) {
          break;
        }
        ascii &= b > 0;
        end++;
      }
      byte[] bytes = new byte[end - off];
      buf.get(off, bytes, 0, bytes.length);
      return NativeWalk.child(dir, bytes, 0, bytes.length, ascii);
    }
  }
}
