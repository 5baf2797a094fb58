package io.changeflux.fs.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import io.changeflux.poll.internal.DirectoryPoller;
import io.changeflux.poll.internal.FileState;
import io.changeflux.poll.internal.PollConfig;
import io.changeflux.poll.internal.TreeScanner;
import io.changeflux.spi.Readiness;
import io.methvin.watcher.DirectoryChangeEvent;
import io.methvin.watcher.DirectoryChangeListener;
import io.methvin.watcher.DirectoryWatcher;
import io.methvin.watcher.visitor.FileTreeVisitor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.FluxSink;

/**
 * One subscription's watch: directory-watcher's thread hands raw events to a bounded queue, and
 * this watch's own thread turns them into {@link ChangeEvent}s against the last known state of the
 * tree (path → size + mtime).
 *
 * <p>Overflow is safe whatever the library does: a full hand-off queue, an OVERFLOW event, or any
 * exception the library reports (directory-watcher 0.19.1 turns the kernel's OVERFLOW into a
 * NullPointerException in {@code onException}) sets one flag; the watch thread then emits one
 * OVERFLOW event, rescans the tree, re-registers watches if directories appeared unseen, and emits
 * CREATED/MODIFIED/DELETED for every difference from the last known state.
 */
public final class FsWatch {

  private static final Logger log = LoggerFactory.getLogger(FsWatch.class);
  private static final Logger dwLog = LoggerFactory.getLogger(DirectoryWatcher.class);
  private static final AtomicInteger IDS = new AtomicInteger();

  /** Capacity of the hand-off queue between directory-watcher's thread and this watch's thread. */
  static final int QUEUE_CAPACITY = 16_384;

  private static final boolean LINUX =
      System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux");
  private static final int LISTING_WALK = 1;
  private static final int REGISTRATION_WALK = 2;
  private static final long ROOT_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** Test hook: native watching of a root for which this returns true fails at start. */
  static volatile Predicate<Path> failNativeStart = p -> false;

  /**
   * Test hook: registering a watch on a directory for which this returns true fails as if the
   * inotify watch limit were reached.
   */
  static volatile Predicate<Path> failRegister = p -> false;

  /** Test hook: runs on the watcher thread before each hand-off (to hold the thread up). */
  static volatile Runnable beforeHandOff;

  private final FsConfig config;
  private final FluxSink<ChangeEvent> sink;
  private final TreeScanner scanner;
  private final BlockingQueue<Raw> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
  private final AtomicBoolean overflow = new AtomicBoolean();
  // A followed link to a directory appeared: rescan (and re-register) without announcing a loss.
  private boolean rescan;
  private final AtomicInteger generation = new AtomicInteger();
  private final int id = IDS.incrementAndGet();
  private final Thread thread;
  private volatile boolean cancelled;
  private volatile Throwable nativeBroken;
  private volatile boolean watcherEnded;
  private volatile DirectoryWatcher watcher;
  private volatile DirectoryPoller poller;
  private TreeMap<String, FileState> state = new TreeMap<>();
  private volatile Object rootKey;
  private long lastRootCheck = System.nanoTime();
  // The tree as the registration walk saw it (see startNative); null when there was none.
  private volatile boolean recording;
  private int rootWalks;
  private TreeMap<String, FileState> walkState;
  private Set<Path> walkDirs;
  private TreeMap<String, FileState> registrationState;
  private Set<Path> registrationDirs;
  private final Set<Path> knownDirs = new HashSet<>();
  private boolean signalled;

  private record Raw(DirectoryChangeEvent.EventType type, Path path, boolean dir) {}

  /** A watch that reports to {@code sink}; nothing runs until {@link #start()}. */
  public FsWatch(FsConfig config, FluxSink<ChangeEvent> sink) {
    this.config = config;
    this.sink = sink;
    this.scanner = new TreeScanner(config.root(), config.recursive(), config.followLinks());
    this.thread = new Thread(this::run, "changeflux-fs-" + id);
    this.thread.setDaemon(true);
  }

  /** Starts the watch thread. */
  public void start() {
    thread.start();
  }

  /** Stops everything this watch opened: the watch thread, the watcher thread, every watch. */
  public void cancel() {
    cancelled = true;
    closeNative();
    DirectoryPoller p = poller;
    if (p != null) {
      p.cancel();
    }
    thread.interrupt();
  }

  private void run() {
    try {
      // A root that appears after subscription: everything in it is new.
      boolean rootWasMissing = !Files.isDirectory(config.root());
      if (!"poll".equals(config.fallback()) && !awaitRootAtStart()) {
        return;
      }
      if ("poll".equals(config.fallback())) {
        switchToPoll("fallback=poll", null);
        return;
      }
      String failure = startNative();
      if (failure != null) {
        if ("none".equals(config.fallback())) {
          fail(
              "cannot watch "
                  + config.root()
                  + " natively: "
                  + failure
                  + " (fallback=none; use fallback=auto to poll instead)");
        } else {
          switchToPoll(failure, null);
        }
        return;
      }
      Set<Path> dirs = new HashSet<>();
      try {
        state = scanAfterStart(dirs);
      } catch (NoSuchFileException | NotDirectoryException e) {
        watcherEnded = true; // handled below as a deleted root
      }
      knownDirs.addAll(dirs);
      if (config.initial() || rootWasMissing) {
        for (Map.Entry<String, FileState> e : state.entrySet()) {
          emit(ChangeKind.CREATED, e.getKey(), e.getValue().path());
        }
      }
      ready();
      loop();
    } catch (InterruptedException e) {
      // cancelled
    } catch (Throwable t) {
      if (!cancelled) {
        log.error("{}: watch failed: {}", config.source(), t.toString(), t);
        sink.error(
            new ChangeSourceException(config.source() + ": watch failed: " + t, t));
      }
    } finally {
      if (poller == null) {
        closeNative();
      }
    }
  }

  /** Waits for a missing root when awaited; false when cancelled or failed. */
  private boolean awaitRootAtStart() throws InterruptedException {
    if (Files.isDirectory(config.root())) {
      return true;
    }
    if (!config.awaitRoot()) {
      fail(
          Files.exists(config.root())
              ? "not a directory: " + config.root()
              : "no such directory: " + config.root());
      return false;
    }
    log.info("{}: waiting for {} to appear", config.source(), config.root());
    ready();
    return waitForRoot();
  }

  private boolean waitForRoot() throws InterruptedException {
    while (!cancelled) {
      if (Files.isDirectory(config.root())) {
        return true;
      }
      Thread.sleep(Math.max(10, config.pollInterval().toMillis()));
    }
    return false;
  }

  private void loop() throws InterruptedException, IOException {
    while (!cancelled) {
      if (overflow.getAndSet(false)) {
        handleOverflow(true);
        continue;
      }
      if (rescan) {
        rescan = false;
        handleOverflow(false);
        continue;
      }
      Throwable broken = nativeBroken;
      if (broken != null) {
        nativeBroken = null;
        if ("none".equals(config.fallback())) {
          fail("native watching stopped: " + describe(broken) + " (fallback=none)");
          return;
        }
        emitOverflow("fallback");
        switchToPoll(describe(broken), state);
        return;
      }
      Raw r = queue.poll(100, TimeUnit.MILLISECONDS);
      if (r != null) {
        process(r);
      } else if ((watcherEnded || rootMovedOrReplaced()) && !handleEnd()) {
        return;
      }
    }
  }

  private void process(Raw r) {
    String key = scanner.key(r.path());
    if (key == null) {
      return;
    }
    switch (r.type()) {
      case CREATE:
      case MODIFY:
        if (r.dir()) {
          knownDirs.add(r.path());
          return;
        }
        if (!scanner.inScope(key)) {
          return;
        }
        FileState f = scanner.stat(r.path());
        if (f == null) {
          // Gone already, or a directory. A new link to a directory, when links are followed, is
          // not watched by the library (it looks at the link itself): rescan and re-register.
          if (config.followLinks() && config.recursive() && Files.isDirectory(r.path())) {
            rescan = true;
          }
          return;
        }
        FileState prev = state.put(key, f);
        if (prev == null) {
          emit(ChangeKind.CREATED, key, f.path());
        } else if (r.type() == DirectoryChangeEvent.EventType.MODIFY || !prev.sameStat(f)) {
          emit(ChangeKind.MODIFIED, key, f.path());
        }
        return;
      case DELETE:
        knownDirs.remove(r.path());
        for (Map.Entry<String, FileState> e : removeSubtree(key)) {
          emit(ChangeKind.DELETED, e.getKey(), e.getValue().path());
        }
        return;
      default:
        overflow.set(true);
    }
  }

  private List<Map.Entry<String, FileState>> removeSubtree(String key) {
    List<Map.Entry<String, FileState>> removed = new ArrayList<>();
    FileState self = state.remove(key);
    if (self != null) {
      removed.add(Map.entry(key, self));
    }
    SortedMap<String, FileState> below = state.subMap(key + "/", key + "0"); // '0' follows '/'
    if (!below.isEmpty()) {
      // Copy key and value: TreeMap reuses its entry objects while deleting (an inner node takes
      // its successor's key and value), so entries kept from entrySet() change under clear().
      for (Map.Entry<String, FileState> e : below.entrySet()) {
        removed.add(Map.entry(e.getKey(), e.getValue()));
      }
      below.clear();
    }
    return removed;
  }

  /**
   * Rescans the tree, re-registers watches when directories appeared unseen, and emits the
   * differences; {@code lost} events are announced with one OVERFLOW first.
   */
  private void handleOverflow(boolean lost) throws IOException {
    long t0 = System.nanoTime();
    int dropped = 0;
    if (lost) {
      dropped = queue.size();
      queue.clear(); // the rescan below covers everything they said
      emitOverflow("overflow");
    }
    Set<Path> dirs = new HashSet<>();
    TreeMap<String, FileState> now;
    try {
      now = new TreeMap<>(scanner.scan(dirs));
      log.debug("{}: overflow: dropped {} queued events, rescanned {} files in {} ms",
          config.source(), dropped, now.size(), (System.nanoTime() - t0) / 1_000_000);
    } catch (NoSuchFileException | NotDirectoryException e) {
      return; // the root went away: the watcher ends and handleEnd reports it
    }
    if (!knownDirs.containsAll(dirs)) {
      // Directories appeared while events were lost: watch them, then look again so that
      // nothing created in them before their watch was registered is missed.
      log.debug("{}: re-registering watches after overflow", config.source());
      String failure = startNative();
      if (failure != null) {
        nativeBroken = new NativeFailure(failure);
      }
      dirs.clear();
      try {
        now = scanAfterStart(dirs);
      } catch (NoSuchFileException | NotDirectoryException e) {
        return;
      }
    }
    knownDirs.clear();
    knownDirs.addAll(dirs);
    diff(now);
    log.debug("{}: overflow handled in {} ms", config.source(), (System.nanoTime() - t0) / 1_000_000);
  }

  private void diff(TreeMap<String, FileState> now) {
    for (Map.Entry<String, FileState> e : state.entrySet()) {
      if (!now.containsKey(e.getKey())) {
        emit(ChangeKind.DELETED, e.getKey(), e.getValue().path());
      }
    }
    for (Map.Entry<String, FileState> e : now.entrySet()) {
      FileState old = state.get(e.getKey());
      if (old == null) {
        emit(ChangeKind.CREATED, e.getKey(), e.getValue().path());
      } else if (!old.sameStat(e.getValue())) {
        emit(ChangeKind.MODIFIED, e.getKey(), e.getValue().path());
      }
    }
    state = now;
  }

  /**
   * inotify keeps watching a root that was renamed away (the JDK does not ask for IN_MOVE_SELF),
   * so once a second, when idle, check that the root is still the directory that was registered.
   */
  private boolean rootMovedOrReplaced() {
    long now = System.nanoTime();
    if (now - lastRootCheck < ROOT_CHECK_NANOS) {
      return false;
    }
    lastRootCheck = now;
    Object registered = rootKey;
    if (registered == null) {
      return false;
    }
    try {
      return !registered.equals(
          Files.readAttributes(config.root(), BasicFileAttributes.class).fileKey());
    } catch (IOException e) {
      return true;
    }
  }

  /**
   * The watcher stopped on its own, or the root is gone or was replaced: report what went with
   * it, then fail, wait for it, or restart.
   */
  private boolean handleEnd() throws InterruptedException, IOException {
    boolean ended = watcherEnded;
    watcherEnded = false;
    if (cancelled) {
      return false;
    }
    if (!Files.isDirectory(config.root())) {
      for (Map.Entry<String, FileState> e : state.entrySet()) {
        emit(ChangeKind.DELETED, e.getKey(), e.getValue().path());
      }
      state = new TreeMap<>();
      knownDirs.clear();
      closeNative();
      if (!config.awaitRoot()) {
        fail("watched root " + config.root() + " was deleted");
        return false;
      }
      log.warn("{}: watched root {} was deleted; waiting for it to come back", config.source(), config.root());
      if (!waitForRoot()) {
        return false;
      }
      log.info("{}: {} is back", config.source(), config.root());
    } else {
      if (ended) {
        log.warn("{}: the watcher stopped while {} still exists; restarting it", config.source(), config.root());
      } else {
        log.warn("{}: {} was replaced by another directory; watching the new one", config.source(), config.root());
      }
      emitOverflow("restart");
    }
    String failure = startNative();
    if (failure != null) {
      if ("none".equals(config.fallback())) {
        fail("cannot watch " + config.root() + " natively: " + failure + " (fallback=none)");
        return false;
      }
      switchToPoll(failure, state);
      return false;
    }
    Set<Path> dirs = new HashSet<>();
    try {
      diff(scanAfterStart(dirs));
    } catch (NoSuchFileException | NotDirectoryException e) {
      watcherEnded = true;
    }
    knownDirs.addAll(dirs);
    return true;
  }

  /**
   * Starts (or restarts) directory-watcher; the registration is done when this returns. Returns
   * null on success, or why it failed.
   */
  private String startNative() {
    int gen = generation.incrementAndGet();
    DirectoryWatcher w = null;
    registrationState = null;
    rootWalks = 0;
    recording = LINUX;
    try {
      if (failNativeStart.test(config.root())) {
        throw new IOException("native watching disabled for this path by a test");
      }
      rootKey = Files.readAttributes(config.root(), BasicFileAttributes.class).fileKey();
      w =
          DirectoryWatcher.builder()
              .path(config.root())
              .listener(new Listener(gen))
              .fileHasher(config.hash() ? FastHasher.INSTANCE : null)
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
        registrationState = walkState;
        registrationDirs = walkDirs;
      }
      walkState = null;
      walkDirs = null;
      DirectoryWatcher old = watcher;
      watcher = w;
      if (old != null) {
        close(old);
      }
      done.whenComplete(
          (v, t) -> {
            if (gen == generation.get() && !cancelled) {
              watcherEnded = true;
            }
          });
      if (cancelled) {
        closeNative();
      }
      return null;
    } catch (Throwable t) {
      recording = false;
      walkState = null;
      walkDirs = null;
      if (w != null) {
        close(w);
      }
      return describe(t);
    }
  }

  /**
   * The tree right after {@link #startNative()}: on Linux, what its registration walk listed (each
   * directory is listed after its watch is registered, so the listing and the events that follow
   * it miss nothing), which saves a third walk of the tree; elsewhere, a new scan.
   */
  private TreeMap<String, FileState> scanAfterStart(Set<Path> dirs) throws IOException {
    TreeMap<String, FileState> s = registrationState;
    if (s != null) {
      registrationState = null;
      dirs.addAll(registrationDirs);
      registrationDirs = null;
      return s;
    }
    return new TreeMap<>(scanner.scan(dirs));
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
      boolean record = walk == REGISTRATION_WALK;
      TreeMap<String, FileState> files = record ? new TreeMap<>() : null;
      Set<Path> dirs = record ? new HashSet<>() : null;
      walk(start, onDirectory, onFile, files, dirs);
      if (record) {
        walkState = files;
        walkDirs = dirs;
      }
    };
  }

  private void walk(
      Path start,
      FileTreeVisitor.Callback onDirectory,
      FileTreeVisitor.Callback onFile,
      TreeMap<String, FileState> files,
      Set<Path> dirs)
      throws IOException {
    scanner.walk(
            start,
            new TreeScanner.Visitor() {
              @Override
              public void directory(Path dir) throws IOException {
                if (dirs != null) {
                  dirs.add(dir);
                }
                try {
                  if (failRegister.test(dir)) {
                    throw new IOException("User limit of inotify watches reached (test hook)");
                  }
                  onDirectory.call(dir);
                } catch (IOException e) {
                  if (isWatchLimit(e) || dir.equals(config.root())) {
                    throw e;
                  }
                  log.warn("{}: not watching {}: {}", config.source(), dir, describe(e));
                }
              }

              @Override
              public void file(Path file, String key, BasicFileAttributes attrs) throws IOException {
                if (files != null) {
                  files.put(key, TreeScanner.state(file, attrs));
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
      if (isWatchLimit(e)) {
        nativeBroken = e;
      }
      overflow.set(true);
    }

    @Override
    public boolean isWatching() {
      return !cancelled && gen == generation.get();
    }
  }

  private void switchToPoll(String why, TreeMap<String, FileState> baseline) {
    if (!"poll".equals(config.fallback())) {
      log.warn(
          "{}: native watching unavailable ({}); polling every {} instead (fallback=none makes this an error)",
          config.source(),
          why,
          human(config.pollInterval()));
    }
    closeNative();
    PollConfig pc =
        new PollConfig(
            config.root(),
            config.source(),
            config.pollInterval(),
            false,
            config.recursive(),
            config.followLinks(),
            config.initial(),
            config.awaitRoot());
    DirectoryPoller p = new DirectoryPoller(pc, this::emitEvent, sink::error, this::ready);
    poller = p;
    if (cancelled) {
      p.cancel();
      return;
    }
    p.start(baseline);
  }

  private synchronized void ready() {
    if (!signalled) {
      signalled = true;
      Readiness.signal(sink.contextView());
    }
  }

  private void fail(String message) {
    sink.error(new ChangeSourceException(config.source() + ": " + message));
  }

  private void emit(ChangeKind kind, String key, Path path) {
    emitEvent(ChangeEvent.builder(kind, key).source(config.source()).path(path).build());
  }

  /**
   * One OVERFLOW event (key {@code ""}, path = the root) with header {@code reason}: {@code
   * overflow} (events were lost; a rescan follows), {@code restart} (the watcher was restarted;
   * a rescan follows) or {@code fallback} (polling takes over from the last known state).
   */
  private void emitOverflow(String reason) {
    emitEvent(
        ChangeEvent.builder(ChangeKind.OVERFLOW, "")
            .source(config.source())
            .path(config.root())
            .header("reason", reason)
            .build());
  }

  private void emitEvent(ChangeEvent e) {
    if (!cancelled) {
      sink.next(e);
    }
  }

  private void closeNative() {
    generation.incrementAndGet();
    DirectoryWatcher w = watcher;
    watcher = null;
    if (w != null) {
      close(w);
    }
  }

  private void close(DirectoryWatcher w) {
    try {
      w.close();
    } catch (IOException | RuntimeException e) {
      log.debug("{}: closing the watcher: {}", config.source(), e.toString());
    }
  }

  static boolean isWatchLimit(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getMessage();
      if (m != null && m.contains("inotify")) {
        return true;
      }
    }
    return false;
  }

  /** A failure already described in one line. */
  private static final class NativeFailure extends IOException {
    private static final long serialVersionUID = 1L;

    NativeFailure(String message) {
      super(message);
    }
  }

  private static String human(java.time.Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }

  private static String describe(Throwable t) {
    if (t instanceof NativeFailure) {
      return t.getMessage();
    }
    Throwable c = t;
    while ((c instanceof java.io.UncheckedIOException || c instanceof TreeScanner.VisitorException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof IOException) {
      return TreeScanner.describe((IOException) c);
    }
    return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
  }
}
