package io.changeflux.fs.internal;

import io.changeflux.ChangeSources;
import io.changeflux.files.GitIgnore;
import io.changeflux.files.GitIgnoreFilter;
import io.changeflux.files.VcsSettle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Diagnostic only (-Dchangeflux.measure=true): per-event latency with and without settle/gitignore. */
class SettleLatencyProbe {
  @TempDir Path dir;

  @Test
  void gateCostPerEvent() throws Exception {
    Assumptions.assumeTrue(Boolean.getBoolean("changeflux.measure"));
    FsFileTest.sh(dir, "git init -q && printf '*.log\\nbuild/\\n**/tmp/\\n/target\\n!keep.log\\n' > .gitignore");
    int[] sink = new int[1];
    java.util.function.Consumer<io.changeflux.ChangeEvent> none = e -> sink[0]++;
    VcsSettle settle = VcsSettle.create(dir, java.time.Duration.ofSeconds(30), none, 10_000, "t");
    GitIgnoreFilter ignore = new GitIgnoreFilter(GitIgnore.forRoot(dir), none);
    io.changeflux.ChangeEvent[] evs = new io.changeflux.ChangeEvent[1000];
    for (int i = 0; i < evs.length; i++) {
      evs[i] = io.changeflux.ChangeEvent.builder(io.changeflux.ChangeKind.CREATED, "src/main/d" + (i % 10) + "/f" + i + ".txt")
          .path(dir.resolve("src/main/d" + (i % 10) + "/f" + i + ".txt")).build();
    }
    for (int round = 0; round < 5; round++) {
      for (var g : java.util.List.<java.util.function.Consumer<io.changeflux.ChangeEvent>>of(none, settle, ignore)) {
        long t0 = System.nanoTime();
        for (int r = 0; r < 300; r++) {
          for (var e : evs) {
            g.accept(e);
          }
        }
        System.out.printf("PROBE gate %s %.3f us/event%n", g == none ? "none" : g == settle ? "settle" : "gitignore",
            (System.nanoTime() - t0) / 1e3 / 300_000);
      }
    }
    settle.cancel();
  }

  @Test
  void probe() throws Exception {
    Assumptions.assumeTrue(Boolean.getBoolean("changeflux.measure"));
    FsFileTest.sh(dir, "git init -q");
    for (String q : new String[] {"", "settle=vcs", "gitignore=true", "", "settle=vcs", "gitignore=true"}) {
      Path d = Files.createDirectories(dir.resolve("d" + System.nanoTime()));
      ConcurrentHashMap<String, Long> sent = new ConcurrentHashMap<>();
      long[] lat = new long[1000];
      int[] n = new int[1];
      CountDownLatch ready = new CountDownLatch(1);
      var sub =
          ChangeSources.open("fs:" + d + (q.isEmpty() ? "" : "?" + q))
              .events()
              .contextWrite(ChangeSources.onReady(ready::countDown))
              .subscribe(
                  e -> {
                    Long t0 = sent.remove(e.key());
                    if (t0 != null) {
                      synchronized (lat) {
                        lat[n[0]++] = System.nanoTime() - t0;
                      }
                    }
                  });
      ready.await(30, TimeUnit.SECONDS);
      for (int i = 0; i < 1000; i++) {
        sent.put("f" + i, System.nanoTime());
        Files.writeString(d.resolve("f" + i), "x");
        LockSupport.parkNanos(2_000_000);
      }
      Thread.sleep(1000);
      sub.dispose();
      long[] l = java.util.Arrays.copyOf(lat, n[0]);
      java.util.Arrays.sort(l);
      System.out.printf(
          "PROBE %-16s n=%d p50 %.2f ms p90 %.2f p99 %.2f max %.2f%n",
          q, l.length, l[l.length / 2] / 1e6, l[l.length * 9 / 10] / 1e6, l[l.length * 99 / 100] / 1e6, l[l.length - 1] / 1e6);
    }
  }
}
