package io.changeflux.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.changeflux.ChangeKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Write → event delivered, in one JVM with System.nanoTime: the harness stamps the time, writes a
 * file, and the watcher's callback records the delay when that file's first CREATED (create) or
 * MODIFIED (modify) event arrives. Each watcher runs in 8 chunks, in the order A B C D D C B A A B
 * C D …, so that load swings of the shared machine hit every watcher alike.
 */
final class FileLatency {

  /** Chunks per watcher and kind. */
  static final int CHUNKS = 8;

  private FileLatency() {}

  static ObjectNode run(Path work, int events, long spacingMicros) throws Exception {
    List<Watchers.Watcher> ws =
        List.of(
            Watchers.jdk(),
            Watchers.directoryWatcher(),
            Watchers.fs(),
            Watchers.fsSettleGitignore(),
            Watchers.fsStable(),
            Watchers.poll());
    // every chunk directory lies in one git repository (for settle=vcs and gitignore=true)
    Path repo = work.resolve("lat");
    Watchers.gitRepo(repo);
    ObjectNode out = Bench.obj();
    out.put("events", events);
    out.put("spacingMicros", spacingMicros);
    for (String mode : List.of("create", "modify")) {
      Map<String, Histogram> hs = new LinkedHashMap<>();
      Map<String, Integer> missed = new LinkedHashMap<>();
      for (Watchers.Watcher w : ws) {
        hs.put(w.name(), Bench.histogram());
        missed.put(w.name(), 0);
      }
      // many short chunks, the order reversed every round, so that load swings hit every watcher alike
      List<Watchers.Watcher> order = new ArrayList<>();
      for (int r = 0; r < CHUNKS; r++) {
        List<Watchers.Watcher> round = new ArrayList<>(ws);
        if (r % 2 == 1) {
          java.util.Collections.reverse(round);
        }
        order.addAll(round);
      }
      int chunk = 0;
      for (Watchers.Watcher w : order) {
        int n = events / CHUNKS;
        Path dir = Files.createDirectories(repo.resolve("lat-" + mode + "-" + chunk++));
        int m = chunk(w, dir, mode, n, Math.max(50, n / 10), spacingMicros, hs.get(w.name()));
        missed.merge(w.name(), m, Integer::sum);
        Bench.deleteTree(dir);
      }
      ObjectNode byWatcher = out.putObject(mode);
      Bench.log("%s: fs: settle+gitignore / fs: p50 %.2f, p99 %.2f", mode,
          hs.get("fs: settle+gitignore").getValueAtPercentile(50) / (double) Math.max(1, hs.get("changeflux fs:").getValueAtPercentile(50)),
          hs.get("fs: settle+gitignore").getValueAtPercentile(99) / (double) Math.max(1, hs.get("changeflux fs:").getValueAtPercentile(99)));
      for (Map.Entry<String, Histogram> e : hs.entrySet()) {
        ObjectNode p = Bench.percentiles(e.getValue());
        p.put("missed", missed.get(e.getKey()));
        byWatcher.set(e.getKey(), p);
        Bench.log("%s %-24s p50 %.3f ms p99 %.3f ms p99.9 %.3f ms max %.3f ms (n=%d, missed %d)", mode, e.getKey(),
            p.get("p50").asDouble(), p.get("p99").asDouble(), p.get("p99_9").asDouble(), p.get("max").asDouble(),
            p.get("count").asLong(), p.get("missed").asInt());
      }
    }
    Bench.deleteTree(repo);
    return out;
  }

  /** One watcher, {@code warmup} unrecorded writes then {@code n} recorded; returns how many were never reported. */
  private static int chunk(
      Watchers.Watcher w, Path dir, String mode, int n, int warmup, long spacingMicros, Histogram h) throws Exception {
    boolean create = mode.equals("create");
    int total = warmup + n;
    if (!create) {
      for (int i = 0; i < total; i++) {
        Files.writeString(dir.resolve("m" + i), "initial " + i);
      }
      Bench.sleepMs(50); // let the files' mtimes fall before the watcher's start
    }
    ConcurrentHashMap<String, Long> sent = new ConcurrentHashMap<>();
    AtomicInteger received = new AtomicInteger();
    ChangeKind want = create ? ChangeKind.CREATED : ChangeKind.MODIFIED;
    Watchers.Listener l =
        (key, kind) -> {
          if (kind != want) {
            return;
          }
          long now = System.nanoTime();
          Long t0 = sent.remove(key);
          if (t0 != null) {
            if (t0 >= 0) {
              Bench.record(h, now - t0);
            }
            received.incrementAndGet();
          }
        };
    byte[] body = "changed content\n".getBytes(StandardCharsets.UTF_8);
    try (AutoCloseable c = w.start(dir, l)) {
      for (int i = 0; i < total; i++) {
        String key = (create ? "c" : "m") + i;
        Path f = dir.resolve(key);
        long t0 = System.nanoTime();
        // warm-up writes carry a negative stamp: matched but not recorded
        sent.put(key, i < warmup ? -1L : t0);
        if (create) {
          Files.write(f, body);
        } else {
          // append: one IN_MODIFY, after the bytes are written (a truncating write would report at open)
          Files.write(f, body, java.nio.file.StandardOpenOption.APPEND);
        }
        LockSupport.parkNanos(spacingMicros * 1000);
      }
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (received.get() < total && System.nanoTime() < deadline) {
        Bench.sleepMs(10);
      }
    }
    return total - received.get();
  }
}
