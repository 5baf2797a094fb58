package io.changeflux.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.changeflux.ChangeKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code n} empty files created in one directory as fast as one thread can, with a watcher running:
 * files/s written, how many distinct files were reported CREATED (before the first OVERFLOW = live;
 * after it = live or found by the rescan), how long after the last write the last file was
 * reported, and OVERFLOW events. Run for changeflux fs: and, as the reference, for the raw JDK
 * WatchService (which has no rescan: what it drops stays lost).
 */
final class Burst {

  private Burst() {}

  static ObjectNode run(Path work, int n) throws Exception {
    ObjectNode out = Bench.obj();
    out.put("files", n);
    for (Watchers.Watcher w : java.util.List.of(Watchers.fs(), Watchers.jdk())) {
      Path dir = Files.createDirectories(work.resolve("burst-" + w.name().replaceAll("[^a-zA-Z]", "")));
      out.set(w.name(), one(w, dir, n));
      Bench.run(null, "rm", "-rf", dir.toString());
    }
    return out;
  }

  private static ObjectNode one(Watchers.Watcher w, Path dir, int n) throws Exception {
    // one bit per file: reported or not
    java.util.BitSet seen = new java.util.BitSet(n);
    AtomicInteger distinct = new AtomicInteger();
    AtomicInteger afterOverflow = new AtomicInteger();
    AtomicInteger overflows = new AtomicInteger();
    AtomicLong events = new AtomicLong();
    AtomicLong lastNew = new AtomicLong();
    Watchers.Listener l =
        (key, kind) -> {
          events.incrementAndGet();
          if (kind == ChangeKind.OVERFLOW) {
            overflows.incrementAndGet();
            return;
          }
          if (kind != ChangeKind.CREATED || key.length() < 2 || key.charAt(0) != 'b') {
            return;
          }
          int i;
          try {
            i = Integer.parseInt(key.substring(1));
          } catch (NumberFormatException e) {
            return;
          }
          synchronized (seen) {
            if (i < n && !seen.get(i)) {
              seen.set(i);
              distinct.incrementAndGet();
              if (overflows.get() > 0) {
                afterOverflow.incrementAndGet();
              }
              lastNew.set(System.nanoTime());
            }
          }
        };
    ObjectNode o = Bench.obj();
    try (AutoCloseable c = w.start(dir, l)) {
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        Files.createFile(dir.resolve("b" + i));
      }
      long t1 = System.nanoTime();
      // wait until every file is reported, or nothing new came for 10 s (60 s at most)
      long deadline = t1 + 60_000_000_000L;
      while (distinct.get() < n && System.nanoTime() < deadline) {
        long quietSince = Math.max(lastNew.get(), t1);
        if (System.nanoTime() - quietSince > 10_000_000_000L) {
          break;
        }
        Bench.sleepMs(20);
      }
      o.put("writeSeconds", Bench.round((t1 - t0) / 1e9, 3));
      o.put("filesPerSecondWritten", Math.round(n / ((t1 - t0) / 1e9)));
      o.put("reported", distinct.get());
      o.put("reportedBeforeFirstOverflow", distinct.get() - afterOverflow.get());
      o.put("reportedAfterAnOverflow", afterOverflow.get());
      o.put("overflowEvents", overflows.get());
      o.put("events", events.get());
      o.put(
          "lastReportedAfterLastWriteSeconds",
          distinct.get() == 0 ? Double.NaN : Bench.round((lastNew.get() - t1) / 1e9, 3));
    }
    Bench.log("burst %-20s %s", w.name(), o);
    return o;
  }
}
