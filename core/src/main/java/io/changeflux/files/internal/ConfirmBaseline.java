package io.changeflux.files.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeOps;
import io.changeflux.ShaResolver;
import io.changeflux.files.FileState;
import io.changeflux.files.TreeScanner;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code confirm=sha256} on a file source ({@code fs:}, {@code poll:}): the content when the
 * source started is the baseline. Once the source is ready ({@link #begin()}), a low-priority
 * daemon thread ({@code changeflux-KIND-baseline-N}) hashes the files that were there, with the
 * source's own content rule, and keeps a SHA only when the file is known to be unchanged since the
 * start and did not change while it was hashed: its size, modification time and status-change time
 * ({@code ctime}, which no tool can set back) are the same before and after hashing. "Unchanged
 * since the start" is, for a walk ({@link #ofTree}, {@link #ofFile}: {@code fs:}), a {@code ctime}
 * older than the start less {@link #MARGIN_NANOS}; for a scan ({@link #ofScan}: {@code poll:}),
 * the size and modification time the first scan saw (the poller's own notion of a change).
 *
 * <p>The first CREATED or MODIFIED of a key with a SHA carries it in {@link
 * ChangeOps#BASELINE_SHA_HEADER} ({@link #mark}, {@link #take}), and the pipeline's confirm drops
 * it when the content is the same. An event for a key whose SHA is not computed yet passes
 * without one, and the key gets none later (its change was reported, as without a baseline). At
 * most {@code maxKeys} SHAs are kept (then the walk stops). Where the platform has no {@code
 * unix:ctime}, a walk keeps nothing and a scan checks size and time only.
 */
public final class ConfirmBaseline {

  private static final Logger log = LoggerFactory.getLogger(ConfirmBaseline.class);
  private static final AtomicInteger IDS = new AtomicInteger();
  /** Baselines begun and not finished yet, in this JVM. */
  private static final AtomicInteger RUNNING = new AtomicInteger();
  /** In the map: the key had an event before its SHA was computed; it gets none. */
  private static final Object SEEN = new Object();

  /** Files whose ctime is this close to the start are not taken (file times lag the clock by a tick). */
  public static final long MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final ConcurrentHashMap<String, Object> shas = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean cancelled;
  private volatile boolean done;
  /** SHAs kept; touched by the hashing thread only. */
  private int kept;
  private boolean begun;

  /** What one file is, where a baseline needs to know (one stat); ctime -1 where there is none. */
  private record Stat(long size, long mtimeNanos, long ctimeNanos) {}

  /** How the files are found and what "unchanged since the start" means. */
  private interface Walk {
    void run(ConfirmBaseline b) throws IOException;
  }

  /**
   * A baseline of {@code scanner}'s tree, hashed once {@link #begin() begun}; the start is now.
   *
   * @param kind the source kind, for the thread's name ({@code fs})
   * @param scanner the tree (its pruning applies)
   * @param resolver the source's content rule
   * @param skip keys not to hash (ignored)
   * @param maxKeys at most this many SHAs are kept
   * @param source the redacted source, for log lines
   * @return the baseline, not begun
   */
  public static ConfirmBaseline ofTree(
      String kind, TreeScanner scanner, ShaResolver resolver, Predicate<String> skip, int maxKeys, String source) {
    long start = nowNanos() - MARGIN_NANOS;
    return new ConfirmBaseline(
        kind,
        source,
        maxKeys,
        b ->
            scanner.walk(
                scanner.root(),
                new TreeScanner.Visitor() {
                  @Override
                  public void directory(Path dir) {}

                  @Override
                  public void file(Path f, String key, BasicFileAttributes attrs) throws IOException {
                    b.check(maxKeys);
                    if (attrs.isRegularFile() && !skip.test(key)) {
                      b.hash(f, key, resolver, scanner.followLinks(), null, start);
                    }
                  }
                },
                false));
  }

  /**
   * A baseline of one file, under {@code key}; the start is now.
   *
   * @param kind the source kind, for the thread's name ({@code fs})
   * @param file the file
   * @param key its key
   * @param resolver the source's content rule
   * @param source the redacted source, for log lines
   * @return the baseline, not begun
   */
  public static ConfirmBaseline ofFile(String kind, Path file, String key, ShaResolver resolver, String source) {
    long start = nowNanos() - MARGIN_NANOS;
    return new ConfirmBaseline(kind, source, 1, b -> b.hash(file, key, resolver, true, null, start));
  }

  /**
   * A baseline of the files a first scan found: a SHA is kept when the file still has the size and
   * time of {@code scan} before and after hashing (and the same ctime, where there is one).
   *
   * @param kind the source kind, for the thread's name ({@code poll})
   * @param scan key → state of the first scan; copied here (cheap: no entry is copied)
   * @param followLinks whether a link to a file is hashed (and statted) as its target
   * @param resolver the source's content rule
   * @param maxKeys at most this many SHAs are kept
   * @param source the redacted source, for log lines
   * @return the baseline, not begun
   */
  public static ConfirmBaseline ofScan(
      String kind,
      Map<String, FileState> scan,
      boolean followLinks,
      ShaResolver resolver,
      int maxKeys,
      String source) {
    List<Map.Entry<String, FileState>> files = new ArrayList<>(scan.entrySet());
    return new ConfirmBaseline(
        kind,
        source,
        maxKeys,
        b -> {
          for (Map.Entry<String, FileState> e : files) {
            b.check(maxKeys);
            b.hash(e.getValue().path(), e.getKey(), resolver, followLinks, e.getValue(), Long.MIN_VALUE);
          }
        });
  }

  private ConfirmBaseline(String kind, String source, int maxKeys, Walk walk) {
    this.thread =
        new Thread(
            () -> {
              long t0 = System.nanoTime();
              try {
                walk.run(this);
                log.debug("{}: confirm baseline: {} files hashed in {} ms", source, kept, (System.nanoTime() - t0) / 1_000_000);
              } catch (IOException | RuntimeException e) {
                if (!cancelled) {
                  log.info(
                      "{}: confirm baseline stopped after {} files: {}",
                      source,
                      kept,
                      kept >= maxKeys ? "at most " + maxKeys + " files are kept" : e.toString());
                }
              } finally {
                done = true;
                shas.values().removeIf(v -> v == SEEN); // no SHA is put any more: nothing to guard
                RUNNING.decrementAndGet();
              }
            },
            "changeflux-" + kind + "-baseline-" + IDS.incrementAndGet());
    thread.setDaemon(true);
    thread.setPriority(Thread.MIN_PRIORITY);
  }

  /**
   * Starts hashing (once; not after {@link #cancel()}): when the source is ready, so that it does
   * not compete with the source's own start.
   */
  public synchronized void begin() {
    if (!begun && !cancelled) {
      begun = true;
      RUNNING.incrementAndGet();
      thread.start();
    }
  }

  /** Stops hashing; the SHAs kept so far still apply. */
  public synchronized void cancel() {
    cancelled = true;
    thread.interrupt();
  }

  /**
   * Whether hashing has ended (finished, failed, stopped or cancelled).
   *
   * @return {@code true} once no SHA is added any more
   */
  public boolean done() {
    return done;
  }

  /**
   * How many baselines of this JVM are hashing now (begun, not ended): tests wait for 0.
   *
   * @return the number of baselines running
   */
  public static int running() {
    return RUNNING.get();
  }

  /**
   * The baseline SHA for an event of {@code key}, forgotten here: for its first CREATED or
   * MODIFIED, the SHA of the content at start, if one was kept; else null. Any event of a key whose
   * SHA is not computed yet means the key gets none.
   *
   * @param kind the event's kind
   * @param key the event's key
   * @return the SHA to put in {@link ChangeOps#BASELINE_SHA_HEADER}, or null
   */
  public @Nullable String take(ChangeKind kind, String key) {
    if (kind == ChangeKind.OVERFLOW || (done && shas.isEmpty())) {
      return null;
    }
    Object sha = done ? shas.remove(key) : shas.put(key, SEEN);
    return sha instanceof String && kind != ChangeKind.DELETED ? (String) sha : null;
  }

  /**
   * {@code e} with the header {@link ChangeOps#BASELINE_SHA_HEADER} when {@link #take} has a SHA
   * for it; else {@code e} itself.
   *
   * @param e an event of the source
   * @return the event to pass on
   */
  public ChangeEvent mark(ChangeEvent e) {
    String sha = take(e.kind(), e.key());
    return sha == null ? e : e.toBuilder().header(ChangeOps.BASELINE_SHA_HEADER, sha).build();
  }

  private void check(int maxKeys) throws IOException {
    if (cancelled) {
      throw new TreeScanner.VisitorException(new InterruptedIOException("cancelled"));
    }
    if (kept >= maxKeys) {
      throw new TreeScanner.VisitorException(new IOException("full"));
    }
  }

  /**
   * Hashes {@code f} and keeps its SHA when it is unchanged since the start ({@code scanned}: its
   * size and time are those; else its ctime is older than {@code startNanos}) and while hashed.
   */
  private void hash(Path f, String key, ShaResolver resolver, boolean follow, @Nullable FileState scanned, long startNanos) {
    try {
      Stat before = stat(f, follow);
      if (before == null
          || (scanned != null
              ? before.size() != scanned.size() || before.mtimeNanos() != scanned.mtimeNanos()
              : before.ctimeNanos() < 0 || before.ctimeNanos() >= startNanos)) {
        return;
      }
      String sha = resolver.resolve(ChangeEvent.builder(ChangeKind.MODIFIED, key).path(f).build());
      if (sha != null && before.equals(stat(f, follow)) && shas.putIfAbsent(key, sha) == null) {
        kept++; // this thread only
      }
    } catch (IOException | RuntimeException e) {
      log.debug("confirm baseline: {}: {}", f, e.toString());
    }
  }

  /** Size, modification and status-change time in one stat; null when the file is gone or not regular. */
  private static @Nullable Stat stat(Path f, boolean follow) throws IOException {
    LinkOption[] opts = follow ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
    try {
      Map<String, Object> a = Files.readAttributes(f, "unix:size,lastModifiedTime,ctime,isRegularFile", opts);
      if (!Boolean.TRUE.equals(a.get("isRegularFile"))) {
        return null;
      }
      return new Stat(
          ((Number) Objects.requireNonNull(a.get("size"))).longValue(),
          nanos(a.get("lastModifiedTime")),
          nanos(a.get("ctime")));
    } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
      BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, opts);
      return a.isRegularFile() ? new Stat(a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS), -1) : null;
    } catch (java.nio.file.NoSuchFileException gone) {
      return null;
    }
  }

  private static long nanos(@Nullable Object t) {
    return t instanceof FileTime ? ((FileTime) t).to(TimeUnit.NANOSECONDS) : -1;
  }

  private static long nowNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}
