package io.changeflux.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;

/**
 * One watcher on a tree, in a fresh JVM (so its memory is its own): prints one JSON line with the
 * time from start to ready, heap used and RSS after a GC, and the peak RSS. Modes: {@code jdk}
 * (register every directory with the JDK WatchService), {@code dw} (directory-watcher alone, no
 * hashing), {@code fs} / {@code fs-hash} (changeflux fs: with hash=false / hash=true), {@code
 * fs-native} / {@code fs-portable} (fs: on one engine), {@code
 * fs-settle-gitignore} (settle=vcs and gitignore=true), {@code fs-confirm} (confirm=sha256: its
 * baseline walk runs after ready), {@code poll} / {@code poll-confirm} (poll: without and with
 * confirm=sha256, whose baseline is hashed after ready too), {@code
 * idle} (nothing: the JVM's own footprint).
 */
public final class ScaleProbe {

  private ScaleProbe() {}

  /** {@code ScaleProbe MODE ROOT}. */
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Path root = Path.of(args[1]);
    AutoCloseable handle = () -> {};
    long t0 = System.nanoTime();
    switch (mode) {
      case "jdk":
        handle = jdk(root);
        break;
      case "dw":
        handle = Watchers.directoryWatcher().start(root, (k, kind) -> {});
        break;
      case "fs":
        handle = Watchers.changeflux("fs", "fs", "hash=false").start(root, (k, kind) -> {});
        break;
      case "fs-native":
        handle = Watchers.changeflux("fs", "fs", "engine=native").start(root, (k, kind) -> {});
        break;
      case "fs-portable":
        handle = Watchers.changeflux("fs", "fs", "engine=portable").start(root, (k, kind) -> {});
        break;
      case "fs-hash":
        handle = Watchers.changeflux("fs", "fs", "hash=true").start(root, (k, kind) -> {});
        break;
      case "fs-settle-gitignore":
        handle = Watchers.changeflux("fs", "fs", "settle=vcs&gitignore=true").start(root, (k, kind) -> {});
        break;
      case "fs-confirm":
        // ready does not wait for the baseline walk; the memory after GC includes what it kept so far
        handle = Watchers.changeflux("fs", "fs", "confirm=sha256").start(root, (k, kind) -> {});
        break;
      case "poll":
        handle = Watchers.changeflux("poll", "poll", "interval=1s").start(root, (k, kind) -> {});
        break;
      case "poll-confirm":
        // like fs-confirm: the baseline is hashed after ready (core's ConfirmBaseline)
        handle = Watchers.changeflux("poll", "poll", "interval=1s&confirm=sha256").start(root, (k, kind) -> {});
        break;
      case "idle":
        break;
      default:
        throw new IllegalArgumentException(mode);
    }
    long t1 = System.nanoTime();
    double[] before = Bench.rssAndPeakMb();
    System.gc();
    Thread.sleep(200);
    double heap =
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0);
    double[] after = Bench.rssAndPeakMb();
    System.out.printf(
        Locale.ROOT,
        "PROBE {\"mode\":\"%s\",\"readySeconds\":%.4f,\"heapMbAfterGc\":%.1f,\"rssMbAtReady\":%.1f,\"rssMbAfterGc\":%.1f,\"peakRssMb\":%.1f}%n",
        mode, (t1 - t0) / 1e9, heap, before[0], after[0], after[1]);
    System.out.flush();
    handle.close();
    System.exit(0);
  }

  private static AutoCloseable jdk(Path root) throws IOException {
    WatchService ws = FileSystems.getDefault().newWatchService();
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
            dir.register(
                ws,
                StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
            return FileVisitResult.CONTINUE;
          }
        });
    return ws;
  }
}
