package io.changeflux.fs.internal;

import io.changeflux.files.TreeScanner;
import io.methvin.watcher.DirectoryChangeEvent;
import io.methvin.watcher.DirectoryChangeListener;
import io.methvin.watcher.DirectoryWatcher;
import io.methvin.watcher.visitor.FileTreeVisitor;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapter to directory-watcher, and every workaround for it in one place: its thread only puts
 * raw events into a bounded queue (never blocking); an OVERFLOW, a full queue or any exception it
 * reports (0.19.1 turns the kernel's OVERFLOW into a NullPointerException in {@code onException})
 * sets one flag; its double walk at start on Linux is cut to one, and the registration walk's
 * listing is kept as the tree's snapshot; a restart bumps a generation so that the old watcher's
 * late events are ignored.
 */
final class NativeWatch implements WatchEngine {

  private static final Logger log = LoggerFactory.getLogger(NativeWatch.class);
  private static final Logger dwLog = LoggerFactory.getLogger(DirectoryWatcher.class);

  /** Capacity of the hand-off queue between directory-watcher's thread and the watch's thread. */
  static final int QUEUE_CAPACITY = 16_384;

  private static final boolean LINUX =
      System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux");
  private static final int LISTING_WALK = 1;
  private static final int REGISTRATION_WALK = 2;

  /** Test hook: native watching of a root for which this returns true fails at start. */
  static volatile Predicate<Path> failNativeStart = p -> false;

  /**
   * Test hook: registering a watch on a directory for which this returns true fails as if the
   * inotify watch limit were reached.
   */
  static volatile Predicate<Path> failRegister = p -> false;

  /**
   * Test hook: runs on the thread that produces raw events before each hand-off, to hold it up
   * (directory-watcher's thread; with the native engine, the watch's own thread before it takes a
   * batch it read).
   */
  static volatile @Nullable Runnable beforeHandOff;

  /**
   * One raw notification. {@code from}: for a CREATE, the path the entry was renamed from (an
   * engine that pairs renames exactly), else null. {@code flags}: {@link #CLOSE_WRITE}, {@link
   * #NOT_A_MOVE}.
   */
  record Raw(DirectoryChangeEvent.EventType type, Path path, boolean dir, @Nullable Path from, int flags) {
    /** A MODIFY that is the close of a file opened for writing, not a write. */
    static final int CLOSE_WRITE = 1;

    /** A DELETE known not to be half of a rename (the entry was unlinked). */
    static final int NOT_A_MOVE = 2;

    Raw(DirectoryChangeEvent.EventType type, Path path, boolean dir) {
      this(type, path, dir, null, 0);
    }

    boolean has(int flag) {
      return (flags & flag) != 0;
    }
  }

  /** The tree as a registration walk listed it. */
  record Snapshot(FileTable files) {}

  private final FsConfig config;
  private final TreeScanner scanner;
  private final BiConsumer<Path, Object> onRegistered;
  private final int id;
  private final BlockingQueue<Raw> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
  private final AtomicBoolean overflow = new AtomicBoolean();
  private final AtomicInteger generation = new AtomicInteger();
  private volatile boolean cancelled;
  private volatile @Nullable Throwable broken;
  private volatile boolean ended;
  private volatile @Nullable DirectoryWatcher watcher;
  // The registration walk's listing (see start); only the starting thread touches these.
  private volatile boolean recording;
  private int rootWalks;
  private @Nullable Snapshot walkSnapshot;
  private @Nullable Snapshot registration;

  /**
   * @param onRegistered called (on whichever thread registers it) with every directory that gets a
   *     watch and its file key
   */
  NativeWatch(FsConfig config, TreeScanner scanner, BiConsumer<Path, Object> onRegistered, int id) {
    this.config = config;
    this.scanner = scanner;
    this.onRegistered = onRegistered;
    this.id = id;
  }

  @Override
  public String name() {
    return "portable";
  }

  /**
   * Starts (or restarts) directory-watcher; every directory is registered when this returns.
   * Returns null on success, or why it failed.
   */
  public @Nullable String start() {
    int gen = generation.incrementAndGet();
    DirectoryWatcher w = null;
    registration = null;
    rootWalks = 0;
    recording = LINUX;
    try {
      if (failNativeStart.test(config.root())) {
        throw new IOException("native watching disabled for this path by a test");
      }
      w =
          DirectoryWatcher.builder()
              .path(config.root())
              .listener(new Listener(gen))
              .fileHasher(config.hash() ? new WatcherFileHasher(config.root(), config.followLinks()) : null)
              .fileTreeVisitor(visitor())
              .logger(dwLog)
              .build();
      CompletableFuture<Void> done =
          w.watchAsync(
              task -> {
                Thread t = new Thread(task, "changeflux-fs-watcher-" + id);
                t.setDaemon(true);
                t.start();
              });
      recording = false;
      if (done.isCompletedExceptionally()) {
        try {
          done.get();
        } catch (ExecutionException e) {
          throw e.getCause();
        }
      }
      if (rootWalks == REGISTRATION_WALK) {
        registration = walkSnapshot;
      }
      walkSnapshot = null;
      DirectoryWatcher old = watcher;
      watcher = w;
      if (old != null) {
        close(old);
      }
      done.whenComplete(
          (v, t) -> {
            if (gen == generation.get() && !cancelled) {
              ended = true;
            }
          });
      if (cancelled) {
        close();
      }
      return null;
    } catch (Throwable t) {
      recording = false;
      walkSnapshot = null;
      if (w != null) {
        close(w);
      }
      return FsWatch.describe(t);
    }
  }

  /**
   * What the last {@link #start()}'s registration walk listed (on Linux: each directory is listed
   * after its watch is registered, so the listing and the events that follow miss nothing), once;
   * null where there was none.
   */
  public @Nullable Snapshot takeRegistration() {
    Snapshot s = registration;
    registration = null;
    return s;
  }

  /** The next raw event, waiting at most {@code millis}; null when none came. */
  public @Nullable Raw poll(long millis) throws InterruptedException {
    return queue.poll(millis, TimeUnit.MILLISECONDS);
  }

  /** Whether events were lost since the last call (clears the flag). */
  public boolean takeOverflow() {
    return overflow.getAndSet(false);
  }

  /** Marks events as lost (an event the watch cannot interpret). */
  public void lost() {
    overflow.set(true);
  }

  /** Drops every queued event (a rescan covers them); returns how many. */
  public int dropQueued() {
    int n = queue.size();
    queue.clear();
    return n;
  }

  /** Why native watching cannot go on (the watch limit was reached), once; null when it can. */
  public @Nullable Throwable takeBroken() {
    Throwable b = broken;
    broken = null;
    return b;
  }

  /** Marks native watching as broken for the reason given. */
  public void broken(String why) {
    broken = new FsWatch.NativeFailure(why);
  }

  /** Whether the watcher stopped on its own since the last call (clears the flag). */
  public boolean takeEnded() {
    boolean e = ended;
    ended = false;
    return e;
  }

  /** Closes the current watcher (its late events are ignored). */
  public void close() {
    generation.incrementAndGet();
    DirectoryWatcher w = watcher;
    watcher = null;
    if (w != null) {
      close(w);
    }
  }

  /** Closes for good. */
  public void cancel() {
    cancelled = true;
    close();
  }

  private void close(DirectoryWatcher w) {
    try {
      w.close();
    } catch (IOException | RuntimeException e) {
      log.debug("{}: closing the watcher: {}", config.source(), e.toString());
    }
  }

  private FileTreeVisitor visitor() {
    return (start, onDirectory, onFile) -> {
      // directory-watcher 0.19.1 walks the root twice while it starts on Linux (no FILE_TREE
      // modifier): to list directories, then to register them. Keep what the second walk lists.
      int walk = recording && start.equals(config.root()) ? ++rootWalks : 0;
      if (walk == LISTING_WALK && !config.hash() && !config.followLinks()) {
        // The first walk only fills directory-watcher's set of directories, which without hashing
        // serves one thing: the isDirectory flag of MODIFY and DELETE events, which this watch
        // does not use (a DELETE removes the key's whole subtree; a MODIFY of a directory stats
        // to nothing). Skipping it saves a stat of every entry in the tree before ready. (Should
        // a later directory-watcher walk once, this would skip the registration: the tests of
        // events in sub-directories that exist at start would fail.)
        onDirectory.call(start);
        return;
      }
      // Directories are recorded (by file key) only by a walk that registers them: the library's
      // walks other than the listing one, i.e. the registration at start and each new directory.
      boolean registers = walk != LISTING_WALK;
      boolean record = walk == REGISTRATION_WALK;
      FileTable files = record ? new FileTable(scanner.root()) : null;
      walk(start, onDirectory, onFile, files, registers);
      if (files != null) { // record
        walkSnapshot = new Snapshot(files);
      }
    };
  }

  private void walk(
      Path start,
      FileTreeVisitor.Callback onDirectory,
      FileTreeVisitor.Callback onFile,
      @Nullable FileTable files,
      boolean registers)
      throws IOException {
    scanner.walk(
        start,
        new TreeScanner.Visitor() {
          @Override
          public void directory(Path dir) {}

          @Override
          public void directory(Path dir, @Nullable Object fileKey) throws IOException {
            if (registers) {
              // Recorded before the attempt: a directory that cannot be watched is still known,
              // so that it does not make every rescan restart the watcher.
              onRegistered.accept(dir, fileKey);
            }
            try {
              if (failRegister.test(dir)) {
                throw new IOException("User limit of inotify watches reached (test hook)");
              }
              onDirectory.call(dir);
            } catch (IOException e) {
              if (FsWatch.isWatchLimit(e) || dir.equals(config.root())) {
                throw e;
              }
              log.warn("{}: not watching {}: {}", config.source(), dir, FsWatch.describe(e));
            }
          }

          @Override
          public void file(Path file, String key, BasicFileAttributes attrs) throws IOException {
            if (files != null) {
              files.add(key, attrs);
            }
            onFile.call(file);
          }
        },
        start.equals(config.root()));
  }

  private final class Listener implements DirectoryChangeListener {
    private final int gen;

    Listener(int gen) {
      this.gen = gen;
    }

    @Override
    public void onEvent(DirectoryChangeEvent e) {
      if (gen != generation.get()) {
        return;
      }
      Runnable hook = beforeHandOff;
      if (hook != null) {
        hook.run();
      }
      if (e.eventType() == DirectoryChangeEvent.EventType.OVERFLOW || e.path() == null) {
        overflow.set(true);
      } else if (!queue.offer(new Raw(e.eventType(), e.path(), e.isDirectory()))) {
        overflow.set(true); // never block the watcher thread: the rescan will catch up
      }
    }

    @Override
    public void onException(Exception e) {
      if (gen != generation.get()) {
        return;
      }
      // 0.19.1 reports the kernel's OVERFLOW as a NullPointerException here; any other failure
      // may also have lost events. Either way: rescan.
      log.debug("{}: watcher reported {}; rescanning", config.source(), e.toString());
      if (FsWatch.isWatchLimit(e)) {
        broken = e;
      }
      overflow.set(true);
    }

    @Override
    public boolean isWatching() {
      return !cancelled && gen == generation.get();
    }
  }
}
