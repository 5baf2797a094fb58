package io.changeflux.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeSource;
import io.changeflux.ChangeSources;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import reactor.core.Disposable;

/**
 * Opens and cancels a source many times and checks that threads, file descriptors, inotify
 * watches (and whatever else the caller counts, e.g. server connections) return to the baseline.
 * Even cycles cancel once the source is ready; odd cycles cancel at once (racing the start).
 */
final class Leaks {

  private Leaks() {}

  private static IntSupplier openConnections = () -> 0;

  static void cycle(String name, String uri, int cycles, String threadPrefix, IntSupplier connections)
      throws InterruptedException {
    ChangeSource source = ChangeSources.open(uri);
    openConnections = connections;
    for (int i = 0; i < 3; i++) { // warm up: class loading, shared pools
      once(source, true);
    }
    awaitQuiet(threadPrefix, 0);
    int threads0 = Rel.threads();
    int fds0 = Rel.fds();
    java.util.Set<String> fdTargets0 = Rel.fdTargets();
    int watches0 = Rel.inotifyWatches();
    int conns0 = connections.getAsInt();
    int peakThreads = 0;
    int peakFds = 0;
    int[] open = new int[4];
    long t0 = System.nanoTime();
    for (int i = 0; i < cycles; i++) {
      once(source, i % 2 == 0, i == 0 ? open : null);
      if (i % 50 == 0) {
        peakThreads = Math.max(peakThreads, Rel.threads());
        peakFds = Math.max(peakFds, Rel.fds());
      }
    }
    long t1 = System.nanoTime();
    awaitQuiet(threadPrefix, 0);
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () -> {
              assertThat(Rel.fds())
                  .as(() -> "open fds; new: " + Rel.newFdTargets(fdTargets0))
                  .isLessThanOrEqualTo(fds0);
              assertThat(Rel.inotifyWatches()).as("inotify watches").isLessThanOrEqualTo(watches0);
              assertThat(connections.getAsInt()).as("server connections").isLessThanOrEqualTo(conns0);
              // shared pools (Reactor's boundedElastic, JIT compiler threads) may keep a few idle
              assertThat(Rel.threads()).as("threads").isLessThanOrEqualTo(threads0 + 4);
            });
    Rel.report(
        "leaks-" + name,
        "%d open/cancel cycles in %s (while one is open: %d threads, %d fds, %d inotify watches,"
            + " %d connections); after: threads %d -> %d (sampled peak %d, %s* threads %d), fds %d -> %d"
            + " (sampled peak %d), inotify watches %d -> %d, connections %d -> %d",
        cycles, Rel.seconds(t1 - t0), open[0], open[1], open[2], open[3], threads0, Rel.threads(), peakThreads, threadPrefix,
        Rel.threadsNamed(threadPrefix), fds0, Rel.fds(), peakFds, watches0, Rel.inotifyWatches(),
        conns0, connections.getAsInt());
  }

  static void once(ChangeSource source, boolean waitReady) throws InterruptedException {
    once(source, waitReady, null);
  }

  /** One cycle; when {@code open} is given, fills it with threads, fds, watches while open. */
  static void once(ChangeSource source, boolean waitReady, int[] open) throws InterruptedException {
    CountDownLatch ready = new CountDownLatch(1);
    Disposable d =
        source.events().contextWrite(ChangeSources.onReady(ready::countDown)).subscribe(e -> {}, e -> {});
    if (waitReady) {
      assertThat(ready.await(30, TimeUnit.SECONDS)).as("ready").isTrue();
    }
    if (open != null) {
      open[0] = Rel.threads();
      open[1] = Rel.fds();
      open[2] = Rel.inotifyWatches();
      open[3] = openConnections.getAsInt();
    }
    d.dispose();
  }

  static void awaitQuiet(String threadPrefix, long expected) {
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .untilAsserted(
            () ->
                assertThat(Rel.threadsNamed(threadPrefix))
                    .as(() -> threadPrefix + "* threads: " + Rel.threadNames())
                    .isEqualTo(expected));
  }
}
