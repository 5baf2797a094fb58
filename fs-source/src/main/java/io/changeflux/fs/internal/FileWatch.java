package io.changeflux.fs.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import io.changeflux.files.FileState;
import io.changeflux.files.TreeScanner;
import io.changeflux.spi.Readiness;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.FluxSink;

/**
 * The watch of one file ({@code fs:FILE}). Editors and deployment tools rarely write a file in
 * place: vim renames it away and writes a new one, {@code sed -i} and most tools write a temporary
 * file and rename it over, a Kubernetes ConfigMap mount re-points a {@code ..data} symlink to a new
 * directory. A watch on the file's inode would go deaf after the first such save, so this watches
 * the file's directory (one inotify watch, no sub-directories) and, a short settle time after any
 * event there, compares the file as its name now resolves (links followed: size, modification
 * time, file key) with what it last reported: one CREATED, MODIFIED or DELETED for the whole save.
 * A file that is missing at a check is reported DELETED only when it is still missing a grace
 * time later (an atomic save leaves the name empty for a moment).
 */
public final class FileWatch {

  private static final Logger log = LoggerFactory.getLogger(FileWatch.class);
  private static final AtomicInteger IDS = new AtomicInteger();

  /** Time from the first event in the directory to the check. */
  static final long SETTLE_MILLIS = 50;

  /** Time a missing file is given to come back before it is reported DELETED. */
  static final long GRACE_MILLIS = 250;

  private final FsConfig config;
  private final FluxSink<ChangeEvent> sink;
  private final Consumer<ChangeEvent> out;
  private final Path file;
  private final Path dir;
  private final String key;
  private final WatchEngine nativeWatch;
  private final RootGuard dirGuard;
  private final Thread thread;
  private volatile boolean cancelled;
  private @Nullable FileState last;
  private boolean signalled;

  /** A watch of the file {@code config.root()}; nothing runs until {@link #start()}. */
  public FileWatch(FsConfig config, FluxSink<ChangeEvent> sink) {
    this(config, sink, sink::next);
  }

  /** A watch whose events go to {@code out} (errors and readiness to {@code sink}). */
  public FileWatch(FsConfig config, FluxSink<ChangeEvent> sink, Consumer<ChangeEvent> out) {
    this.config = config;
    this.sink = sink;
    this.out = out;
    this.file = config.root();
    this.dir = java.util.Objects.requireNonNull(file.getParent()); // a file, so never the root of the file system
    this.key = file.getFileName().toString();
    int id = IDS.incrementAndGet();
    FsConfig dirConfig =
        new FsConfig(
            dir,
            config.source(),
            false,
            false,
            false,
            config.fallback(),
            config.pollInterval(),
            false,
            config.awaitRoot(),
            false,
            Duration.ZERO,
            config.engine());
    this.nativeWatch =
        Engines.create(dirConfig, new TreeScanner(dir, false, false), (d, k) -> {}, id);
    this.dirGuard = new RootGuard(dir, config.pollInterval().toMillis());
    this.thread = new Thread(this::run, "changeflux-fs-" + id);
    this.thread.setDaemon(true);
  }

  /** Starts the watch thread. */
  public void start() {
    thread.start();
  }

  /** Stops the watch thread, the watcher thread and the watch. */
  public void cancel() {
    cancelled = true;
    nativeWatch.cancel();
    thread.interrupt();
  }

  private void run() {
    try {
      boolean polling = "poll".equals(config.fallback());
      if (!polling) {
        String failure = startNative();
        if (failure != null) {
          if ("none".equals(config.fallback())) {
            fail("cannot watch " + dir + " natively: " + failure + " (fallback=none; use fallback=auto to poll instead)");
            return;
          }
          log.warn(
              "{}: native watching unavailable ({}); checking {} every {} ms instead",
              config.source(),
              failure,
              file,
              config.pollInterval().toMillis());
          polling = true;
        }
      }
      last = stat();
      if (last != null && config.initial()) {
        emit(ChangeKind.CREATED, last);
      }
      ready();
      if (polling) {
        pollLoop();
      } else {
        nativeLoop();
      }
    } catch (InterruptedException e) {
      // cancelled
    } catch (Throwable t) {
      if (!cancelled) {
        log.error("{}: watch failed: {}", config.source(), t.toString(), t);
        sink.error(new ChangeSourceException(config.source() + ": watch failed: " + t, t));
      }
    } finally {
      nativeWatch.close();
    }
  }

  private @Nullable String startNative() {
    try {
      dirGuard.remember();
    } catch (IOException e) {
      return FsWatch.describe(e);
    }
    String failure = nativeWatch.start();
    nativeWatch.takeRegistration(); // the directory's listing is not needed
    return failure;
  }

  private void nativeLoop() throws InterruptedException {
    while (!cancelled) {
      boolean lost = nativeWatch.takeOverflow();
      NativeWatch.Raw r = nativeWatch.poll(lost ? 0 : 100);
      if (lost || r != null) {
        // Anything in the directory may concern the file (a rename onto it, a link re-pointed):
        // let the save finish, drop what came meanwhile, and look.
        Thread.sleep(SETTLE_MILLIS);
        nativeWatch.dropQueued();
        nativeWatch.takeOverflow();
        check();
      } else if (nativeWatch.takeEnded() || dirGuard.movedOrReplaced()) {
        if (!directoryGone()) {
          return;
        }
      }
    }
  }

  private void pollLoop() throws InterruptedException {
    long interval = Math.max(10, config.pollInterval().toMillis());
    while (!cancelled) {
      Thread.sleep(interval);
      check();
    }
  }

  /** Compares the file with what was last reported and emits the difference. */
  private void check() throws InterruptedException {
    FileState now = stat();
    if (now == null && last != null) {
      // An atomic save leaves the name empty for a moment: give it time to come back.
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GRACE_MILLIS);
      while (now == null && System.nanoTime() < deadline && !cancelled) {
        Thread.sleep(10);
        now = stat();
      }
      if (now != null) {
        nativeWatch.dropQueued(); // what the save did meanwhile is covered by this check
      }
    }
    if (now == null) {
      if (last != null) {
        emit(ChangeKind.DELETED, last);
      }
    } else if (last == null) {
      emit(ChangeKind.CREATED, now);
    } else if (!last.sameStat(now)) {
      emit(ChangeKind.MODIFIED, now);
    }
    last = now;
  }

  /**
   * The directory was deleted or replaced: report the file gone, then wait for the directory
   * ({@code awaitRoot}) or fail. Returns whether the watch goes on.
   */
  private boolean directoryGone() throws InterruptedException {
    if (dirGuard.present()) {
      log.warn("{}: {} was replaced or its watcher stopped; watching it again", config.source(), dir);
    } else {
      if (last != null) {
        emit(ChangeKind.DELETED, last);
        last = null;
      }
      nativeWatch.close();
      if (!config.awaitRoot()) {
        fail("the directory of the watched file, " + dir + ", was deleted");
        return false;
      }
      log.warn("{}: {} was deleted; waiting for it to come back", config.source(), dir);
      if (!dirGuard.await(() -> cancelled)) {
        return false;
      }
    }
    String failure = startNative();
    if (failure != null) {
      fail("cannot watch " + dir + " natively: " + failure);
      return false;
    }
    check();
    return true;
  }

  /** The file as its name resolves now (links followed); null when missing or not a file. */
  private @Nullable FileState stat() {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return a.isDirectory() ? null : TreeScanner.state(file, a);
    } catch (IOException e) {
      return null;
    }
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

  private void emit(ChangeKind kind, FileState f) {
    if (!cancelled) {
      out.accept(ChangeEvent.builder(kind, key).source(config.source()).path(f.path()).build());
    }
  }
}
