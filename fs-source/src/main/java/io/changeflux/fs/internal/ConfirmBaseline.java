package io.changeflux.fs.internal;

import org.jspecify.annotations.Nullable;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeOps;
import io.changeflux.ShaResolver;
import io.changeflux.files.TreeScanner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code confirm=sha256} on {@code fs:}: the content when the watch started is the baseline.
 * After subscription, a low-priority thread ({@code changeflux-fs-baseline-N}) walks the tree and
 * hashes each file with the source's own content rule, keeping the SHA only when the file's
 * status-change time ({@code ctime}, which no tool can set back) is older than the start (less a
 * margin for the kernel's coarse clock) before and after hashing: then the bytes hashed are the
 * bytes at start. The first CREATED or MODIFIED of such a key carries the SHA in {@link
 * ChangeOps#BASELINE_SHA_HEADER}, and the pipeline's confirm drops it when the content is the same.
 *
 * <p>Start-up is not delayed (the walk begins when the watch is ready); a file changed before the walk
 * reached it has a newer ctime and no baseline (its first change is reported, as without one). At
 * most {@code maxKeys} SHAs are kept (then the walk stops); each is dropped at its key's first
 * event. Where the platform has no {@code unix:ctime}, there is no baseline.
 */
public final class ConfirmBaseline implements Consumer<ChangeEvent> {

  private static final Logger log = LoggerFactory.getLogger(ConfirmBaseline.class);
  private static final AtomicInteger IDS = new AtomicInteger();
  /** Walks not finished yet, in this JVM (tests wait for it to be 0). */
  static final AtomicInteger RUNNING = new AtomicInteger();

  /** Files whose ctime is this close to the start are not taken (file times lag the clock by a tick). */
  static final long MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final Consumer<ChangeEvent> out;
  private final ConcurrentHashMap<String, String> shas = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean cancelled;
  private volatile boolean done;
  private boolean begun;

  /**
   * A baseline of {@code scanner}'s tree ({@code file}: of that one file only, under {@code
   * fileKey}) whose events pass to {@code out}; {@code skip}: keys not to hash (ignored). The walk
   * waits for {@link #begin()} (the watch being ready: the walk then does not compete with the
   * registration walk); the start time is now.
   */
  public static ConfirmBaseline create(
      TreeScanner scanner,
      @Nullable Path file,
      @Nullable String fileKey,
      ShaResolver resolver,
      Predicate<String> skip,
      int maxKeys,
      String source,
      Consumer<ChangeEvent> out) {
    return new ConfirmBaseline(scanner, file, fileKey, resolver, skip, maxKeys, source, out);
  }

  /** Starts the walk (once; not after {@link #cancel()}). */
  public synchronized void begin() {
    if (!begun && !cancelled) {
      begun = true;
      RUNNING.incrementAndGet();
      thread.start();
    }
  }

  private ConfirmBaseline(
      TreeScanner scanner,
      @Nullable Path file,
      @Nullable String fileKey,
      ShaResolver resolver,
      Predicate<String> skip,
      int maxKeys,
      String source,
      Consumer<ChangeEvent> out) {
    this.out = out;
    long startNanos = nowNanos() - MARGIN_NANOS;
    this.thread =
        new Thread(
            () -> {
              long t0 = System.nanoTime();
              try {
                if (file != null) {
                  take(file, java.util.Objects.requireNonNull(fileKey, "a file comes with its key"), resolver, startNanos);
                } else {
                  scanner.walk(
                      scanner.root(),
                      new TreeScanner.Visitor() {
                        @Override
                        public void directory(Path dir) {}

                        @Override
                        public void file(Path f, String key, BasicFileAttributes attrs) throws IOException {
                          if (cancelled) {
                            throw new TreeScanner.VisitorException(new java.io.InterruptedIOException("cancelled"));
                          }
                          if (shas.size() >= maxKeys) {
                            throw new TreeScanner.VisitorException(new IOException("full"));
                          }
                          if (attrs.isRegularFile() && !skip.test(key)) {
                            take(f, key, resolver, startNanos);
                          }
                        }
                      },
                      false);
                }
                log.debug(
                    "{}: confirm baseline: {} files hashed in {} ms",
                    source,
                    shas.size(),
                    (System.nanoTime() - t0) / 1_000_000);
              } catch (IOException | RuntimeException e) {
                if (!cancelled) {
                  log.info(
                      "{}: confirm baseline stopped after {} files: {}",
                      source,
                      shas.size(),
                      shas.size() >= maxKeys ? "at most " + maxKeys + " files are kept" : e.toString());
                }
              } finally {
                done = true;
                RUNNING.decrementAndGet();
              }
            },
            "changeflux-fs-baseline-" + IDS.incrementAndGet());
    thread.setDaemon(true);
    thread.setPriority(Thread.MIN_PRIORITY);
  }

  private void take(Path f, String key, ShaResolver resolver, long startNanos) {
    try {
      long before = ctime(f);
      if (before < 0 || before >= startNanos) {
        return;
      }
      String sha = resolver.resolve(ChangeEvent.builder(ChangeKind.MODIFIED, key).path(f).build());
      if (sha != null && ctime(f) == before) {
        shas.put(key, sha);
      }
    } catch (IOException | RuntimeException e) {
      log.debug("confirm baseline: {}: {}", f, e.toString());
    }
  }

  /** The status-change time in nanoseconds, -1 when there is none. */
  private static long ctime(Path f) throws IOException {
    try {
      Object t = Files.getAttribute(f, "unix:ctime", LinkOption.NOFOLLOW_LINKS);
      return t instanceof FileTime ? ((FileTime) t).to(TimeUnit.NANOSECONDS) : -1;
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      return -1;
    }
  }

  private static long nowNanos() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /** Puts the baseline SHA on the first CREATED/MODIFIED of a key; a DELETED forgets it. */
  @Override
  public void accept(ChangeEvent e) {
    if (!shas.isEmpty()) {
      if (e.kind() == ChangeKind.CREATED || e.kind() == ChangeKind.MODIFIED) {
        String sha = shas.remove(e.key());
        if (sha != null) {
          e = e.toBuilder().header(ChangeOps.BASELINE_SHA_HEADER, sha).build();
        }
      } else if (e.kind() == ChangeKind.DELETED) {
        shas.remove(e.key());
      }
    }
    out.accept(e);
  }

  /** Whether the walk has ended (tests). */
  boolean done() {
    return done;
  }

  /** Stops the walk. */
  public synchronized void cancel() {
    cancelled = true;
    thread.interrupt();
  }
}
