package io.changeflux.fs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.methvin.watcher.DirectoryChangeEvent;
import io.methvin.watcher.DirectoryChangeListener;
import io.methvin.watcher.DirectoryWatcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pins down the library behaviour this backend works around: directory-watcher 0.19.1 never
 * delivers its OVERFLOW event; the kernel's (or the JDK's) overflow reaches {@code onException}
 * as a NullPointerException, and the lost events are simply gone. If a new version fixes this,
 * this test fails and the README's overflow section should be revisited.
 */
class DirectoryWatcherOverflowTest {

  @TempDir Path dir;

  @Test
  void libraryTurnsOverflowIntoANullPointerExceptionInOnException() throws Exception {
    List<DirectoryChangeEvent.EventType> types = new CopyOnWriteArrayList<>();
    List<Path> paths = new CopyOnWriteArrayList<>();
    List<Exception> exceptions = new CopyOnWriteArrayList<>();
    AtomicInteger seen = new AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.CountDownLatch burstWritten = new java.util.concurrent.CountDownLatch(1);
    DirectoryWatcher w =
        DirectoryWatcher.builder()
            .path(dir)
            .fileHashing(false)
            .listener(
                new DirectoryChangeListener() {
                  @Override
                  public void onEvent(DirectoryChangeEvent e) throws java.io.IOException {
                    types.add(e.eventType());
                    paths.add(e.path());
                    if (armed.get() && seen.incrementAndGet() == 1) {
                      // A stalled listener until the burst is written, however slowly the
                      // machine writes it: the JDK's key holds 512 events, the burst is 3,000.
                      try {
                        burstWritten.await(60, java.util.concurrent.TimeUnit.SECONDS);
                      } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                      }
                    }
                  }

                  @Override
                  public void onException(Exception e) {
                    exceptions.add(e);
                  }
                })
            .build();
    w.watchAsync(r -> new Thread(r, "dw-overflow-test").start());
    try {
      // The watch is registered asynchronously: wait until it reports a probe, then slow the
      // listener down and burst.
      Files.write(dir.resolve("probe"), new byte[] {1});
      await().atMost(Duration.ofSeconds(30)).until(() -> paths.contains(dir.resolve("probe")));
      armed.set(true);
      for (int i = 0; i < 3_000; i++) {
        Files.write(dir.resolve("f" + i), new byte[] {1});
      }
      burstWritten.countDown();
      await().atMost(Duration.ofSeconds(30)).until(() -> !exceptions.isEmpty());
      assertThat(exceptions).anyMatch(e -> e instanceof NullPointerException);
      assertThat(types).doesNotContain(DirectoryChangeEvent.EventType.OVERFLOW);
      // Events come in order: once the last file's are seen, every surviving one has been.
      Files.write(dir.resolve("the-end"), new byte[] {1});
      await().atMost(Duration.ofSeconds(30)).until(() -> paths.contains(dir.resolve("the-end")));
      // Events were lost: fewer CREATEs than files, and nothing told the listener which.
      assertThat(types.stream().filter(t -> t == DirectoryChangeEvent.EventType.CREATE).count())
          .isLessThan(3_001);
    } finally {
      w.close();
    }
  }
}
