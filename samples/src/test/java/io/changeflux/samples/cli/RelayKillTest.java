package io.changeflux.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import io.changeflux.IdempotencyKey;
import io.changeflux.nats.NatsServerProcess;
import io.changeflux.redis.RedisServerProcess;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.MessageInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * The relay is lossless end to end: {@code relay fs:DIR?state=FILE TO} (the CLI as a child process)
 * under a stream of file creates, modifies and deletes, with the broker SIGKILLed and restarted 5
 * times and the relay SIGKILLed and restarted 5 times, in a random order at random moments. A
 * durable consumer on the far side ends with exactly the files on disk, each at its last version
 * (replaying kinds), and no change is stored twice (counted: distinct stream entries with the same
 * key, kind and file version).
 *
 * <p>The far consumer counts its deliveries by the broker's entry id, so that the broker's own
 * re-deliveries (an acknowledgement of the far consumer lost with a killed server) are told apart
 * from duplicates the relay would have stored (those are new entries with new ids), and replays
 * them in stream order (a re-delivered entry arrives after newer ones).
 *
 * <p>nats-server 2.9 answers a publish before its store write reaches the file (write-behind), so a
 * SIGKILL right after a PubAck can lose a message the server confirmed; no client can prevent
 * that. Before killing it, this test therefore freezes the relay (SIGSTOP), waits until the
 * stream's last message is in the store file, kills the server and thaws the relay (SIGCONT) —
 * the relay is still killed at random moments. Redis runs with {@code appendonly yes} and {@code
 * appendfsync always}, which writes the AOF before it replies (with {@code everysec} Redis may
 * postpone that write while a background fsync is slow and reply anyway: a SIGKILL then loses
 * confirmed entries — seen here): it is killed at random moments, the relay running.
 */
class RelayKillTest {

  static final Duration PATIENCE = Duration.ofSeconds(60);
  static final int FILES = 120;
  static final int KILLS = 5;

  /** One far broker: where the relay publishes, where the far consumer reads, how to kill it. */
  interface Broker extends AutoCloseable {
    String sinkUri();

    String farUri();

    /** SIGKILLs the server (the relay given, running). */
    void kill(CliProcess relay) throws Exception;

    void restart() throws Exception;

    /** Diagnostics: key → version of the files that exist, replaying the whole stream on the server. */
    default Map<String, String> stored() throws Exception {
      return Map.of();
    }

    /** Diagnostics: the stream's entries of one key, as "id kind version". */
    default List<String> history(String key) throws Exception {
      return List.of();
    }

    @Override
    void close();
  }

  @Test
  void relayFilesToJetStreamLosesNothingAcrossKillsOfEitherSide(@TempDir Path tmp) throws Exception {
    try (JetStreamBroker broker = new JetStreamBroker()) {
      run(tmp, broker);
    }
  }

  @Test
  void relayFilesToRedisStreamsLosesNothingAcrossKillsOfEitherSide(@TempDir Path tmp) throws Exception {
    try (RedisBroker broker = new RedisBroker()) {
      run(tmp, broker);
    }
  }

  private void run(Path tmp, Broker broker) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("data"));
    Files.createDirectories(dir.resolve("sub dir"));
    Path state = tmp.resolve("relay.state");
    String from = "fs:" + dir + "?state=" + state + "&checkpoint=200ms";
    Far far = new Far(broker.farUri());
    Random random = new Random();
    long seed = random.nextLong();
    random.setSeed(seed);
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger ops = new AtomicInteger();
    Map<String, List<String>> opLog = new java.util.concurrent.ConcurrentHashMap<>();
    Thread writer = new Thread(() -> write(dir, new Random(seed), writing, ops, opLog), "writer");
    CliProcess relay = startRelay(from, broker);
    List<String> chaos = new ArrayList<>();
    try {
      writer.start();
      List<String> plan = new ArrayList<>();
      for (int i = 0; i < KILLS; i++) {
        plan.add("relay");
        plan.add("broker");
      }
      Collections.shuffle(plan, random);
      for (String victim : plan) {
        pause(random, 200, 1000);
        if (victim.equals("relay")) {
          relay.kill();
          chaos.add("relay killed after " + ops.get() + " ops");
          pause(random, 0, 800); // changes made while the relay is down
          relay = startRelay(from, broker);
        } else {
          broker.kill(relay);
          chaos.add("broker killed after " + ops.get() + " ops");
          pause(random, 0, 800);
          broker.restart();
        }
      }
      pause(random, 300, 800);
      writing.set(false);
      writer.join();
      Map<String, String> disk = disk(dir);
      CliProcess r = relay;
      try {
        await()
            .atMost(PATIENCE)
            .pollInterval(Duration.ofMillis(200))
            .failFast("the relay exited", () -> !r.isAlive())
            .until(() -> differences(far.state(), disk).isEmpty());
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        List<String> stream = differences(broker.stored(), disk);
        Path dump = Path.of(System.getProperty("java.io.tmpdir"), "relay-" + seed + ".jstack");
        new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstack").toString(), Long.toString(r.pid()))
            .redirectErrorStream(true)
            .redirectOutput(dump.toFile())
            .start()
            .waitFor(30, TimeUnit.SECONDS);
        List<String> err = r.err;
        System.err.println("relay stderr (last 60 lines):\n  " + String.join("\n  ", err.subList(Math.max(0, err.size() - 60), err.size())));
        System.err.println("relay thread dump: " + dump);
        throw new AssertionError(
            String.format(
                "far side vs disk (seed %d, %s): %s; the stream itself vs disk: %s%s",
                seed, chaos, differences(far.state(), disk), stream, explain(broker, stream, opLog)),
            e);
      }
      Map<String, Integer> duplicates = far.duplicates();
      Map<String, Integer> repeatedDeletions = far.repeatedDeletions();
      System.err.printf(
          "RelayKillTest %s: %d file operations, %d stream entries, %d deliveries (%d re-deliveries by the broker), "
              + "%d changes stored twice, deletions following a deletion of the same key %s; %s%n",
          broker.getClass().getSimpleName(), ops.get(), far.entries().size(), far.deliveries.get(), far.redeliveries(),
          duplicates.size(), repeatedDeletions, chaos);
      assertThat(duplicates).as("changes stored twice (key kind version -> times), seed %d", seed).isEmpty();
      // Not asserted, counted and printed above: a DELETED that follows a DELETED of the same key.
      // Issue 14 (a DELETED confirmed and acknowledged, the relay killed before the checkpoint
      // that records the acknowledgement, re-reported at the restart with no version, so a new
      // idempotency key) is fixed: the journal keeps the version each key was handed out with,
      // and a pending key whose last hand-out was a DELETED is re-reported with that version
      // (StateStore.resumeState), so the broker drops it; were it stored again, it would be in
      // `duplicates`, asserted empty (same key, kind and version). A pending key whose last
      // hand-out was a CREATED or MODIFIED, gone at the restart, is reported DELETED with that
      // version too (before: with none, a time-based key, so a second restart stored it again).
      // What is still counted (JetStream 3, Redis 48 in the last run; before the fix also "no
      // version" ones: Redis 65, 46, 25) is a DELETED of "another version": the far side has the
      // DELETED of v1, the relay handed out the CREATED of v2 and was killed before the broker had
      // it, v2 went meanwhile: the relay cannot know the far side lacks v2, so at least once it
      // reports that deletion, a distinct change. Harmless when replaying kinds.
      assertThat(chaos).hasSize(2 * KILLS);
      assertThat(ops.get()).isGreaterThan(500);
    } finally {
      writing.set(false);
      writer.join();
      relay.kill();
      far.close();
    }
  }

  /** Diagnostics: for the first few keys the stream has wrong, what was done on disk and what the stream holds. */
  private static String explain(Broker broker, List<String> wrong, Map<String, List<String>> opLog) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (String w : wrong.subList(0, Math.min(3, wrong.size()))) {
      String key = w.startsWith("missing ") ? w.substring(8) : w.startsWith("extra ") ? w.substring(6) : w.substring(0, w.indexOf(" at "));
      sb.append("\n  ").append(key).append(": disk ").append(opLog.get(key)).append("\n    stream ").append(broker.history(key));
    }
    return sb.toString();
  }

  /** What the far side has wrong: missing, extra, or at another version than on disk. */
  static List<String> differences(Map<String, String> far, Map<String, String> disk) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, String> d : disk.entrySet()) {
      String f = far.get(d.getKey());
      if (f == null) {
        out.add("missing " + d.getKey());
      } else if (!f.equals(d.getValue())) {
        out.add(d.getKey() + " at " + f + ", on disk " + d.getValue());
      }
    }
    for (String k : far.keySet()) {
      if (!disk.containsKey(k)) {
        out.add("extra " + k);
      }
    }
    return out;
  }

  private static CliProcess startRelay(String from, Broker broker) throws IOException {
    CliProcess p = CliProcess.start("relay", from, broker.sinkUri());
    p.awaitErr("watching ");
    return p;
  }

  private static void pause(Random random, int minMs, int maxMs) {
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(minMs + random.nextInt(maxMs - minMs + 1)));
  }

  /** Creates, rewrites and deletes files at random, each write with new content, until told to stop. */
  private static void write(Path dir, Random random, AtomicBoolean writing, AtomicInteger ops, Map<String, List<String>> opLog) {
    int gen = 0;
    while (writing.get()) {
      String name = (random.nextBoolean() ? "sub dir/" : "") + "f" + random.nextInt(FILES) + (random.nextInt(4) == 0 ? " ä#%:?.txt" : ".txt");
      Path f = dir.resolve(name);
      try {
        if (Files.exists(f) && random.nextInt(10) < 4) {
          Files.delete(f);
          opLog.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(ops.get() + " delete");
        } else {
          Files.writeString(f, name + " #" + (gen++) + "\n".repeat(random.nextInt(3)));
          BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
          opLog.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>())
              .add(ops.get() + " write " + a.lastModifiedTime().to(TimeUnit.NANOSECONDS) + "-" + a.size());
        }
        ops.incrementAndGet();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(3 + random.nextInt(8)));
    }
  }

  /** Every regular file under {@code dir}: key → version (as fs events carry it). */
  private static Map<String, String> disk(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (var files = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
        if (a.isRegularFile()) {
          String key = dir.relativize(f).toString().replace('\\', '/');
          out.put(key, new io.changeflux.files.FileState(f, a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS)).version());
        }
      }
    }
    return out;
  }

  /** The durable consumer on the far side, in this JVM. */
  static final class Far implements AutoCloseable {
    /** The first delivery of each broker entry id, in arrival order. */
    final Map<String, ChangeEvent> byId = Collections.synchronizedMap(new LinkedHashMap<>());
    final AtomicInteger deliveries = new AtomicInteger();
    final Disposable subscription;

    Far(String uri) throws InterruptedException {
      CountDownLatch ready = new CountDownLatch(1);
      subscription =
          ChangeSources.open(uri)
              .events()
              .contextWrite(ChangeSources.onReady(ready::countDown))
              .subscribe(
                  e -> {
                    deliveries.incrementAndGet();
                    if (e.kind() != ChangeKind.OVERFLOW) {
                      byId.putIfAbsent(e.headers().get(IdempotencyKey.ID), e);
                    }
                  },
                  t -> System.err.println("far consumer failed: " + t));
      assertThat(ready.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("far consumer ready").isTrue();
    }

    List<ChangeEvent> entries() {
      synchronized (byId) {
        return new ArrayList<>(byId.values());
      }
    }

    int redeliveries() {
      return deliveries.get() - entries().size();
    }

    /**
     * Replaying kinds in stream order (by entry id: a broker re-delivers an entry whose
     * acknowledgement or delivery was lost later than newer ones): key → version of the files that exist.
     */
    Map<String, String> state() {
      Map<String, String> files = new TreeMap<>();
      List<ChangeEvent> inOrder = entries();
      inOrder.sort(java.util.Comparator.comparing((ChangeEvent e) -> e.headers().get(IdempotencyKey.ID), Far::compareIds));
      for (ChangeEvent e : inOrder) {
        if (e.kind() == ChangeKind.DELETED) {
          files.remove(e.key());
        } else {
          files.put(e.key(), e.headers().get(IdempotencyKey.VERSION));
        }
      }
      return files;
    }

    /** Orders JetStream sequences ({@code 17}) and Redis entry ids ({@code 1700000000000-3}) numerically. */
    static int compareIds(String a, String b) {
      String[] x = a.split("-");
      String[] y = b.split("-");
      for (int i = 0; i < Math.max(x.length, y.length); i++) {
        long p = i < x.length ? Long.parseLong(x[i]) : 0;
        long q = i < y.length ? Long.parseLong(y[i]) : 0;
        if (p != q) {
          return Long.compare(p, q);
        }
      }
      return 0;
    }

    /** Changes (key, kind, version) stored in more than one entry (deletions without a version apart). */
    Map<String, Integer> duplicates() {
      Map<String, Integer> seen = new HashMap<>();
      for (ChangeEvent e : entries()) {
        if (e.headers().containsKey(IdempotencyKey.VERSION)) {
          seen.merge(e.key() + " " + e.kind() + " " + e.headers().get(IdempotencyKey.VERSION), 1, Integer::sum);
        }
      }
      seen.values().removeIf(n -> n == 1);
      return seen;
    }

    /**
     * DELETED events that follow a DELETED of the same key, in stream order, by what they carry:
     * "no version" (after one with a version, or "after no version"), "another version" (than the
     * DELETED before), "same version" (an idempotency
     * failure: also in {@link #duplicates}); and how many of them are marked redelivered.
     */
    Map<String, Integer> repeatedDeletions() {
      List<ChangeEvent> inOrder = entries();
      inOrder.sort(java.util.Comparator.comparing((ChangeEvent e) -> e.headers().get(IdempotencyKey.ID), Far::compareIds));
      Map<String, ChangeEvent> last = new HashMap<>();
      Map<String, Integer> n = new TreeMap<>();
      for (ChangeEvent e : inOrder) {
        ChangeEvent before = last.put(e.key(), e);
        if (e.kind() == ChangeKind.DELETED && before != null && before.kind() == ChangeKind.DELETED) {
          String v = e.headers().get(IdempotencyKey.VERSION);
          String was = before.headers().get(IdempotencyKey.VERSION);
          String how =
              v == null
                  ? (was == null ? "no version after no version" : "no version")
                  : v.equals(was) ? "same version" : "another version";
          n.merge(how, 1, Integer::sum);
          if (e.headers().containsKey(io.changeflux.ChangeOps.REDELIVERED)) {
            n.merge(how + ", redelivered", 1, Integer::sum);
          }
        }
      }
      return n;
    }

    @Override
    public void close() {
      subscription.dispose();
    }
  }

  /** nats-server -js on a free port; the relay publishes to stream CHG, the far side reads durable 'far'. */
  static final class JetStreamBroker implements Broker {
    final NatsServerProcess server = NatsServerProcess.start(true, "");

    @Override
    public String sinkUri() {
      return "nats://" + server.hostPort() + "?subjects=chg.files&stream=CHG&reconnectWait=200ms";
    }

    @Override
    public String farUri() {
      return "nats://" + server.hostPort() + "?subjects=chg.files&stream=CHG&durable=far&reconnectWait=200ms";
    }

    @Override
    public void kill(CliProcess relay) throws Exception {
      relay.signal("STOP");
      try {
        // The server's write-behind: wait until the stream's last message is in the store file.
        try (Connection c = Nats.connect(server.url())) {
          JetStreamManagement jsm = c.jetStreamManagement();
          long last = -1;
          while (true) {
            long now = jsm.getStreamInfo("CHG").getStreamState().getLastSequence();
            if (now == last) {
              break;
            }
            last = now;
            if (now > 0) {
              MessageInfo m = jsm.getMessage("CHG", now);
              server.awaitStored(m.getHeaders().getFirst("Nats-Msg-Id"), PATIENCE);
            }
          }
        }
        server.kill();
      } finally {
        relay.signal("CONT");
      }
    }

    @Override
    public void restart() {
      server.restart();
    }

    @Override
    public void close() {
      server.close();
    }
  }

  /** redis-server with appendonly yes and appendfsync always on a free port; the relay XADDs to stream chg, the far side reads group 'far'. */
  static final class RedisBroker implements Broker {
    final RedisServerProcess server;

    RedisBroker() throws IOException {
      server = RedisServerProcess.start("appendonly yes", "appendfsync always");
    }

    @Override
    public String sinkUri() {
      return server.uri("?stream=chg&maxReconnectDelay=200ms&timeout=3s");
    }

    @Override
    public String farUri() {
      return server.uri("?stream=chg&group=far&consumer=c1&start=0&maxReconnectDelay=200ms&timeout=3s");
    }

    @Override
    public void kill(CliProcess relay) throws Exception {
      server.kill();
    }

    @Override
    public List<String> history(String key) {
      List<String> out = new ArrayList<>();
      try (io.changeflux.redis.RedisTestClient c = new io.changeflux.redis.RedisTestClient(server.port())) {
        for (var m : c.sync().xrange("chg", io.lettuce.core.Range.create("-", "+"))) {
          if (key.equals(m.getBody().get("key"))) {
            out.add(m.getId() + " " + m.getBody().get("kind") + " " + m.getBody().get("h.version") + " " + m.getBody().get("idem"));
          }
        }
      }
      return out;
    }

    @Override
    public Map<String, String> stored() {
      Map<String, String> files = new TreeMap<>();
      try (io.changeflux.redis.RedisTestClient c = new io.changeflux.redis.RedisTestClient(server.port())) {
        for (var m : c.sync().xrange("chg", io.lettuce.core.Range.create("-", "+"))) {
          if ("DELETED".equals(m.getBody().get("kind"))) {
            files.remove(m.getBody().get("key"));
          } else {
            files.put(m.getBody().get("key"), m.getBody().get("h.version"));
          }
        }
      }
      return files;
    }

    @Override
    public void restart() throws IOException {
      server.restart();
    }

    @Override
    public void close() {
      try {
        server.close();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }
}
