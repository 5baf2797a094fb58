package io.changeflux.fs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * 60,000 creates in one directory: far more than the kernel's inotify queue (16,384 events here)
 * and the JDK's per-key queue (512 events) hold. Whatever is lost must come back through OVERFLOW
 * and the rescan, so that the files reported equal the files on disk.
 */
class FsBurstTest {

  static final int FILES = 60_000;

  @TempDir Path dir;

  @Test
  void burstOf60000CreatesEndsWithEveryFileReported() throws Exception {
    long start = System.nanoTime();
    Path burst = Files.createDirectories(dir.resolve("burst"));
    Set<String> reported = ConcurrentHashMap.newKeySet();
    Set<String> modified = ConcurrentHashMap.newKeySet();
    AtomicLong events = new AtomicLong();
    AtomicLong overflows = new AtomicLong();
    AtomicLong created = new AtomicLong();
    AtomicReference<Throwable> error = new AtomicReference<>();
    CountDownLatch ready = new CountDownLatch(1);
    Disposable d =
        ChangeSources.open("fs:" + dir + "?coalesce=1000000")
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(
                (ChangeEvent e) -> {
                  events.incrementAndGet();
                  switch (e.kind()) {
                    case OVERFLOW:
                      overflows.incrementAndGet();
                      break;
                    case DELETED:
                      reported.remove(e.key());
                      break;
                    default:
                      if (e.kind() == ChangeKind.CREATED) {
                        created.incrementAndGet();
                      } else {
                        modified.add(e.key());
                      }
                      reported.add(e.key());
                  }
                },
                error::set);
    try {
      assertThat(ready.await(20, TimeUnit.SECONDS)).isTrue();
      long t0 = System.nanoTime();
      byte[] content = "x".getBytes();
      for (int i = 0; i < FILES; i++) {
        Files.write(burst.resolve("f" + i), content);
        if (i == FILES / 2) {
          // A directory made mid-burst, whose own CREATE may be lost in an overflow.
          Files.createDirectories(dir.resolve("late"));
          Files.write(dir.resolve("late/in-late"), content);
        }
      }
      long written = System.nanoTime() - t0;
      System.out.printf("burst: written after %d ms, %d events so far%n", written / 1_000_000, events.get());
      Set<String> onDisk = onDisk(dir);
      assertThat(onDisk).hasSize(FILES + 1);
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(20))
          // Plain Set methods: AssertJ's containsAll is quadratic on 60,000 elements.
          .until(() -> reported.size() == onDisk.size() && reported.containsAll(onDisk));
      long settled = System.nanoTime() - t0;
      System.out.printf("burst: settled after %d ms%n", settled / 1_000_000);
      // The directory made during the burst is watched: a later file in it is seen.
      Files.write(dir.resolve("late/after-burst"), content);
      await().atMost(Duration.ofSeconds(20)).until(() -> reported.contains("late/after-burst"));
      assertThat(reported.equals(onDisk(dir))).as("reported keys equal the files on disk").isTrue();
      assertThat(error.get()).isNull();
      System.out.printf(
          "burst: %d files written in %d ms; %d events (%d CREATED, %d OVERFLOW); every file reported %d ms after the first write, %d ms after the last%n",
          FILES + 1,
          TimeUnit.NANOSECONDS.toMillis(written),
          events.get(),
          created.get(),
          overflows.get(),
          TimeUnit.NANOSECONDS.toMillis(settled),
          TimeUnit.NANOSECONDS.toMillis(settled - written));

      // Second wave: delete half the files and grow 1,000 others, as fast as possible.
      long overflowsBefore = overflows.get();
      modified.clear();
      Set<String> grown = new java.util.HashSet<>();
      long t1 = System.nanoTime();
      for (int i = 0; i < FILES; i += 2) {
        Files.delete(burst.resolve("f" + i));
        if (i % 60 == 0) {
          Files.write(burst.resolve("f" + (i + 1)), content, java.nio.file.StandardOpenOption.APPEND);
          grown.add("burst/f" + (i + 1));
        }
      }
      Set<String> afterWave = onDisk(dir);
      assertThat(afterWave).hasSize(FILES / 2 + 2);
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> reported.size() == afterWave.size() && reported.containsAll(afterWave));
      await().atMost(Duration.ofSeconds(20)).until(() -> modified.containsAll(grown));
      System.out.printf(
          "burst: %d deletes + %d appends: %d OVERFLOW; state matched the disk %d ms after the first delete%n",
          FILES / 2,
          grown.size(),
          overflows.get() - overflowsBefore,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1));
      assertThat(error.get()).isNull();
    } finally {
      d.dispose();
    }
    System.out.printf("burst: test body done after %d ms%n", (System.nanoTime() - start) / 1_000_000);
  }

  @Test
  void lostEventsBecomeOneOverflowAndTheRescanReportsEveryDifference() throws Exception {
    // Pre-existing files, some to delete and some to grow while events are being lost.
    for (int i = 0; i < 200; i++) {
      Files.write(dir.resolve("old" + i), new byte[] {1});
    }
    CountDownLatch release = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean held = new java.util.concurrent.atomic.AtomicBoolean();
    NativeWatch.beforeHandOff =
        () -> {
          if (held.compareAndSet(false, true)) {
            try {
              release.await(60, TimeUnit.SECONDS); // hold the watcher thread up
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    java.util.Map<String, ChangeKind> last = new ConcurrentHashMap<>();
    java.util.List<ChangeEvent> overflowEvents = new java.util.concurrent.CopyOnWriteArrayList<>();
    CountDownLatch ready = new CountDownLatch(1);
    Disposable d =
        ChangeSources.open("fs:" + dir)
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(
                e -> {
                  if (e.kind() == ChangeKind.OVERFLOW) {
                    overflowEvents.add(e);
                  } else {
                    last.put(e.key(), e.kind());
                  }
                });
    try {
      assertThat(ready.await(20, TimeUnit.SECONDS)).isTrue();
      Files.write(dir.resolve("first"), new byte[] {1}); // the event the watcher thread stops on
      await().atMost(Duration.ofSeconds(20)).until(held::get);
      // While the watcher thread is held, far more than the JDK's 512 pending events per key (and,
      // on the native engine, than the kernel's queue).
      int creates = TestEngine.toLose(2_000);
      for (int i = 0; i < creates; i++) {
        Files.write(dir.resolve("new" + i), new byte[] {1});
      }
      for (int i = 0; i < 100; i++) {
        Files.delete(dir.resolve("old" + i));
      }
      for (int i = 100; i < 150; i++) {
        Files.write(dir.resolve("old" + i), new byte[] {2, 2}, java.nio.file.StandardOpenOption.APPEND);
      }
      release.countDown();
      await().atMost(Duration.ofSeconds(30)).until(() -> !overflowEvents.isEmpty());
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                for (int i = 0; i < creates; i++) {
                  assertThat(last.get("new" + i)).as("new" + i).isIn(ChangeKind.CREATED, ChangeKind.MODIFIED);
                }
                for (int i = 0; i < 100; i++) {
                  assertThat(last.get("old" + i)).as("old" + i).isEqualTo(ChangeKind.DELETED);
                }
                for (int i = 100; i < 150; i++) {
                  assertThat(last.get("old" + i)).as("old" + i).isEqualTo(ChangeKind.MODIFIED);
                }
              });
      assertThat(last).doesNotContainKeys("old150", "old199"); // untouched: nothing reported
      assertThat(overflowEvents.get(0).headers()).containsEntry("reason", "overflow");
      assertThat(overflowEvents.get(0).key()).isEmpty();
      assertThat(overflowEvents.get(0).path()).contains(dir);
      System.out.printf("held watcher: %d OVERFLOW events, %d keys reported%n", overflowEvents.size(), last.size());
    } finally {
      NativeWatch.beforeHandOff = null;
      release.countDown();
      d.dispose();
    }
  }

  static Set<String> onDisk(Path root) throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile)
          .map(p -> root.relativize(p).toString())
          .collect(Collectors.toSet());
    }
  }
}
