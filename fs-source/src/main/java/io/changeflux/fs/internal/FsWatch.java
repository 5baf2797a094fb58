package io.changeflux.fs.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import io.changeflux.IdempotencyKey;
import io.changeflux.files.FileState;
import io.changeflux.files.TreeScanner;
import io.changeflux.poll.PollConfig;
import io.changeflux.poll.TreePoller;
import io.changeflux.spi.HealthReport;
import io.changeflux.spi.Readiness;
import io.changeflux.state.StateEntry;
import io.changeflux.state.StateStore;
import io.methvin.watcher.DirectoryChangeEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.FluxSink;

/**
 * One subscription's watch: a small state machine over three parts with one job each — the
 * {@link NativeWatch} (directory-watcher and its workarounds), the {@link TreeState} (what was
 * reported: entries by key, directories by identity) and the {@link RootGuard} (the root missing,
 * moved or deleted).
 *
 * <pre>
 *   NATIVE ──events lost / new or re-created directories──▶ RESCAN ──▶ NATIVE
 *   NATIVE ──root gone, replaced, watcher ended──▶ ROOT ──▶ NATIVE | POLL | FAILED
 *   NATIVE ──watch limit reached──▶ POLL (from the last known state) | FAILED (fallback=none)
 * </pre>
 *
 * <p>A rescan emits one OVERFLOW when events were lost, diffs the tree against the last reported
 * state, and restarts the watcher when any directory of the tree is not registered as that same
 * directory (new, or deleted and re-created under the same name, its events lost), scanning again
 * after the restart so that nothing created before the new watches is missed.
 */
public final class FsWatch {

  private static final Logger log = LoggerFactory.getLogger(FsWatch.class);
  private static final AtomicInteger IDS = new AtomicInteger();

  private enum Mode {
    NATIVE,
    RESCAN,
    ROOT,
    POLL,
    FAILED
  }

  private final FsConfig config;
  private final FluxSink<ChangeEvent> sink;
  private final Consumer<ChangeEvent> out;
  /** The stable= gate somewhere behind {@code out}, told when a writer closes a file; or null. */
  private volatile @Nullable StableGate closeWrites;
  private final TreeScanner scanner;
  private final TreeState tree;
  private final WatchEngine nativeWatch;
  private final RootGuard rootGuard;
  private final int id = IDS.incrementAndGet();
  /** With {@code state=}: records acknowledged events, and what was acknowledged before; else null. */
  private final @Nullable StateStore store;
  private final Thread thread;
  private volatile boolean cancelled;
  private volatile @Nullable TreePoller poller;
  private Mode mode = Mode.NATIVE;
  // RESCAN: whether events were lost (announce with OVERFLOW); ROOT: whether the watcher ended.
  private boolean lost;
  private boolean ended;
  private boolean signalled;
  // Renames: DELETED entries held briefly by file key (its text: the tree's keys are packed, a
  // stat's are the platform's), to pair with the CREATE that follows a move.
  private final java.util.LinkedHashMap<Object, PendingDelete> pendingDeletes = new java.util.LinkedHashMap<>();
  private final Map<String, Object> pendingKeys = new HashMap<>();

  /** How long a DELETED waits for the CREATE of the same file elsewhere (a move). */
  static final long MOVE_WINDOW_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(50);

  private static final int MAX_PENDING_DELETES = 10_000;

  private record PendingDelete(String key, FileState state, long since) {}

  private final Pruning pruning;
  /** When the pruning rules last changed (System.nanoTime), 0 when they did not since the last rescan. */
  private long rulesChangedAt;
  /** The next rescan re-registers every directory: the pruning rules changed. */
  private boolean rulesChanged;

  /** How long after the last change of a pruning rule file the tree is registered again. */
  static final long RULES_SETTLE_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100);

  /** A watch that reports to {@code sink}; nothing runs until {@link #start()}. */
  public FsWatch(FsConfig config, FluxSink<ChangeEvent> sink) {
    this(config, sink, sink::next);
  }

  /** A watch whose events go to {@code out} (errors and readiness to {@code sink}). */
  public FsWatch(FsConfig config, FluxSink<ChangeEvent> sink, Consumer<ChangeEvent> out) {
    this(config, sink, out, null);
  }

  /**
   * A watch that resumes from {@code store} ({@code state=}; null: none): the watch is armed
   * first, then the tree is compared with what was acknowledged before and the differences are
   * emitted, then live events; every event carries a handle that advances the store.
   */
  public FsWatch(
      FsConfig config, FluxSink<ChangeEvent> sink, Consumer<ChangeEvent> out, @Nullable StateStore store) {
    this(config, sink, out, store, Pruning.NONE);
  }

  /**
   * Tells {@code gate}, the {@code stable=} gate behind the other stages {@code out} leads through
   * (confirm baseline, gitignore, settle), when a writer closes a file, so that it need not wait
   * out the duration (native engine: {@code IN_CLOSE_WRITE}). Call before {@link #start()}.
   *
   * @param gate the gate, or null for none
   */
  public void closeWritesTo(@Nullable StableGate gate) {
    this.closeWrites = gate;
  }

  /**
   * A watch as above that neither watches nor lists the directories {@code pruning} prunes, and
   * registers the tree again after a change of the rules that decide them.
   */
  public FsWatch(
      FsConfig config,
      FluxSink<ChangeEvent> sink,
      Consumer<ChangeEvent> out,
      @Nullable StateStore store,
      Pruning pruning) {
    this.store = store;
    this.config = config;
    this.sink = sink;
    this.out = out;
    this.pruning = pruning;
    this.scanner =
        new TreeScanner(
            config.root(),
            config.recursive(),
            config.followLinks(),
            pruning.active() ? pruning.dirs() : null,
            pruning.active() ? pruning.files() : null);
    this.tree = new TreeState(scanner.root());
    this.nativeWatch = Engines.create(config, scanner, tree::registered, id);
    this.rootGuard = new RootGuard(config.root(), config.pollInterval().toMillis());
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
    nativeWatch.cancel();
    TreePoller p = poller;
    if (p != null) {
      p.cancel();
    }
    thread.interrupt();
  }

  private void run() {
    try {
      if ("poll".equals(config.fallback())) {
        toPoll("fallback=poll", null);
        return;
      }
      // A root that appears after subscription: everything in it is new.
      boolean rootWasMissing = !rootGuard.present();
      if (!awaitRootAtStart()) {
        return;
      }
      String failure = startNative();
      if (failure != null) {
        nativeUnavailable(failure, null);
        return;
      }
      FileTable now = new FileTable(scanner.root());
      try {
        now = scanAfterStart();
      } catch (NoSuchFileException | NotDirectoryException e) {
        toRoot(true);
      }
      StateStore resuming = store != null && store.status() != StateStore.Status.NEW ? store : null;
      if (resuming != null) {
        // no checkpoint (a write of the whole state) competes with the report of what changed
        resuming.hold();
        resume(resuming, now);
      } else {
        tree.reset(now);
        if (config.initial() || rootWasMissing) {
          FileTable t = tree.files();
          for (String k : t.sortedKeys()) {
            emit(ChangeKind.CREATED, k, Objects.requireNonNull(t.get(k)));
          }
        } else if (store != null) {
          store.baseline(entries(now)); // there before anyone watched: acknowledged as seen
        }
      }
      ready();
      if (resuming != null) {
        resuming.release();
      }
      loop();
    } catch (InterruptedException e) {
      // cancelled
    } catch (ChangeSourceException e) {
      if (!cancelled) {
        sink.error(e); // already one line naming the source (a state file refused with stateMismatch=fail)
      }
    } catch (Throwable t) {
      if (!cancelled) {
        log.error("{}: watch failed: {}", config.source(), t.toString(), t);
        sink.error(new ChangeSourceException(config.source() + ": watch failed: " + t, t));
      }
    } finally {
      if (poller == null) {
        nativeWatch.close();
      }
    }
  }

  private void loop() throws InterruptedException, IOException {
    while (!cancelled) {
      switch (mode) {
        case NATIVE:
          onNative();
          break;
        case RESCAN:
          mode = Mode.NATIVE;
          rescan(lost);
          break;
        case ROOT:
          mode = Mode.NATIVE;
          onRoot(ended);
          break;
        default: // POLL, FAILED: the poller (or nothing) goes on without this thread
          return;
      }
    }
  }

  /** NATIVE: hand raw events to the tree state; move on when anything else happened. */
  private void onNative() throws InterruptedException {
    if (nativeWatch.takeOverflow()) {
      toRescan(true);
      return;
    }
    Throwable broken = nativeWatch.takeBroken();
    if (broken != null) {
      if ("none".equals(config.fallback())) {
        fail("native watching stopped: " + describe(broken) + " (fallback=none)");
        return;
      }
      emitOverflow("fallback");
      toPoll(describe(broken), tree.files().toTreeMap());
      return;
    }
    long wait = 100;
    if (!pendingDeletes.isEmpty()) {
      long oldest = pendingDeletes.values().iterator().next().since();
      wait = Math.max(0, (oldest + MOVE_WINDOW_NANOS - System.nanoTime()) / 1_000_000);
    }
    if (rulesChangedAt != 0) {
      long left = rulesChangedAt + RULES_SETTLE_NANOS - System.nanoTime();
      if (left <= 0) {
        rulesChangedAt = 0;
        rulesChanged = true;
        toRescan(false);
        return;
      }
      wait = Math.min(wait, Math.max(1, left / 1_000_000));
    }
    NativeWatch.Raw r = nativeWatch.poll(wait);
    if (r != null && r.from() != null) {
      // The second half of a rename the engine paired exactly (inotify's cookie): its held DELETE
      // is this CREATE's other half however long this thread was held up since, so pair first.
      process(r);
      flushDeletes(false);
      return;
    }
    flushDeletes(false);
    if (r != null) {
      process(r);
    } else if (nativeWatch.takeEnded()) {
      toRoot(true);
    } else if (rootGuard.movedOrReplaced()) {
      toRoot(false);
    }
  }

  /** Emits the held DELETED entries: all of them, or those whose move window has passed. */
  private void flushDeletes(boolean all) {
    long now = System.nanoTime();
    for (var it = pendingDeletes.values().iterator(); it.hasNext(); ) {
      PendingDelete p = it.next();
      if (!all && now - p.since() < MOVE_WINDOW_NANOS && pendingDeletes.size() <= MAX_PENDING_DELETES) {
        break; // in arrival order: the rest are younger
      }
      it.remove();
      pendingKeys.remove(p.key());
      emit(ChangeKind.DELETED, p.key(), p.state());
    }
  }

  /** Emits a held DELETED for {@code key} now, so that nothing for the key overtakes it. */
  private void flushDelete(String key) {
    Object fk = pendingKeys.remove(key);
    if (fk != null) {
      PendingDelete p = pendingDeletes.remove(fk);
      if (p != null) {
        emit(ChangeKind.DELETED, p.key(), p.state());
      }
    }
  }

  private void toRescan(boolean lostEvents) {
    mode = Mode.RESCAN;
    lost = lostEvents;
  }

  private void toRoot(boolean watcherEnded) {
    mode = Mode.ROOT;
    ended = watcherEnded;
  }

  private void process(NativeWatch.Raw r) {
    String key = scanner.key(r.path());
    if (key == null) {
      return;
    }
    if (pruning.rules().test(key)) {
      rulesChangedAt = System.nanoTime(); // an ignore file: rescan (and re-register) once it settled
    }
    switch (r.type()) {
      case CREATE:
      case MODIFY:
        if (r.dir() || !scanner.inScope(key)) {
          return; // a new directory was registered (and recorded) by the watcher thread
        }
        if (r.has(NativeWatch.Raw.CLOSE_WRITE)) {
          StableGate gate = closeWrites != null ? closeWrites : out instanceof StableGate ? (StableGate) out : null;
          if (gate != null) {
            gate.closed(key); // its writer is done: stable= need not wait
          }
          return;
        }
        boolean[] link = new boolean[1];
        // one lstat: the state and whether it is a link (the native engine's by statx)
        FileState f = nativeWatch.stat(scanner, r.path(), link);
        if (f == null) {
          // Gone already, or a directory. A new link to a directory, when links are followed, is
          // not watched by the library (it looks at the link itself): rescan and re-register.
          if (config.followLinks() && config.recursive() && Files.isDirectory(r.path())) {
            toRescan(false);
          }
          return;
        }
        flushDelete(key);
        FileState prev = tree.put(key, f);
        PendingDelete moved = prev == null ? movedHere(r, f) : null;
        if (moved != null) {
          // A move within the tree: the file that left one key arrived at this one.
          pendingKeys.remove(moved.key());
          emitTracked(
              ChangeEvent.builder(ChangeKind.DELETED, moved.key())
                  .source(config.source())
                  .path(moved.state().path())
                  .header("movedTo", key),
              moved.state());
          emitTracked(
              ChangeEvent.builder(ChangeKind.CREATED, key)
                  .source(config.source())
                  .path(f.path())
                  .header("movedFrom", moved.key()),
              f);
        } else if (prev == null) {
          emit(ChangeKind.CREATED, key, f);
        } else if (r.type() == DirectoryChangeEvent.EventType.MODIFY || !prev.sameStat(f)) {
          emit(ChangeKind.MODIFIED, key, f);
        }
        if (!config.followLinks() && link[0]) {
          linksThrough(r.path());
        }
        return;
      case DELETE:
        tree.dirGone(r.path());
        long now = System.nanoTime();
        boolean notAMove = r.has(NativeWatch.Raw.NOT_A_MOVE); // unlinked: no CREATE can pair with it
        for (Map.Entry<String, FileState> e : tree.removeSubtree(key)) {
          Object fk = fileId(e.getValue());
          flushDelete(e.getKey());
          if (notAMove || fk == null || pendingDeletes.containsKey(fk)) {
            emit(ChangeKind.DELETED, e.getKey(), e.getValue());
          } else {
            pendingDeletes.put(fk, new PendingDelete(e.getKey(), e.getValue(), now));
            pendingKeys.put(e.getKey(), fk);
          }
        }
        if (pendingDeletes.size() > MAX_PENDING_DELETES) {
          flushDeletes(false);
        }
        return;
      default:
        nativeWatch.lost();
    }
  }

  /**
   * The held DELETED that a CREATE completes as a move: the one of the path the engine says the
   * entry was renamed from (inotify's cookie pairs them exactly), else the one of the same file key
   * (the portable engine reports a rename as DELETE and CREATE).
   */
  private @Nullable PendingDelete movedHere(NativeWatch.Raw r, FileState f) {
    if (r.from() != null) {
      Path from = r.from();
      String fromKey = from == null ? null : scanner.key(from);
      Object fk = fromKey == null ? null : pendingKeys.get(fromKey);
      if (fk != null) {
        return pendingDeletes.remove(fk);
      }
    }
    if (pendingDeletes.isEmpty()) {
      return null; // the common case: no file key's text to make
    }
    Object fk = fileId(f);
    return fk != null ? pendingDeletes.remove(fk) : null;
  }

  /** What pairs a DELETED with the CREATE of a move: the file key's text, or null without one. */
  private static @Nullable Object fileId(FileState f) {
    Object k = f.fileKey();
    return k == null ? null : k.toString();
  }

  /**
   * A symbolic link changed (created, or renamed over the old one): when it leads to a directory,
   * every sibling link whose target goes through it now leads elsewhere, with nothing in the
   * watch's events saying so — a Kubernetes ConfigMap mount re-points {@code ..data} to a new
   * directory, and {@code app.yaml → ..data/app.yaml} is the file users read. Report those MODIFIED.
   */
  private void linksThrough(Path link) {
    Path parent = link.getParent();
    if (!Files.isDirectory(link) || parent == null) {
      return;
    }
    try (java.nio.file.DirectoryStream<Path> siblings = Files.newDirectoryStream(parent)) {
      for (Path s : siblings) {
        if (s.equals(link) || !Files.isSymbolicLink(s)) {
          continue;
        }
        Path target = parent.resolve(Files.readSymbolicLink(s)).normalize();
        String key = scanner.key(s);
        FileState known = key == null ? null : tree.get(key);
        if (key != null && known != null && target.startsWith(link) && !target.equals(link)) {
          emit(ChangeKind.MODIFIED, key, known);
        }
      }
    } catch (IOException | java.nio.file.DirectoryIteratorException e) {
      log.debug("{}: cannot list the links beside {}: {}", config.source(), link, e.toString());
    }
  }

  /**
   * RESCAN: after lost events (announced with one OVERFLOW first), restarts the watcher and takes
   * its registration listing as the tree; otherwise scans, and restarts only when a directory is
   * not registered as itself (by path and file key). Then emits the differences.
   */
  /** The DEGRADED reason while a rescan runs. */
  static final String RESCANNING = "rescanning";

  private void rescan(boolean lostEvents) throws IOException {
    flushDeletes(true);
    long t0 = System.nanoTime();
    HealthReport.degraded(sink.contextView(), RESCANNING);
    try {
      rescanNow(lostEvents, t0);
    } finally {
      HealthReport.recovered(sink.contextView(), RESCANNING);
      HealthReport.rescanned(sink.contextView(), java.time.Duration.ofNanos(System.nanoTime() - t0));
    }
  }

  private void rescanNow(boolean lostEvents, long t0) throws IOException {
    int dropped = 0;
    if (lostEvents) {
      dropped = nativeWatch.dropQueued(); // the rescan below covers everything they said
      emitOverflow("overflow");
    }
    FileTable now = null;
    // Pruning rules changed: directories un-pruned need watches, those newly pruned lose theirs.
    // A scan under the new rules tells which: when its directories are exactly those registered
    // (the edit changed only which files are ignored, the common case), no directory's watch is
    // wrong and the scan is the rescan; otherwise every directory is registered again.
    boolean rules = rulesChanged;
    boolean restart = lostEvents;
    rulesChanged = false;
    if (!restart) {
      Map<Path, Object> dirs = new HashMap<>();
      try {
        now = FileTable.of(scanner.root(), scanner.scanWithDirKeys(dirs));
      } catch (NoSuchFileException | NotDirectoryException e) {
        return; // the root went away: the watcher ends and the root guard reports it
      }
      List<Path> unregistered = tree.unregistered(dirs);
      // Same count and none unregistered: the scanned directories are the registered ones.
      boolean newlyPruned = rules && dirs.size() != tree.dirCount();
      restart = !unregistered.isEmpty() || newlyPruned;
      if (newlyPruned && unregistered.isEmpty()) {
        log.debug(
            "{}: the ignore rules prune {} registered directories now; re-registering",
            config.source(),
            tree.dirCount() - dirs.size());
      } else if (restart) {
        log.debug(
            "{}: {} directories not watched as themselves (e.g. {}); re-registering",
            config.source(),
            unregistered.size(),
            unregistered.get(0));
      }
    }
    if (restart || now == null) { // now is null exactly when events were lost
      // Events were lost, so directories may have appeared, or been deleted and re-created under
      // the same name, unseen: their watches are missing or dead. The file key cannot prove
      // otherwise (ext4 hands a re-created directory the inode number just freed), so every
      // directory is registered again, and the registration's listing is the rescan: nothing
      // created before a new watch was in place is missed.
      String failure = startNative();
      if (failure != null) {
        nativeWatch.broken(failure);
      }
      try {
        now = scanAfterStart();
      } catch (NoSuchFileException | NotDirectoryException e) {
        return; // the root went away: the watcher ends and the root guard reports it
      }
    }
    log.debug(
        "{}: rescan: dropped {} queued events, {} files, re-registered: {}, in {} ms",
        config.source(),
        dropped,
        now.size(),
        restart,
        (System.nanoTime() - t0) / 1_000_000);
    tree.diff(now, this::emit);
    log.debug("{}: rescan done in {} ms", config.source(), (System.nanoTime() - t0) / 1_000_000);
  }

  /**
   * ROOT: the watcher stopped on its own, or the root is gone or was replaced: report what went
   * with it, then fail, wait for it, or restart.
   */
  private void onRoot(boolean watcherEnded) throws InterruptedException, IOException {
    if (cancelled) {
      return;
    }
    flushDeletes(true);
    if (!rootGuard.present()) {
      FileTable gone = tree.clear();
      for (String k : gone.sortedKeys()) {
        emit(ChangeKind.DELETED, k, Objects.requireNonNull(gone.get(k)));
      }
      nativeWatch.close();
      if (!config.awaitRoot()) {
        fail("watched root " + config.root() + " was deleted");
        return;
      }
      log.warn(
          "{}: watched root {} was deleted; waiting for it to come back",
          config.source(),
          config.root());
      if (!rootGuard.await(() -> cancelled)) {
        mode = Mode.FAILED;
        return;
      }
      log.info("{}: {} is back", config.source(), config.root());
    } else {
      if (watcherEnded) {
        log.warn(
            "{}: the watcher stopped while {} still exists; restarting it",
            config.source(),
            config.root());
      } else {
        log.warn(
            "{}: {} was replaced by another directory; watching the new one",
            config.source(),
            config.root());
      }
      emitOverflow("restart");
    }
    String failure = startNative();
    if (failure != null) {
      nativeUnavailable(failure, tree.files().toTreeMap());
      return;
    }
    try {
      tree.diff(scanAfterStart(), this::emit);
    } catch (NoSuchFileException | NotDirectoryException e) {
      toRoot(true);
    }
  }

  /**
   * Resumes from the state file, the watch already armed: against what was acknowledged before
   * (or, the file discarded, against nothing after one OVERFLOW), emits what differs in {@code now}.
   */
  private void resume(StateStore store, FileTable now) {
    java.util.SortedMap<String, StateEntry> before;
    if (store.status() == StateStore.Status.DISCARDED) {
      emitOverflow("state");
      before = java.util.Collections.emptySortedMap();
    } else {
      before = store.loaded();
    }
    // Both sides sorted by key: one merge walk, DELETED first, then CREATED and MODIFIED.
    java.util.SortedSet<String> pending = store.pending();
    ResumeDiff diff = ResumeDiff.of(before, now, pending);
    List<Map.Entry<String, StateEntry>> deleted = diff.deleted;
    List<String> changed = diff.changed;
    List<ChangeKind> kinds = diff.kinds;
    for (Map.Entry<String, StateEntry> e : deleted) {
      // StateStore.resumeState: no stale version for a key handed out after its acknowledgement
      emit(ChangeKind.DELETED, e.getKey(), store.resumeState(e.getKey(), config.root().resolve(e.getKey())));
    }
    // Handed out last time and never acknowledged, gone, and never acknowledged as there (created
    // and deleted unacknowledged): DELETED, so that whoever saw the CREATED learns it went.
    for (String key : pending) {
      if (!now.containsKey(key) && !before.containsKey(key) && scanner.inScope(key)) {
        emit(ChangeKind.DELETED, key, store.resumeState(key, config.root().resolve(key)));
      }
    }
    for (int i = 0; i < changed.size(); i++) {
      emit(kinds.get(i), changed.get(i), Objects.requireNonNull(now.get(changed.get(i))));
    }
    tree.reset(now);
    log.debug(
        "{}: resumed from {}: {} known, {} now, {} deleted, {} created or modified",
        config.source(),
        store.spec().file(),
        before.size(),
        now.size(),
        deleted.size(),
        changed.size());
  }

  private static Map<String, StateEntry> entries(FileTable files) {
    Map<String, StateEntry> out = new HashMap<>();
    for (String k : files.sortedKeys()) {
      out.put(k, StateEntry.of(Objects.requireNonNull(files.get(k))));
    }
    return out;
  }

  /** Waits for a missing root when awaited; false when cancelled or failed. */
  private boolean awaitRootAtStart() throws InterruptedException {
    if (rootGuard.present()) {
      return true;
    }
    if (!config.awaitRoot()) {
      fail(
          rootGuard.notADirectory()
              ? "not a directory: " + config.root()
              : "no such directory: " + config.root());
      return false;
    }
    log.info("{}: waiting for {} to appear", config.source(), config.root());
    ready();
    return rootGuard.await(() -> cancelled);
  }

  /** (Re)starts native watching: every directory registered anew. Null, or why it failed. */
  private @Nullable String startNative() {
    try {
      rootGuard.remember();
    } catch (IOException e) {
      return describe(e);
    }
    tree.clearDirs();
    return nativeWatch.start();
  }

  /** Native watching cannot start: fail (fallback=none) or poll from {@code baseline}. */
  private void nativeUnavailable(String failure, @Nullable Map<String, FileState> baseline) {
    if ("none".equals(config.fallback())) {
      fail(
          "cannot watch "
              + config.root()
              + " natively: "
              + failure
              + " (fallback=none; use fallback=auto to poll instead)");
    } else {
      toPoll(failure, baseline);
    }
  }

  /**
   * The tree right after {@link #startNative()}: on Linux, what its registration walk listed,
   * which saves another walk of the tree; elsewhere, a new scan.
   */
  private FileTable scanAfterStart() throws IOException {
    NativeWatch.Snapshot s = nativeWatch.takeRegistration();
    if (s != null) {
      return s.files();
    }
    return FileTable.of(scanner.root(), scanner.scan());
  }

  /** POLL: the poller takes over, from {@code baseline} (or its own first scan when null). */
  private void toPoll(String why, @Nullable Map<String, FileState> baseline) {
    flushDeletes(true);
    mode = Mode.POLL;
    if (!"poll".equals(config.fallback())) {
      HealthReport.degraded(sink.contextView(), "polling fallback: " + why);
      log.warn(
          "{}: native watching unavailable ({}); polling every {} instead (fallback=none makes this an error)",
          config.source(),
          why,
          human(config.pollInterval()));
    }
    nativeWatch.close();
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
    // The poller leaves out what the watch leaves out (gitignore=true, exclude=X/**): it neither
    // lists an ignored directory nor reports the DELETED of a file no one saw.
    TreePoller p =
        pruning.active()
            ? TreePoller.create(pc, this::emitEvent, sink::error, this::ready, store, sink.contextView(), pruning.dirs(), pruning.files())
            : TreePoller.create(pc, this::emitEvent, sink::error, this::ready, store, sink.contextView());
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

  /** FAILED: the stream ends with an error naming the source. */
  private void fail(String message) {
    mode = Mode.FAILED;
    sink.error(new ChangeSourceException(config.source() + ": " + message));
  }

  private void emit(ChangeKind kind, String key, FileState f) {
    emitTracked(ChangeEvent.builder(kind, key).source(config.source()).path(f.path()), f);
  }

  /**
   * Emits the event {@code b} builds (built once: every event's hot path), with header {@value
   * IdempotencyKey#VERSION} (the version of {@code f}), with {@code state=} carrying the handle
   * that records {@code f} once acknowledged. A DELETED whose last version is unknown (re-reported
   * at a resume: handed out, never acknowledged, gone; {@code f} is size 0, mtime 0) carries none,
   * so its idempotency key is its own, never an earlier deletion's.
   */
  private void emitTracked(ChangeEvent.Builder b, FileState f) {
    if (f.mtimeNanos() != 0 || f.size() != 0) {
      b.header(IdempotencyKey.VERSION, f.version());
    }
    ChangeEvent v = b.build();
    emitEvent(store == null ? v : store.track(v, StateEntry.of(f)));
  }

  /**
   * One OVERFLOW event (key {@code ""}, path = the root) with header {@code reason}: {@code
   * overflow} (events were lost; a rescan follows), {@code restart} (the watcher was restarted;
   * a rescan follows) or {@code fallback} (polling takes over from the last known state).
   */
  private void emitOverflow(String reason) {
    flushDeletes(true);
    emitEvent(
        ChangeEvent.builder(ChangeKind.OVERFLOW, "")
            .source(config.source())
            .path(config.root())
            .header("reason", reason)
            .build());
  }

  private void emitEvent(ChangeEvent e) {
    if (!cancelled) {
      out.accept(e);
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
  static final class NativeFailure extends IOException {
    private static final long serialVersionUID = 1L;

    NativeFailure(String message) {
      super(message);
    }
  }

  private static String human(java.time.Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }

  static String describe(Throwable t) {
    if (t instanceof NativeFailure) {
      return String.valueOf(t.getMessage()); // always made with a message
    }
    Throwable c = t;
    while ((c instanceof java.io.UncheckedIOException || c instanceof TreeScanner.VisitorException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof NativeFailure) {
      return String.valueOf(c.getMessage());
    }
    if (c instanceof IOException) {
      return TreeScanner.describe((IOException) c);
    }
    return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
  }
}
