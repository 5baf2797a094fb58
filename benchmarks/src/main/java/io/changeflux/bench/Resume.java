package io.changeflux.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import io.changeflux.internal.StateCodec;
import io.changeflux.state.StateEntry;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.Disposable;

/**
 * {@code fs:ROOT?state=FILE} after a restart: a tree of {@code files} files, {@code changes} of
 * them changed while stopped (a third each modified, deleted, created). Side by side in the same
 * run, each start in a fresh JVM ({@link ResumeProbe}) and interleaved: a plain start (time to
 * ready) against a resuming one (time to the last of the changes, which are checked to be exactly
 * those made). Also: the state file's size per file, the checkpoint writes per 10,000 events of a
 * burst (counted as renames onto the state file), and the two crash-safe designs measured — a
 * snapshot written whole (temp + fsync + rename) against an fsync'ed append of the changed entries.
 */
final class Resume {

  private Resume() {}

  static ObjectNode run(Path work, int files, int dirs, int changes, int rounds) throws Exception {
    Path root = work.resolve("resume-tree");
    int perDir = files / dirs;
    byte[] body = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    long t0 = System.nanoTime();
    for (int d = 0; d < dirs; d++) {
      Path dir = Files.createDirectories(root.resolve("d" + (d / 100)).resolve("e" + (d % 100)));
      for (int f = 0; f < perDir; f++) {
        Files.write(dir.resolve("f" + f + ".txt"), body);
      }
    }
    ObjectNode out = Bench.obj();
    out.put("files", dirs * perDir);
    out.put("changes", changes);
    Bench.log("resume: tree of %d files built in %.1f s", dirs * perDir, (System.nanoTime() - t0) / 1e9);

    // Prime the state: a first start records the tree (and stops cleanly).
    Path state = work.resolve("resume.state");
    Path primed = work.resolve("resume.state.primed");
    prime(root, state);
    Files.copy(state, primed, StandardCopyOption.REPLACE_EXISTING);
    long size = Files.size(primed);
    out.put("stateFileBytes", size);
    out.put("stateBytesPerFile", Bench.round((double) size / (dirs * perDir), 1));

    // Change while stopped: modify, delete, create a third each, spread over the tree.
    TreeSet<String> expected = new TreeSet<>();
    for (int i = 0; i < changes; i++) {
      int d = (int) ((long) i * dirs / changes);
      String dir = "d" + (d / 100) + "/e" + (d % 100);
      switch (i % 3) {
        case 0 -> {
          Files.writeString(root.resolve(dir + "/f0.txt"), "modified while stopped " + i);
          expected.add("MODIFIED " + dir + "/f0.txt");
        }
        case 1 -> {
          Files.delete(root.resolve(dir + "/f1.txt"));
          expected.add("DELETED " + dir + "/f1.txt");
        }
        default -> {
          Files.writeString(root.resolve(dir + "/new" + i + ".txt"), "new");
          expected.add("CREATED " + dir + "/new" + i + ".txt");
        }
      }
    }
    int n = expected.size();
    List<Double> plain = new ArrayList<>();
    List<Double> resume = new ArrayList<>();
    List<Double> plainCpu = new ArrayList<>();
    List<Double> resumeCpu = new ArrayList<>();
    List<JsonNode> runs = new ArrayList<>();
    boolean exact = true;
    for (int r = 0; r < rounds; r++) {
      for (String mode : r % 2 == 0 ? List.of("plain", "resume") : List.of("resume", "plain")) {
        Files.copy(primed, state, StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(work.resolve("resume.state.emitted"));
        JsonNode p = probe(mode, root, state, n);
        runs.add(p);
        Bench.log("resume probe %s", p);
        if (mode.equals("plain")) {
          plain.add(p.get("readySeconds").asDouble());
          plainCpu.add(p.get("cpuSeconds").asDouble());
        } else {
          resume.add(p.get("lastChangeSeconds").asDouble());
          resumeCpu.add(p.get("cpuSeconds").asDouble());
          exact &= p.get("changes").asInt() == n && p.get("digest").asInt() == expected.hashCode();
        }
      }
    }
    double pm = Bench.median(plain);
    double rm = Bench.median(resume);
    out.put("plainReadySeconds", Bench.round(pm, 3));
    out.put("resumeLastChangeSeconds", Bench.round(rm, 3));
    out.put("ratio", Bench.round(rm / pm, 3));
    out.put("plainCpuSeconds", Bench.round(Bench.median(plainCpu), 3));
    out.put("resumeCpuSeconds", Bench.round(Bench.median(resumeCpu), 3));
    out.put("cpuRatio", Bench.round(Bench.median(resumeCpu) / Bench.median(plainCpu), 3));
    out.put("exactlyTheChanges", exact);
    out.put("rounds", rounds);
    out.set("runs", Bench.JSON.valueToTree(runs));

    out.set("checkpoints", checkpoints(work.resolve("burst"), 10_000));
    out.set("designs", designs(work, dirs * perDir, changes));
    Bench.deleteTree(root);
    return out;
  }

  private static void prime(Path root, Path state) throws Exception {
    CountDownLatch ready = new CountDownLatch(1);
    Disposable d =
        ChangeSources.open("fs:" + root + "?state=" + state)
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe();
    if (!ready.await(300, TimeUnit.SECONDS)) {
      throw new IllegalStateException("prime: not ready");
    }
    d.dispose(); // writes the state a last time
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(state) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  private static JsonNode probe(String mode, Path root, Path state, int expected) throws Exception {
    List<String> cmd = Bench.javaCommand(ResumeProbe.class.getName(), mode, root.toString(), state.toString(), String.valueOf(expected));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(300, TimeUnit.SECONDS);
    for (String line : text.split("\n")) {
      if (line.startsWith("PROBE ")) {
        return Bench.JSON.readTree(line.substring(6));
      }
    }
    throw new IllegalStateException("resume probe " + mode + " failed:\n" + text);
  }

  /** A burst of {@code count} creates under fs:?state= with the default checkpoint: writes counted as renames onto the file. */
  private static ObjectNode checkpoints(Path dir, int count) throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path stateDir = Files.createDirectories(dir.resolve("state"));
    Path state = stateDir.resolve("burst.state");
    AtomicInteger renames = new AtomicInteger();
    WatchService ws = FileSystems.getDefault().newWatchService();
    stateDir.register(ws, StandardWatchEventKinds.ENTRY_CREATE);
    Thread counter =
        new Thread(
            () -> {
              try {
                while (true) {
                  WatchKey k = ws.take();
                  for (WatchEvent<?> e : k.pollEvents()) {
                    if (e.context() != null && e.context().toString().equals("burst.state")) {
                      renames.incrementAndGet();
                    }
                  }
                  k.reset();
                }
              } catch (Exception e) {
                // closed
              }
            },
            "rename-counter");
    counter.setDaemon(true);
    counter.start();
    CountDownLatch ready = new CountDownLatch(1);
    CountDownLatch all = new CountDownLatch(count);
    Disposable d =
        ChangeSources.open("fs:" + root + "?state=" + state)
            .events()
            .filter(e -> e.kind() == ChangeKind.CREATED)
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(e -> all.countDown());
    ready.await(60, TimeUnit.SECONDS);
    Thread.sleep(300);
    int before = renames.get();
    long t0 = System.nanoTime();
    for (int i = 0; i < count; i++) {
      Files.write(root.resolve("f" + i), new byte[0]);
    }
    all.await(120, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - t0) / 1e9;
    Thread.sleep(1500); // the checkpoint after the last acknowledgement
    int writes = renames.get() - before;
    d.dispose();
    ws.close();
    ObjectNode o = Bench.obj();
    o.put("events", count);
    o.put("burstSeconds", Bench.round(seconds, 2));
    o.put("checkpointInterval", "1s");
    o.put("writes", writes);
    o.put("writesPer10000Events", Bench.round(writes * 10_000.0 / count, 1));
    Bench.deleteTree(dir);
    return o;
  }

  /** One checkpoint of each design on {@code files} entries with {@code changed} changed. */
  private static ObjectNode designs(Path work, int files, int changed) throws Exception {
    TreeMap<String, StateEntry> entries = new TreeMap<>();
    for (int i = 0; i < files; i++) {
      entries.put("d" + (i / 10000) + "/e" + (i / 100 % 100) + "/f" + (i % 100) + ".txt",
          new StateEntry(1024, 1_764_000_000_000_000_000L + i, "(dev=803,ino=" + (5_000_000 + i) + ")", null));
    }
    Path file = work.resolve("design.state");
    Path tmp = work.resolve("design.state.tmp");
    List<Double> snapshot = new ArrayList<>();
    List<Double> journal = new ArrayList<>();
    Path log = work.resolve("design.journal");
    for (int r = 0; r < 7; r++) {
      long t0 = System.nanoTime();
      byte[] b = StateCodec.encode("files", "/root", entries);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(b);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      snapshot.add((System.nanoTime() - t0) / 1e6);
      long t1 = System.nanoTime();
      TreeMap<String, StateEntry> delta = new TreeMap<>(entries.headMap(entries.keySet().stream().skip(changed).findFirst().orElseThrow()));
      byte[] d = StateCodec.encode("files", "/root", delta);
      try (FileChannel ch = FileChannel.open(log, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
        ch.write(ByteBuffer.wrap(d));
        ch.force(true);
      }
      journal.add((System.nanoTime() - t1) / 1e6);
    }
    ObjectNode o = Bench.obj();
    o.put("entries", files);
    o.put("changedPerCheckpoint", changed);
    o.put("snapshotBytes", Files.size(file));
    o.put("snapshotMs", Bench.round(Bench.median(snapshot), 2));
    o.put("journalAppendMs", Bench.round(Bench.median(journal), 2));
    Files.deleteIfExists(file);
    Files.deleteIfExists(log);
    return o;
  }
}
