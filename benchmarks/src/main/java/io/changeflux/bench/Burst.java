package io.changeflux.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.changeflux.ChangeKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code n} empty files created in one directory as fast as one thread can, with a watcher running:
 * files/s written, how many distinct files were reported CREATED (before the first OVERFLOW = live;
 * after it = live or found by the rescan), how long after the last write the last file was
 * reported, and OVERFLOW events. changeflux fs: and, as the reference, the raw JDK WatchService
 * (which has no rescan: what it drops stays lost) watch the same directory during the same burst.
 */
final class Burst {

  private Burst() {}

  static ObjectNode run(Path work, int n) throws Exception {
    ObjectNode out = Bench.obj();
    out.put("files", n);
    Path dir = Files.createDirectories(work.resolve("burst"));
    Watchers.gitRepo(dir);
    // every watcher watches the same directory during the same burst
    List<Watchers.Watcher> ws = List.of(Watchers.fs(), Watchers.fsSettleGitignore(), Watchers.jdk());
    List<Counter> counters = new ArrayList<>();
    List<AutoCloseable> handles = new ArrayList<>();
    try {
      for (Watchers.Watcher w : ws) {
        Counter c = new Counter(n);
        counters.add(c);
        handles.add(w.start(dir, c));
      }
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        Files.createFile(dir.resolve("b" + i));
      }
      long t1 = System.nanoTime();
      out.put("writeSeconds", Bench.round((t1 - t0) / 1e9, 3));
      out.put("filesPerSecondWritten", Math.round(n / ((t1 - t0) / 1e9)));
      // wait until every watcher reported every file, or none reported anything new for 10 s (60 s at most)
      long deadline = t1 + 60_000_000_000L;
      while (System.nanoTime() < deadline) {
        boolean done = true;
        long lastNew = t1;
        for (Counter c : counters) {
          done &= c.distinct.get() >= n;
          lastNew = Math.max(lastNew, c.lastNew.get());
        }
        if (done || System.nanoTime() - lastNew > 10_000_000_000L) {
          break;
        }
        Bench.sleepMs(20);
      }
      for (int i = 0; i < ws.size(); i++) {
        ObjectNode o = counters.get(i).result(t1);
        out.set(ws.get(i).name(), o);
        Bench.log("burst %-20s %s", ws.get(i).name(), o);
      }
    } finally {
      for (AutoCloseable h : handles) {
        h.close();
      }
      Bench.run(null, "rm", "-rf", dir.toString());
    }
    return out;
  }

  /** Counts one watcher's reports. */
  static final class Counter implements Watchers.Listener {
    final int n;
    final BitSet seen;
    final AtomicInteger distinct = new AtomicInteger();
    final AtomicInteger afterOverflow = new AtomicInteger();
    final AtomicInteger overflows = new AtomicInteger();
    final AtomicLong events = new AtomicLong();
    final AtomicLong lastNew = new AtomicLong();

    Counter(int n) {
      this.n = n;
      this.seen = new BitSet(n);
    }

    @Override
    public void on(String key, ChangeKind kind) {
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
    }

    ObjectNode result(long t1) {
      ObjectNode o = Bench.obj();
      o.put("reported", distinct.get());
      o.put("reportedBeforeFirstOverflow", distinct.get() - afterOverflow.get());
      o.put("reportedAfterAnOverflow", afterOverflow.get());
      o.put("overflowEvents", overflows.get());
      o.put("events", events.get());
      o.put(
          "lastReportedAfterLastWriteSeconds",
          distinct.get() == 0 ? Double.NaN : Bench.round(Math.max(0, lastNew.get() - t1) / 1e9, 3));
      return o;
    }
  }
}
