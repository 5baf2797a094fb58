package io.changeflux.poll.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import io.changeflux.IdempotencyKey;
import io.changeflux.files.FileHasher;
import io.changeflux.files.FileState;
import io.changeflux.files.GitIgnore;
import io.changeflux.files.HashOutcome;
import io.changeflux.files.TreeScanner;
import io.changeflux.files.VcsSettle;
import io.changeflux.files.internal.ConfirmBaseline;
import io.changeflux.poll.PollConfig;
import io.changeflux.poll.TreePoller;
import io.changeflux.state.StateEntry;
import io.changeflux.state.StateStore;
import io.changeflux.spi.HealthReport;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * Polls one directory on its own thread: a snapshot of the tree every interval, diffed against the
 * last one. A scan that takes longer than the interval skips the ticks it overran (ticks stay on
 * the grid started by the first scan); scans never overlap or queue up.
 */
public final class DirectoryPoller implements TreePoller {

  private static final Logger log = LoggerFactory.getLogger(DirectoryPoller.class);
  private static final long RECENT_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** Test hook: runs before every scan of the given root (to make a scan slow). */
  static final Map<java.nio.file.Path, Runnable> SCAN_HOOKS = new ConcurrentHashMap<>();

  private final PollConfig config;
  private final TreeScanner scanner;
  /** The scanner's scan, walked natively where it can be. */
  private final NativeScan nativeScan;
  /** With {@code gitignore=true}: the rules; the scanner neither enters nor lists what they ignore. */
  private final @Nullable GitIgnore ignore;
  /** With {@code gitignore=true}: {@code .git/info/exclude} at the last scan (null: absent). */
  private @Nullable FileState exclude;
  /**
   * With {@code confirm=sha256} (and no resume): the SHA-256 of each file's content at the first
   * scan, hashed in the background once ready, put on the key's first CREATED/MODIFIED as {@link
   * io.changeflux.ChangeOps#BASELINE_SHA_HEADER} (see {@link ConfirmBaseline}); else null.
   */
  private volatile @Nullable ConfirmBaseline contentBaseline;
  private final FileHasher hasher;
  private final Consumer<ChangeEvent> emit;
  private final Consumer<Throwable> error;
  private final Runnable ready;
  private final Scheduler scheduler;
  private final long intervalNanos;
  private volatile boolean cancelled;
  private volatile @Nullable Disposable pending;
  private Map<String, FileState> state = new HashMap<>();
  private boolean rootMissing;
  /** With {@code state=}: where acknowledged events are recorded; else null. */
  private final @Nullable StateStore store;
  /** Keys to report again at the first diff after a resume (see {@link StateStore#pending()}). */
  private java.util.@Nullable Set<String> resumePending;
  private final ContextView context;
  private boolean failing;
  /** With {@code settle=vcs}: the gate told when each scan begins and ends; else null. */
  private final @Nullable VcsSettle settle;

  /**
   * A poller; nothing runs until {@link #start}.
   *
   * @param emit receives every event, on the poller's thread
   * @param error receives a fatal error (the root is gone and not awaited), once
   * @param ready runs once the baseline scan is done
   */
  public DirectoryPoller(
      PollConfig config, Consumer<ChangeEvent> emit, Consumer<Throwable> error, Runnable ready) {
    this(config, emit, error, ready, null, Context.empty());
  }

  /**
   * A poller whose events carry acknowledgement handles into {@code store} (null: none), and which
   * reports a failing scan as DEGRADED ({@link HealthReport}) to the subscription whose context is
   * {@code context}. Started without a baseline and with a store, it resumes from the store: the
   * first scan is diffed against what was acknowledged before (or against nothing, after one
   * OVERFLOW, when the file was discarded).
   */
  public DirectoryPoller(
      PollConfig config,
      Consumer<ChangeEvent> emit,
      Consumer<Throwable> error,
      Runnable ready,
      @Nullable StateStore store,
      ContextView context) {
    this(config, emit, error, ready, store, context, null, null, null);
  }

  /**
   * A poller as above whose scans never enter the directories {@code prune} is true for nor list
   * the entries {@code skip} is true for (the caller's rules: fs's {@code gitignore=true} and
   * {@code exclude=X/**} in its polling fallback); with {@code gitignore=true} in {@code config},
   * the poller's own rules apply instead. With {@code settle=vcs}, every scan is framed by {@code
   * settle}'s {@link VcsSettle#scanStarting()} and {@link VcsSettle#scanDone()} ({@code emit} is
   * {@code settle} itself, or leads to it); null: none.
   */
  public DirectoryPoller(
      PollConfig config,
      Consumer<ChangeEvent> emit,
      Consumer<Throwable> error,
      Runnable ready,
      @Nullable StateStore store,
      ContextView context,
      java.util.function.@Nullable Predicate<String> prune,
      java.util.function.@Nullable Predicate<String> skip,
      @Nullable VcsSettle settle) {
    this.settle = settle;
    this.store = store;
    this.context = context;
    this.config = config;
    GitIgnore ig = config.gitignore() ? GitIgnore.forRoot(config.root()) : null;
    this.ignore = ig;
    // Git never looks inside an ignored directory, so no negation re-includes anything below one.
    this.scanner =
        ig == null
            ? new TreeScanner(config.root(), config.recursive(), config.followLinks(), prune, skip)
            : new TreeScanner(
                config.root(), config.recursive(), config.followLinks(), k -> ig.ignored(k, true), ig::ignored);
    this.nativeScan = new NativeScan(scanner);
    this.exclude = ig == null ? null : excludeState();
    this.hasher = FileHasher.within(config.root(), config.followLinks());
    this.emit = emit;
    this.error = error;
    this.ready = ready;
    this.intervalNanos = Math.max(1, config.interval().toNanos());
    this.scheduler = Schedulers.newSingle("changeflux-poll", true);
  }

  /**
   * Starts polling. With a {@code baseline} (a state another watcher already reported), the first
   * scan diffs against it at once; without, the first scan is the baseline (reported as CREATED
   * when {@code initial}).
   */
  @Override
  public void start(@Nullable Map<String, FileState> baseline) {
    pending = scheduler.schedule(() -> guarded(() -> first(baseline)));
  }

  /** Runs a step; anything it throws (an Error, a bug) ends the stream instead of stopping silently. */
  private void guarded(Runnable step) {
    try {
      step.run();
    } catch (Throwable t) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      if (t instanceof ChangeSourceException) {
        error.accept(t); // already one line naming the source (a state file refused with stateMismatch=fail)
        return;
      }
      log.error("{}: poller failed, ending the stream: {}", config.source(), t.toString());
      error.accept(new ChangeSourceException(config.source() + ": poller failed: " + t, t));
    }
  }

  /** Stops polling and releases the thread. */
  @Override
  public void cancel() {
    cancelled = true;
    Disposable p = pending;
    if (p != null) {
      p.dispose();
    }
    ConfirmBaseline b = contentBaseline;
    if (b != null) {
      b.cancel();
    }
    scheduler.dispose();
  }

  private void first(@Nullable Map<String, FileState> baseline) {
    long t0 = System.nanoTime();
    if (baseline == null && store != null && store.status() != StateStore.Status.NEW) {
      baseline = new HashMap<>();
      if (store.status() == StateStore.Status.DISCARDED) {
        emitOverflow("state");
      } else {
        resumePending = store.pending();
      }
      for (String key : store.loaded().keySet()) {
        // StateStore.resumeState: no stale version for a key handed out after its acknowledgement
        baseline.put(key, store.resumeState(key, config.root().resolve(key)));
      }
    }
    if (baseline != null) {
      state = baseline;
      ready.run();
      tick();
      return;
    }
    try {
      state = scan(new HashMap<>());
      if (config.initial()) {
        for (Map.Entry<String, FileState> e : new TreeMap<>(state).entrySet()) {
          emit(ChangeKind.CREATED, e.getKey(), e.getValue());
        }
      } else if (store != null) {
        Map<String, StateEntry> seen = new HashMap<>();
        state.forEach((k, f) -> seen.put(k, StateEntry.of(f)));
        store.baseline(seen); // there before anyone watched: not reported, so acknowledged as seen
      }
      if (config.confirmBaseline() && !config.content()) {
        // compare=content drops an identical rewrite itself; compare=mtime leaves it to confirm.
        contentBaseline =
            ConfirmBaseline.ofScan(
                "poll",
                state,
                config.followLinks(),
                io.changeflux.ShaResolvers.fileSha256(config.root(), config.followLinks()),
                io.changeflux.ChangeOps.DEFAULT_STATE_KEYS,
                config.source());
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      if (!config.awaitRoot()) {
        fail(e);
        return;
      }
      rootMissing = true;
      log.info("{}: waiting for {} to appear", config.source(), config.root());
    } catch (IOException e) {
      fail(e);
      return;
    }
    ConfirmBaseline b = contentBaseline;
    if (b != null && !cancelled) {
      // Hashed in the background from now on: the start is not delayed. Begun before ready is
      // signalled (as fs: does), so that whoever waits for ready sees it running.
      b.begin();
    }
    ready.run();
    scheduleNext(t0);
  }

  private void fail(IOException e) {
    String what =
        e instanceof NoSuchFileException
            ? "no such directory: " + config.root()
            : e instanceof NotDirectoryException
                ? "not a directory: " + config.root()
                : "cannot read " + config.root() + ": " + TreeScanner.describe(e);
    cancelled = true;
    error.accept(new ChangeSourceException(config.source() + ": " + what, e));
  }

  private void tick() {
    if (cancelled) {
      return;
    }
    long t0 = System.nanoTime();
    try {
      Runnable hook = SCAN_HOOKS.get(config.root());
      if (hook != null) {
        hook.run();
      }
      VcsSettle vcs = settle;
      if (vcs == null) {
        poll();
      } else {
        vcs.scanStarting();
        try {
          poll();
        } finally {
          vcs.scanDone();
        }
      }
    } catch (java.io.UncheckedIOException | SecurityException e) {
      log.warn("{}: scan failed, will retry: {}", config.source(), e.toString());
      failing(true);
    }
    scheduleNext(t0);
  }

  private void scheduleNext(long startedNanos) {
    if (cancelled) {
      return;
    }
    long elapsed = System.nanoTime() - startedNanos;
    long delay = intervalNanos - (elapsed % intervalNanos);
    try {
      pending = scheduler.schedule(() -> guarded(this::tick), delay, TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // cancelled meanwhile
    }
  }

  private void poll() {
    Map<String, FileState> now;
    try {
      now = scan(state);
    } catch (NoSuchFileException | NotDirectoryException e) {
      rootGone();
      return;
    } catch (IOException e) {
      log.warn("{}: cannot scan {}, will retry: {}", config.source(), config.root(), TreeScanner.describe(e));
      failing(true);
      return;
    }
    if (ignore != null && rulesChanged(now)) {
      try {
        now = scan(state); // the same tick, by the new rules: newly ignored DELETED, un-ignored CREATED
      } catch (NoSuchFileException | NotDirectoryException e) {
        rootGone();
        return;
      } catch (IOException e) {
        log.warn("{}: cannot scan {}, will retry: {}", config.source(), config.root(), TreeScanner.describe(e));
        failing(true);
        return;
      }
    }
    failing(false);
    if (rootMissing) {
      rootMissing = false;
      log.info("{}: {} is back", config.source(), config.root());
    }
    diff(now);
  }

  /**
   * Whether an ignore file changed between the last state and {@code now} (a {@code .gitignore} or
   * {@code .ignore} in the tree, or the root's {@code .git/info/exclude}); its cached rules are
   * dropped, so the next look-up reads it again.
   */
  private boolean rulesChanged(Map<String, FileState> now) {
    GitIgnore ig = ignore;
    if (ig == null) {
      return false;
    }
    boolean changed = false;
    FileState ex = excludeState();
    if (!Objects.equals(ex == null ? null : ex.version(), exclude == null ? null : exclude.version())) {
      exclude = ex;
      changed |= ig.changed(".git/info/exclude");
    }
    for (Map.Entry<String, FileState> e : now.entrySet()) {
      FileState old = state.get(e.getKey());
      if ((old == null || !old.sameStat(e.getValue())) && ig.changed(e.getKey())) {
        changed = true;
      }
    }
    for (String key : state.keySet()) {
      if (!now.containsKey(key) && ig.changed(key)) {
        changed = true;
      }
    }
    return changed;
  }

  /**
   * The repository's {@code info/exclude} now (a linked worktree's is the main repository's, and
   * the repository may be above the root), or null when there is none.
   */
  private @Nullable FileState excludeState() {
    GitIgnore ig = ignore;
    java.nio.file.Path file = ig == null ? null : ig.excludeFile();
    return file == null ? null : scanner.stat(file);
  }

  /** The DEGRADED reason while scans fail. */
  public static final String SCAN_FAILING = "scan failing";

  private void failing(boolean now) {
    if (now != failing) {
      failing = now;
      if (now) {
        HealthReport.degraded(context, SCAN_FAILING);
      } else {
        HealthReport.recovered(context, SCAN_FAILING);
      }
    }
  }

  private void rootGone() {
    if (!rootMissing) {
      for (Map.Entry<String, FileState> e : state.entrySet()) {
        emit(ChangeKind.DELETED, e.getKey(), e.getValue());
      }
      state = new HashMap<>();
    }
    if (config.awaitRoot()) {
      if (!rootMissing) {
        log.warn("{}: watched root {} was deleted; waiting for it to come back", config.source(), config.root());
      }
      rootMissing = true;
    } else {
      cancelled = true;
      error.accept(
          new ChangeSourceException(
              config.source() + ": watched root " + config.root() + " was deleted"));
    }
  }

  /** Emits the difference between the last state and {@code now}, then keeps {@code now}. */
  private void diff(Map<String, FileState> now) {
    // The maps are unordered; the (usually few) differences are emitted in key order.
    TreeMap<String, FileState> deleted = new TreeMap<>();
    for (Map.Entry<String, FileState> e : state.entrySet()) {
      if (!now.containsKey(e.getKey())) {
        deleted.put(e.getKey(), e.getValue());
      }
    }
    TreeMap<String, ChangeKind> changed = new TreeMap<>();
    for (Map.Entry<String, FileState> e : now.entrySet()) {
      FileState old = state.get(e.getKey());
      FileState cur = e.getValue();
      if (old == null) {
        changed.put(e.getKey(), ChangeKind.CREATED);
      } else if (config.content() ? !Objects.equals(old.sha(), cur.sha()) : !old.sameStat(cur)) {
        changed.put(e.getKey(), ChangeKind.MODIFIED);
      }
    }
    for (Map.Entry<String, FileState> e : deleted.entrySet()) {
      emit(ChangeKind.DELETED, e.getKey(), e.getValue());
    }
    for (Map.Entry<String, ChangeKind> e : changed.entrySet()) {
      FileState cur = now.get(e.getKey());
      if (cur != null) { // always: changed holds keys of now only
        emit(e.getValue(), e.getKey(), cur);
      }
    }
    if (resumePending != null) {
      // Handed out last run and never acknowledged: report what became of them, even unchanged.
      for (String key : resumePending) {
        FileState was = state.get(key);
        FileState is = now.get(key);
        if (is != null && was != null && !changed.containsKey(key)) {
          emit(ChangeKind.MODIFIED, key, is);
        } else if (is == null && was == null && scanner.inScope(key)) {
          emit(ChangeKind.DELETED, key, store == null ? new FileState(config.root().resolve(key), 0, 0) : store.resumeState(key, config.root().resolve(key)));
        }
      }
      resumePending = null;
    }
    state = now;
  }

  /**
   * Scans the tree; with {@code compare=content}, hashes the files whose size or time changed
   * since {@code previous}, or whose time is within a second of the scan (coarse timestamps).
   */
  private Map<String, FileState> scan(Map<String, FileState> previous) throws IOException {
    long wallNanos = Instant.now().toEpochMilli() * 1_000_000L;
    Map<String, FileState> now = nativeScan.scan();
    if (config.content()) {
      for (Map.Entry<String, FileState> e : now.entrySet()) {
        FileState cur = e.getValue();
        FileState old = previous.get(e.getKey());
        boolean recent = Math.abs(wallNanos - cur.mtimeNanos()) < RECENT_NANOS;
        if (old != null && old.sha() != null && old.sameStat(cur) && !recent) {
          e.setValue(cur.withSha(old.sha()));
        } else {
          java.security.MessageDigest md = FileHasher.newSha256();
          HashOutcome o = hasher.read(cur.path(), md::update);
          if (o.hashed()) {
            e.setValue(cur.withSha(java.util.HexFormat.of().formatHex(md.digest())));
          } else if (o == HashOutcome.NOT_REGULAR || o == HashOutcome.LINK || o == HashOutcome.OUTSIDE_ROOT) {
            e.setValue(cur.withSha(null)); // never hashed (see FileHasher): compared by presence only
          } else if (old != null) {
            e.setValue(old); // vanished, changed or unreadable right now: the next scan hashes it again
          }
        }
      }
    }
    return now;
  }

  private void emit(ChangeKind kind, String key, FileState f) {
    if (cancelled) {
      return;
    }
    ChangeEvent.Builder b =
        ChangeEvent.builder(kind, key).source(config.source()).path(f.path());
    if (f.mtimeNanos() != 0 || f.size() != 0) {
      // none for a DELETED re-reported at a resume whose last version is unknown (size 0, mtime 0)
      b.header(IdempotencyKey.VERSION, f.version());
    }
    if (kind != ChangeKind.DELETED && f.sha() != null) {
      b.sha(f.sha());
    }
    ConfirmBaseline cb = contentBaseline;
    String base = cb == null ? null : cb.take(kind, key);
    if (base != null) {
      b.header(io.changeflux.ChangeOps.BASELINE_SHA_HEADER, base);
    }
    ChangeEvent e = b.build();
    emit.accept(store == null ? e : store.track(e, StateEntry.of(f)));
  }

  /** One OVERFLOW (key {@code ""}, path = the root) with header {@code reason}. */
  private void emitOverflow(String reason) {
    emit.accept(
        ChangeEvent.builder(ChangeKind.OVERFLOW, "")
            .source(config.source())
            .path(config.root())
            .header("reason", reason)
            .build());
  }
}
