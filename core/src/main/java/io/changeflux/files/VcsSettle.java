package io.changeflux.files;

import org.jspecify.annotations.Nullable;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeOps;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code settle=vcs}: while a version-control operation is in progress in the repository that
 * holds the watched path, events are held (merged per key by {@link ChangeOps#merge}); when it
 * ends, and nothing marked it for 150 ms ({@code QUIET}), they are released together, in arrival order.
 * A hold longer than {@code maxHold} releases what it held with one warning, and events then flow
 * until the operation ends.
 *
 * <p>"In progress" (git): {@code index.lock} or {@code HEAD.lock} in the git directory (found by
 * walking up from the root; a {@code .git} file of a worktree or submodule is followed); a
 * {@code rebase-merge/} or {@code rebase-apply/} directory, or {@code sequencer/} (a
 * multi-commit cherry-pick or revert), unless the operation stopped for the user: {@code
 * REBASE_HEAD}, {@code rebase-merge/stopped-sha}, {@code rebase-merge/amend}, {@code
 * CHERRY_PICK_HEAD} or {@code REVERT_HEAD} exists and the newest of them was written 1 s ago or
 * more (git writes {@code CHERRY_PICK_HEAD} for a moment during each pick; it is judged by its own
 * time, so a gate that first looks in the middle of a pick still holds). {@code MERGE_HEAD} alone is a merge waiting for the
 * user to resolve conflicts, not an operation in progress. Mercurial: {@code .hg/wlock}.
 *
 * <p>The markers are looked at on every event that arrives while nothing is held (one {@code
 * stat} of the VCS directory; all markers when it changed), and on this gate's thread ({@code
 * changeflux-SCHEME-settle-N}) every 20 ms while holding. Events for keys inside
 * {@code .git/} or {@code .hg/} are dropped. At most {@code maxHeld} distinct keys are held; past
 * that they become one {@code OVERFLOW} (header {@code reason=coalesce}), as the pipeline's {@code
 * coalesce} does.
 *
 * <p>A watch ({@link #create}) gives events as they happen; a poller ({@link #forScans}) gives a
 * scan's events some time after the tree changed, so its gate also looks at the markers when a scan
 * begins ({@link #scanStarting()}: a scan that begins during an operation is held whole) and
 * releases only at the end of a scan ({@link #scanDone()}) that began when no marker had been seen
 * for 150 ms ({@code QUIET}): that scan saw the tree as the operation left it, so the release is one batch
 * whatever the poll interval.
 *
 * <p>Shared by the {@code fs:} and {@code poll:} providers ({@code settle=vcs}); not for
 * applications.
 */
public final class VcsSettle implements Consumer<ChangeEvent> {

  private static final Logger log = LoggerFactory.getLogger(VcsSettle.class);
  private static final AtomicInteger IDS = new AtomicInteger();

  /** How long no marker may be seen before a hold ends (git drops and retakes its locks between steps). */
  static final Duration QUIET = Duration.ofMillis(150);

  static final long TICK_MS = 20;

  /** How long a "stopped for the user" marker must stay before a hold ends for it. */
  static final Duration STOPPED_GRACE = Duration.ofSeconds(1);

  private enum State {
    IDLE,
    HOLDING,
    OVERRIDDEN
  }

  private final Consumer<ChangeEvent> out;
  private final long maxHoldNanos;
  private final int maxHeld;
  private final String source;
  private final @Nullable Markers markers;
  private final LinkedHashMap<String, ChangeEvent> held = new LinkedHashMap<>();
  private final @Nullable ScheduledExecutorService timer;
  /** A poller's gate: released by {@link #scanDone()}, not by the timer. */
  private final boolean scanning;
  /** The scan under way began when no marker had been seen for QUIET. */
  private boolean scanClean;
  private State state = State.IDLE;
  private long holdStart;
  private long lastSeen;
  private boolean collapsed;

  /**
   * A gate for a watch of {@code root} (a directory or a file): holds while an operation is in
   * progress in the repository at or above it and releases to {@code out} once no marker has been
   * seen for 150 ms ({@code QUIET}); when no {@code .git} or {@code .hg} is found above the root it passes
   * everything on (one log line says so). Its thread runs until {@link #cancel()}.
   *
   * @param root the watched directory or file
   * @param maxHold the longest events are held ({@code settleMax}); then they flow, with a warning
   * @param out receives the events, passed or released
   * @param maxHeld the most distinct keys held before they become one OVERFLOW ({@code coalesce})
   * @param source the redacted source URI, for messages, the OVERFLOW and the thread name
   * @return the gate, to give every event of the watch
   */
  public static VcsSettle create(
      Path root, Duration maxHold, Consumer<ChangeEvent> out, int maxHeld, String source) {
    return new VcsSettle(Markers.find(root), maxHold, out, maxHeld, source, false);
  }

  /**
   * A gate for a poller of {@code root}, as {@link #create} but released at the end of a clean
   * scan: the poller calls {@link #scanStarting()} before and {@link #scanDone()} after each scan.
   *
   * @param root the polled directory
   * @param maxHold the longest events are held ({@code settleMax}); then they flow, with a warning
   * @param out receives the events, passed or released
   * @param maxHeld the most distinct keys held before they become one OVERFLOW ({@code coalesce})
   * @param source the redacted source URI, for messages, the OVERFLOW and the thread name
   * @return the gate, to give every event of the scans
   */
  public static VcsSettle forScans(
      Path root, Duration maxHold, Consumer<ChangeEvent> out, int maxHeld, String source) {
    return new VcsSettle(Markers.find(root), maxHold, out, maxHeld, source, true);
  }

  VcsSettle(
      @Nullable Markers markers,
      Duration maxHold,
      Consumer<ChangeEvent> out,
      int maxHeld,
      String source,
      boolean scanning) {
    this.markers = markers;
    this.scanning = scanning;
    this.maxHoldNanos = maxHold.toNanos();
    this.out = out;
    this.maxHeld = Math.max(1, maxHeld);
    this.source = source;
    if (markers == null) {
      log.info("{}: settle=vcs: no .git or .hg directory at or above the root; events are not held", source);
      this.timer = null;
      return;
    }
    log.debug("{}: settle=vcs watches {} ({})", source, markers.dir, markers.git ? "git" : "hg");
    int id = IDS.incrementAndGet();
    int colon = source.indexOf(':');
    String name = "changeflux-" + (colon > 0 ? source.substring(0, colon) + "-" : "") + "settle-" + id;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, name);
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
  }

  /** Takes one event from the watch: dropped (VCS internals), held, or passed on. */
  @Override
  public void accept(ChangeEvent e) {
    if (isVcsInternal(e.key())) {
      e.ack();
      return;
    }
    if (markers == null) {
      out.accept(e);
      return;
    }
    synchronized (this) {
      if (state == State.IDLE) {
        if (!markers.starting()) {
          out.accept(e);
          return;
        }
        state = State.HOLDING;
        holdStart = lastSeen = System.nanoTime();
        log.debug("{}: a version-control operation is in progress; holding events", source);
      }
      if (state == State.OVERRIDDEN) {
        out.accept(e);
        return;
      }
      hold(e);
    }
  }

  private void hold(ChangeEvent e) {
    if (collapsed) {
      ChangeEvent o = held.get("");
      if (o == null) { // collapsed always holds its one OVERFLOW; be safe
        held.put("", e);
        return;
      }
      long count = (long) o.count() + e.count();
      held.put("", o.toBuilder().acksOf(e).count((int) Math.min(Integer.MAX_VALUE, count)).build());
      return;
    }
    ChangeEvent before = held.get(e.key());
    if (before == null) {
      held.put(e.key(), e);
    } else {
      ChangeEvent merged = ChangeOps.merge(before, e).orElse(null);
      if (merged == null) {
        held.remove(e.key());
      } else {
        held.put(e.key(), merged);
      }
    }
    if (held.size() > maxHeld) {
      collapse();
    }
  }

  /** Past {@code maxHeld} keys: one OVERFLOW carrying every held event's count and acknowledgements. */
  private void collapse() {
    ChangeEvent.Builder b =
        ChangeEvent.builder(ChangeKind.OVERFLOW, "").source(source).header("reason", "coalesce");
    long count = 0;
    for (ChangeEvent h : held.values()) {
      b.acksOf(h);
      count += h.count();
    }
    b.count((int) Math.min(Integer.MAX_VALUE, count));
    held.clear();
    held.put("", b.build());
    collapsed = true;
    log.warn(
        "{}: more than {} files changed during a version-control operation; they are reported as one OVERFLOW",
        source,
        maxHeld);
  }

  private void tick() {
    try {
      synchronized (this) {
        Markers m = markers;
        if (state == State.IDLE || m == null) { // no markers: nothing is ever held
          return;
        }
        long now = System.nanoTime();
        boolean busy = busy(m, now);
        if (state == State.OVERRIDDEN) {
          if (!busy) {
            state = State.IDLE;
          }
          return;
        }
        if (now - holdStart >= maxHoldNanos) {
          log.warn(
              "{}: a version-control operation has been in progress for {} ms (a stale {}?); releasing held events, events flow until it ends",
              source,
              (now - holdStart) / 1_000_000,
              m.describe());
          release();
          state = busy ? State.OVERRIDDEN : State.IDLE;
        } else if (!scanning && !busy && now - lastSeen >= QUIET.toNanos()) {
          log.debug("{}: version-control operation ended; releasing {} events", source, held.size());
          release();
          state = State.IDLE;
        }
      }
    } catch (RuntimeException e) {
      log.warn("{}: settle=vcs: {}", source, e.toString());
    }
  }

  /**
   * Whether an operation is running now (a stop for the user counts for {@code STOPPED_GRACE});
   * notes when it was last seen. Under the lock.
   */
  private boolean busy(Markers m, long now) {
    boolean busy = m.state() == Markers.RUNNING; // a stop for the user is RUNNING for its first STOPPED_GRACE
    if (busy) {
      lastSeen = now;
    }
    return busy;
  }

  /**
   * A poller begins a scan ({@link #forScans} gates): when an operation is in progress, a hold
   * begins now, so that the scan's events are held even if it ends before they arrive; while
   * holding, notes whether this scan begins after the operation ended (no marker seen for 150 ms),
   * which lets {@link #scanDone()} release.
   */
  public void scanStarting() {
    Markers m = markers;
    if (m == null) {
      return;
    }
    synchronized (this) {
      long now = System.nanoTime();
      if (state == State.IDLE) {
        if (!m.inProgress()) {
          scanClean = false;
          return;
        }
        state = State.HOLDING;
        holdStart = lastSeen = now;
        log.debug("{}: a version-control operation is in progress; holding events", source);
      }
      scanClean = !busy(m, now) && now - lastSeen >= QUIET.toNanos();
    }
  }

  /**
   * A poller's scan ended and gave all its events ({@link #forScans} gates): when it began after
   * the operation ended, what is held is released, as one batch.
   */
  public void scanDone() {
    synchronized (this) {
      if (state == State.HOLDING && scanClean) {
        log.debug("{}: version-control operation ended; releasing {} events", source, held.size());
        release();
        state = State.IDLE;
      }
      scanClean = false;
    }
  }

  /** Emits what is held, in arrival order (under the lock: nothing can overtake it). */
  private void release() {
    List<ChangeEvent> batch = new ArrayList<>(held.values());
    held.clear();
    collapsed = false;
    for (ChangeEvent e : batch) {
      out.accept(e);
    }
  }

  /** Stops the gate's thread; held events are dropped. */
  public void cancel() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }

  /** A key inside {@code .git/} or {@code .hg/} (or such a directory or gitfile itself). */
  static boolean isVcsInternal(String key) {
    int from = 0;
    while (from <= key.length()) {
      int slash = key.indexOf('/', from);
      int end = slash < 0 ? key.length() : slash;
      int len = end - from;
      if ((len == 4 && key.startsWith(".git", from)) || (len == 3 && key.startsWith(".hg", from))) {
        return true;
      }
      if (slash < 0) {
        return false;
      }
      from = slash + 1;
    }
    return false;
  }

  /** The marker files of one repository. */
  static final class Markers {
    final Path dir;
    final boolean git;
    private final File dirFile;
    private long lookedAtMtime = -1;
    private long lookedAt;
    private boolean lastAnswer;
    /** Longer than the file system's coarse clock tick (1–10 ms). */
    private static final long MTIME_TICK_MS = 50;
    private final File[] running;
    private final File[] sequences;
    private final File[] stopped;

    private Markers(Path dir, boolean git) {
      this.dir = dir;
      this.git = git;
      this.dirFile = dir.toFile();
      if (git) {
        running = files(dir, "index.lock", "HEAD.lock");
        sequences = files(dir, "rebase-merge", "rebase-apply", "sequencer");
        stopped =
            files(
                dir,
                "REBASE_HEAD",
                "rebase-merge/stopped-sha",
                "rebase-merge/amend",
                "CHERRY_PICK_HEAD",
                "REVERT_HEAD");
      } else {
        running = files(dir, "wlock");
        sequences = new File[0];
        stopped = new File[0];
      }
    }

    private static File[] files(Path dir, String... names) {
      File[] f = new File[names.length];
      for (int i = 0; i < names.length; i++) {
        f[i] = dir.resolve(names[i]).toFile();
      }
      return f;
    }

    /** {@link #inProgress()}, looked at fully only when the VCS directory changed (one stat otherwise). */
    boolean starting() {
      // Every marker is an entry of the VCS directory (or, for a stopped rebase, goes with one),
      // so while the directory's mtime stays what it was when the last full look was made — and
      // that look was made a good while after it, so a later change cannot share its clock tick —
      // the answer stands: one stat per event instead of seven.
      long m = dirFile.lastModified();
      if (m == lookedAtMtime && lookedAt - m > MTIME_TICK_MS && m != 0) {
        return lastAnswer;
      }
      long now = System.currentTimeMillis();
      lastAnswer = inProgress();
      lookedAtMtime = m;
      lookedAt = now;
      return lastAnswer;
    }

    static final int NONE = 0;
    static final int RUNNING = 1;
    static final int STOPPED = 2;

    /** Whether an operation is running now. */
    boolean inProgress() {
      return state() == RUNNING;
    }

    /** NONE, RUNNING, or STOPPED (for the user: a conflict, an edit) — File.exists, no exceptions. */
    int state() {
      for (File f : running) {
        if (f.exists()) {
          return RUNNING;
        }
      }
      for (File s : sequences) {
        if (s.exists()) {
          // git writes CHERRY_PICK_HEAD (and REBASE_HEAD) for a moment during every pick of a
          // rebase: a stop for the user only once the newest such marker is STOPPED_GRACE old.
          // By its own time, not by when this gate first saw it: a gate that first looks while a
          // pick is under way (an event processed late) must not take that pick for a stop.
          long newest = 0;
          for (File p : stopped) {
            newest = Math.max(newest, p.lastModified()); // 0 when it does not exist
          }
          if (newest != 0 && System.currentTimeMillis() - newest >= STOPPED_GRACE.toMillis()) {
            return STOPPED;
          }
          return RUNNING;
        }
      }
      return NONE;
    }

    String describe() {
      StringBuilder b = new StringBuilder();
      for (File f : running) {
        if (f.exists()) {
          b.append(b.length() == 0 ? "" : ", ").append(f);
        }
      }
      for (File f : sequences) {
        if (f.exists()) {
          b.append(b.length() == 0 ? "" : ", ").append(f);
        }
      }
      return b.length() == 0 ? dir.toString() : b.toString();
    }

    /** The VCS directory at or above {@code root}, or null. */
    static @Nullable Markers find(Path root) {
      Path p = root.toAbsolutePath().normalize();
      if (!Files.isDirectory(p)) {
        p = p.getParent();
      }
      for (; p != null; p = p.getParent()) {
        Path gitDir = GitDirs.gitDir(p.resolve(".git"));
        if (gitDir != null) {
          return new Markers(gitDir, true);
        }
        Path hg = p.resolve(".hg");
        if (Files.isDirectory(hg)) {
          return new Markers(hg, false);
        }
      }
      return null;
    }
  }
}
