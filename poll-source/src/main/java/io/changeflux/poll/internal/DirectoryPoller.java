package io.changeflux.poll.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Polls one directory on its own thread: a snapshot of the tree every interval, diffed against the
 * last one. A scan that takes longer than the interval skips the ticks it overran (ticks stay on
 * the grid started by the first scan); scans never overlap or queue up.
 */
public final class DirectoryPoller {

  private static final Logger log = LoggerFactory.getLogger(DirectoryPoller.class);
  private static final long RECENT_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** Test hook: runs before every scan of the given root (to make a scan slow). */
  static final Map<java.nio.file.Path, Runnable> SCAN_HOOKS = new ConcurrentHashMap<>();

  private final PollConfig config;
  private final TreeScanner scanner;
  private final Consumer<ChangeEvent> emit;
  private final Consumer<Throwable> error;
  private final Runnable ready;
  private final Scheduler scheduler;
  private final long intervalNanos;
  private volatile boolean cancelled;
  private volatile Disposable pending;
  private Map<String, FileState> state = new HashMap<>();
  private boolean rootMissing;

  /**
   * A poller; nothing runs until {@link #start}.
   *
   * @param emit receives every event, on the poller's thread
   * @param error receives a fatal error (the root is gone and not awaited), once
   * @param ready runs once the baseline scan is done
   */
  public DirectoryPoller(
      PollConfig config, Consumer<ChangeEvent> emit, Consumer<Throwable> error, Runnable ready) {
    this.config = config;
    this.scanner = new TreeScanner(config.root(), config.recursive(), config.followLinks());
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
  public void start(Map<String, FileState> baseline) {
    pending = scheduler.schedule(() -> first(baseline));
  }

  /** Stops polling and releases the thread. */
  public void cancel() {
    cancelled = true;
    Disposable p = pending;
    if (p != null) {
      p.dispose();
    }
    scheduler.dispose();
  }

  private void first(Map<String, FileState> baseline) {
    long t0 = System.nanoTime();
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
      poll();
    } catch (RuntimeException e) {
      log.warn("{}: scan failed, will retry: {}", config.source(), e.toString());
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
      pending = scheduler.schedule(this::tick, delay, TimeUnit.NANOSECONDS);
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
      return;
    }
    if (rootMissing) {
      rootMissing = false;
      log.info("{}: {} is back", config.source(), config.root());
    }
    diff(now);
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
      emit(e.getValue(), e.getKey(), now.get(e.getKey()));
    }
    state = now;
  }

  /**
   * Scans the tree; with {@code compare=content}, hashes the files whose size or time changed
   * since {@code previous}, or whose time is within a second of the scan (coarse timestamps).
   */
  private Map<String, FileState> scan(Map<String, FileState> previous) throws IOException {
    long wallNanos = Instant.now().toEpochMilli() * 1_000_000L;
    Map<String, FileState> now = scanner.scan();
    if (config.content()) {
      for (Map.Entry<String, FileState> e : now.entrySet()) {
        FileState cur = e.getValue();
        FileState old = previous.get(e.getKey());
        boolean recent = Math.abs(wallNanos - cur.mtimeNanos()) < RECENT_NANOS;
        if (old != null && old.sha() != null && old.sameStat(cur) && !recent) {
          e.setValue(cur.withSha(old.sha()));
        } else {
          try {
            e.setValue(cur.withSha(Hashing.sha256(cur.path())));
          } catch (IOException unreadable) {
            e.setValue(cur.withSha(old == null ? null : old.sha()));
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
    if (kind != ChangeKind.DELETED && f.sha() != null) {
      b.sha(f.sha());
    }
    emit.accept(b.build());
  }
}
