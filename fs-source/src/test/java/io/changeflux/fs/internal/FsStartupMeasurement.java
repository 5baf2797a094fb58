package io.changeflux.fs.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.ChangeSources;
import io.methvin.watcher.DirectoryWatcher;
import io.methvin.watcher.hashing.FileHasher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * Start-up time (subscribe → ready) on a 100,000-file tree, with and without hashing. Prints, does
 * not assert timings. Run with {@code -Dchangeflux.measure=true -Dtest=FsStartupMeasurement}.
 */
@EnabledIfSystemProperty(named = "changeflux.measure", matches = "true")
class FsStartupMeasurement {

  static final int DIRS = 100;
  static final int FILES_PER_DIR = 1_000;
  static final int SIZE = 4096;

  @TempDir Path dir;

  @Test
  void startupOnA100000FileTree() throws Exception {
    byte[] content = new byte[SIZE];
    new java.util.Random(1).nextBytes(content);
    long t0 = System.nanoTime();
    for (int d = 0; d < DIRS; d++) {
      Path sub = Files.createDirectories(dir.resolve("d" + d));
      for (int f = 0; f < FILES_PER_DIR; f++) {
        Files.write(sub.resolve("f" + f), content);
      }
    }
    System.out.printf("startup: made %d files of %d B in %d ms%n", DIRS * FILES_PER_DIR, SIZE, ms(t0));
    // Warm the page cache, so that every run below reads the same way.
    startup("fs:" + dir);
    for (int run = 0; run < 2; run++) {
      System.out.printf("startup: hash=false  %6d ms%n", startup("fs:" + dir));
      System.out.printf("startup: hash=true   %6d ms  (WatcherFileHasher: 64 KB reads)%n", startup("fs:" + dir + "?hash=true"));
      System.out.printf("startup: library default hasher %6d ms  (DirectoryWatcher alone, one read() per byte)%n", libraryDefault());
      System.out.printf("startup: DirectoryWatcher alone, no hashing %6d ms%n", libraryNoHash());
    }
  }

  @Test
  void latencyFromWriteToEvent() throws Exception {
    java.util.concurrent.BlockingQueue<io.changeflux.ChangeEvent> got = new java.util.concurrent.LinkedBlockingQueue<>();
    CountDownLatch ready = new CountDownLatch(1);
    Disposable d =
        ChangeSources.open("fs:" + dir).events().contextWrite(ChangeSources.onReady(ready::countDown)).subscribe(got::add);
    try {
      assertThat(ready.await(20, TimeUnit.SECONDS)).isTrue();
      long[] micros = new long[500];
      for (int i = 0; i < micros.length; i++) {
        long t0 = System.nanoTime();
        Files.write(dir.resolve("lat" + i), new byte[] {1});
        io.changeflux.ChangeEvent e = got.poll(10, TimeUnit.SECONDS);
        micros[i] = (System.nanoTime() - t0) / 1_000;
        assertThat(e).isNotNull();
        while (got.poll(20, TimeUnit.MILLISECONDS) != null) {
          // the MODIFIED that follows the CREATED
        }
      }
      java.util.Arrays.sort(micros);
      System.out.printf(
          "latency write -> CREATED: p50 %d us, p90 %d us, p99 %d us, max %d us (%d writes)%n",
          micros[micros.length / 2], micros[micros.length * 9 / 10], micros[micros.length * 99 / 100], micros[micros.length - 1], micros.length);
    } finally {
      d.dispose();
    }
  }

  long startup(String uri) throws Exception {
    CountDownLatch ready = new CountDownLatch(1);
    long t0 = System.nanoTime();
    Disposable d =
        ChangeSources.open(uri).events().contextWrite(ChangeSources.onReady(ready::countDown)).subscribe();
    try {
      assertThat(ready.await(10, TimeUnit.MINUTES)).isTrue();
      return ms(t0);
    } finally {
      d.dispose();
    }
  }

  long libraryDefault() throws Exception {
    return library(FileHasher.DEFAULT_FILE_HASHER);
  }

  long libraryNoHash() throws Exception {
    return library(null);
  }

  long library(FileHasher hasher) throws Exception {
    long t0 = System.nanoTime();
    DirectoryWatcher w = DirectoryWatcher.builder().path(dir).fileHasher(hasher).listener(e -> {}).build();
    CompletableFuture<Void> f = w.watchAsync(r -> new Thread(r).start()); // returns once registered
    long took = ms(t0);
    w.close();
    f.get(10, TimeUnit.SECONDS);
    return took;
  }

  static long ms(long t0) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }
}
