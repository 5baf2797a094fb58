package io.changeflux.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.changeflux.testkit.LogCapture;
import io.changeflux.redis.RedisServerProcess;
import io.changeflux.redis.RedisTestClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * Redis under faults, bad input and open/cancel cycles, against real redis-server processes on
 * free loopback ports (RedisServerProcess from the redis module's tests).
 */
@Tag("reliability")
class RedisReliabilityTest {

  static final int KILLS = 5;
  static final Duration PATIENCE = Duration.ofSeconds(60);

  @BeforeAll
  static void capture() {
    LogCapture.install();
  }

  @Test
  void streamSurvivesFiveSigkillsWithoutLosingAMessage() throws Exception {
    int n = Rel.scaled(5_000, 600);
    // appendfsync always: an XADD the server acknowledged survives SIGKILL
    try (RedisServerProcess server = RedisServerProcess.start("appendonly yes", "appendfsync always")) {
      Set<String> got = ConcurrentHashMap.newKeySet();
      AtomicLong deliveries = new AtomicLong();
      AtomicReference<Throwable> error = new AtomicReference<>();
      Disposable d =
          ChangeSources.open(
                  server.uri("?stream=jobs&group=rel&consumer=c1&start=0&maxReconnectDelay=200ms&timeout=2s"))
              .events()
              .subscribe(
                  e -> {
                    deliveries.incrementAndGet();
                    got.add(new String(e.payload(), StandardCharsets.UTF_8));
                  },
                  error::set);
      Publisher pub = new Publisher(server.port(), n, (c, i) -> c.sync().xadd("jobs", Map.of("payload", "" + i)));
      try {
        long t0 = System.nanoTime();
        pub.start();
        killFiveTimes(server, pub, n, () -> {});
        pub.join();
        await().atMost(PATIENCE).untilAsserted(() -> {
          assertThat(error.get()).isNull();
          assertThat(got).hasSize(n);
        });
        long t1 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          assertThat(got).contains("" + i);
        }
        Rel.report(
            "faults-redis-stream",
            "%d XADDs, redis-server SIGKILLed and restarted %d times (AOF, appendfsync always): %d of %d"
                + " delivered (zero loss), %d deliveries (%d redelivered), %d publish retries, in %s",
            n, server.starts() - 1, got.size(), n, deliveries.get(), deliveries.get() - n,
            pub.retries.get(), Rel.seconds(t1 - t0));
        assertThat(server.starts()).isEqualTo(KILLS + 1);
      } finally {
        pub.interrupt();
        d.dispose();
      }
    }
  }

  @Test
  void pubSubSurvivesFiveSigkillsWithOneOverflowPerGap() throws Exception {
    int n = Rel.scaled(5_000, 600);
    try (RedisServerProcess server = RedisServerProcess.start()) {
      List<ChangeEvent> overflows = new CopyOnWriteArrayList<>();
      AtomicLong messages = new AtomicLong();
      Set<String> payloads = ConcurrentHashMap.newKeySet();
      AtomicReference<Throwable> error = new AtomicReference<>();
      Disposable d =
          ChangeSources.open(server.uri("?channels=jobs&maxReconnectDelay=200ms&timeout=2s"))
              .events()
              .subscribe(
                  e -> {
                    if (e.kind() == ChangeKind.OVERFLOW) {
                      overflows.add(e);
                    } else {
                      messages.addAndGet(e.count());
                      payloads.add(new String(e.payload(), StandardCharsets.UTF_8));
                    }
                  },
                  error::set);
      Publisher pub = new Publisher(server.port(), n, (c, i) -> c.sync().publish("jobs", "" + i));
      try {
        await().atMost(PATIENCE).until(() -> {
          try (RedisTestClient c = new RedisTestClient(server.port())) {
            return c.sync().pubsubNumsub("jobs").get("jobs") == 1L;
          }
        });
        long t0 = System.nanoTime();
        pub.start();
        AtomicInteger gaps = new AtomicInteger();
        killFiveTimes(server, pub, n, () -> {
          int k = gaps.incrementAndGet();
          await().atMost(PATIENCE).untilAsserted(() -> assertThat(overflows).hasSize(k));
        });
        pub.join();
        // still alive after the last restart
        try (RedisTestClient c = new RedisTestClient(server.port())) {
          c.sync().publish("jobs", "end");
        }
        await().atMost(PATIENCE).until(() -> payloads.contains("end"));
        long t1 = System.nanoTime();
        Rel.report(
            "faults-redis-pubsub",
            "%d PUBLISHes, redis-server SIGKILLed and restarted %d times: %d OVERFLOW (reason %s),"
                + " %d messages counted (%d lost in the gaps, at-most-once), stream alive after the"
                + " last restart, in %s",
            n, server.starts() - 1, overflows.size(),
            overflows.stream().map(e -> e.headers().get("reason")).distinct().toList(),
            messages.get() - 1, n + 1 - messages.get(), Rel.seconds(t1 - t0));
        assertThat(overflows).hasSize(KILLS);
        assertThat(overflows).allSatisfy(e -> {
          assertThat(e.key()).isEqualTo("jobs");
          assertThat(e.headers()).containsEntry("reason", "reconnect");
        });
        assertThat(error.get()).isNull();
      } finally {
        pub.interrupt();
        d.dispose();
      }
    }
  }

  /** Kills and restarts the server five times while the publisher is a sixth further each time. */
  static void killFiveTimes(RedisServerProcess server, Publisher pub, int n, Runnable afterRestart)
      throws Exception {
    for (int k = 1; k <= KILLS; k++) {
      int mark = k * n / (KILLS + 1);
      await().atMost(PATIENCE).until(() -> pub.sent.get() >= mark);
      server.kill();
      server.restart();
      afterRestart.run();
    }
  }

  interface Send {
    void send(RedisTestClient c, int i);
  }

  /** Sends 0..n-1, retrying each until the server acknowledged it; paced at ~2,000 per second. */
  static final class Publisher extends Thread {
    final int port;
    final int n;
    final Send send;
    final AtomicInteger sent = new AtomicInteger();
    final AtomicLong retries = new AtomicLong();

    Publisher(int port, int n, Send send) {
      super("reliability-publisher");
      setDaemon(true);
      this.port = port;
      this.n = n;
      this.send = send;
    }

    @Override
    public void run() {
      try (RedisTestClient c = new RedisTestClient(port)) {
        for (int i = 0; i < n && !isInterrupted(); i++) {
          while (!isInterrupted()) {
            try {
              send.send(c, i);
              break;
            } catch (RuntimeException e) {
              retries.incrementAndGet();
              LockSupport.parkNanos(20_000_000);
            }
          }
          sent.incrementAndGet();
          LockSupport.parkNanos(500_000);
        }
      }
    }
  }

  @Test
  void malformedEnvelopesNeverEndTheStream() throws Exception {
    try (RedisServerProcess server = RedisServerProcess.start()) {
      List<ChangeEvent> events = new CopyOnWriteArrayList<>();
      AtomicReference<Throwable> error = new AtomicReference<>();
      Disposable d =
          ChangeSources.open(server.uri("?channels=env")).events().subscribe(events::add, error::set);
      Disposable ds =
          ChangeSources.open(server.uri("?stream=envs&group=g&start=0")).events().subscribe(events::add, error::set);
      List<byte[]> bad = new ArrayList<>();
      for (String s :
          List.of(
              "{\"changeflux\":1",
              "{\"changeflux\":1,\"kind\":\"EXPLODED\",\"key\":\"k\"}",
              "{\"changeflux\":1,\"kind\":\"CREATED\"}",
              "{\"changeflux\":1,\"kind\":\"CREATED\",\"key\":\"k\",\"payload\":\"!!not base64\"}",
              "{\"changeflux\":1,\"kind\":\"CREATED\",\"key\":\"k\",\"headers\":[1,2]}",
              "{\"changeflux\":1,\"kind\":\"CREATED\",\"key\":{\"a\":1}}",
              "{\"changeflux\":2,\"kind\":\"CREATED\",\"key\":\"k\"}",
              "{\"changeflux\":1,\"kind\":\"CREATED\",\"key\":\"k\"}{}",
              "[]",
              "",
              "{\"changeflux\":1,\"kind\":\"CREATED\",\"key\":\"" + "x".repeat(1 << 20) + "\"}")) {
        bad.add(s.getBytes(StandardCharsets.UTF_8));
      }
      bad.add(new byte[] {'{', '"', 'c', (byte) 0xff, (byte) 0xfe, 0, 1});
      bad.add("{\"changeflux\":1,\"kind\":\"CREATED\",\"key\":\"\u0000\\ud800\"}".getBytes(StandardCharsets.UTF_8));
      await().atMost(PATIENCE).until(() -> {
        try (RedisTestClient c = new RedisTestClient(server.port())) {
          return c.sync().pubsubNumsub("env").get("env") == 1L && c.sync().exists("envs") == 1L;
        }
      });
      RedisClient client = RedisClient.create(RedisURI.Builder.redis("127.0.0.1", server.port()).build());
      try (StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE)) {
        for (byte[] b : bad) {
          c.sync().publish("env".getBytes(StandardCharsets.UTF_8), b);
        }
        byte[] cf = "changeflux".getBytes(StandardCharsets.UTF_8);
        byte[] one = "1".getBytes(StandardCharsets.UTF_8);
        byte[] kind = "kind".getBytes(StandardCharsets.UTF_8);
        byte[] key = "key".getBytes(StandardCharsets.UTF_8);
        byte[] stream = "envs".getBytes(StandardCharsets.UTF_8);
        c.sync().xadd(stream, Map.of(cf, one)); // no kind, no key
        c.sync().xadd(stream, Map.of(cf, one, kind, "BOOM".getBytes(StandardCharsets.UTF_8), key, one));
        c.sync().xadd(stream, Map.of(cf, new byte[] {(byte) 0xff}, kind, new byte[] {(byte) 0xc3}, key, new byte[] {(byte) 0xfe}));
        c.sync().xadd(stream, Map.of("h.".getBytes(StandardCharsets.UTF_8), one, cf, one));
        // then good ones: both streams must still deliver
        c.sync().publish("env".getBytes(StandardCharsets.UTF_8),
            "{\"changeflux\":1,\"kind\":\"DELETED\",\"key\":\"good\"}".getBytes(StandardCharsets.UTF_8));
        c.sync().xadd(stream, Map.of(cf, one, kind, "CREATED".getBytes(StandardCharsets.UTF_8), key, "good-entry".getBytes(StandardCharsets.UTF_8)));
      } finally {
        client.shutdown();
      }
      try {
        await().atMost(PATIENCE).untilAsserted(() ->
            assertThat(events).extracting(ChangeEvent::key).contains("good", "good-entry"));
        long malformed = events.stream().filter(e -> e.headers().containsKey("malformed")).count();
        Rel.report(
            "bad-input-redis",
            "%d malformed pub/sub messages and 4 malformed stream entries: %d events, %d marked"
                + " malformed, stream alive, no error (%s)",
            bad.size(), events.size(), malformed, error.get());
        assertThat(error.get()).isNull();
        assertThat(events.stream().filter(e -> e.key().equals("good")).findFirst().orElseThrow().kind())
            .isEqualTo(ChangeKind.DELETED);
        assertThat(malformed).isGreaterThanOrEqualTo(8);
      } finally {
        d.dispose();
        ds.dispose();
      }
    }
  }

  @Test
  void pubSubAndStreamSourcesOpenedAndCancelledLeaveNothing() throws Exception {
    try (RedisServerProcess server = RedisServerProcess.start()) {
      java.util.function.IntSupplier connections = () -> clients(server.port());
      int cycles = Rel.scaled(Integer.getInteger("reliability.redisLeakCycles", 1000), 30);
      Leaks.cycle("redis-pubsub", server.uri("?channels=leak"), cycles, "lettuce-", connections);
      Leaks.cycle("redis-stream", server.uri("?stream=leak&group=g"), cycles, "lettuce-", connections);
    }
  }

  /**
   * Connections the server has, other than the one asking: CLIENT LIST over a plain socket (a
   * Lettuce client would start threads of its own and blur the thread count).
   */
  static int clients(int port) {
    try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
      s.getOutputStream().write("CLIENT LIST\r\n".getBytes(StandardCharsets.US_ASCII));
      java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
      StringBuilder header = new StringBuilder();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        header.append((char) b);
      }
      byte[] body = new byte[Integer.parseInt(header.toString().trim().substring(1))];
      in.readFully(body);
      return (int) new String(body, StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).count() - 1;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void wrongAclPasswordFailsFastWithAClearMessageAndNoSecretAnywhere() throws Exception {
    String good = "rel-ACL-pw-7731";
    String wrong = "rel-WRONG-pw-4410";
    try (RedisServerProcess server = RedisServerProcess.start("user alice on >" + good + " ~* &* +@all")) {
      String uri = "redis://alice:" + wrong + "@127.0.0.1:" + server.port() + "?channels=a";
      long t0 = System.nanoTime();
      AtomicReference<Throwable> error = new AtomicReference<>();
      Disposable d = ChangeSources.open(uri).events().subscribe(e -> {}, error::set);
      await().atMost(Duration.ofSeconds(15)).until(() -> error.get() != null);
      long took = System.nanoTime() - t0;
      d.dispose();
      Throwable t = error.get();
      Rel.report("security-redis-wrong-password", "failed in %s: %s", Rel.seconds(took), t.getMessage());
      assertThat(t).isInstanceOf(ChangeSourceException.class);
      assertThat(t.getMessage()).contains("127.0.0.1:" + server.port()).containsIgnoringCase("WRONGPASS");
      Secrets.assertNowhere(t, wrong, good);
      // the right password works, and a restart's reconnect logging leaks nothing either
      String ok = "redis://alice:" + good + "@127.0.0.1:" + server.port() + "?channels=a&maxReconnectDelay=200ms";
      List<ChangeEvent> events = new CopyOnWriteArrayList<>();
      AtomicReference<Throwable> error2 = new AtomicReference<>();
      java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
      Disposable d2 = ChangeSources.open(ok).events()
          .contextWrite(ChangeSources.onReady(ready::countDown))
          .subscribe(events::add, error2::set);
      try {
        assertThat(ready.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        server.kill();
        server.restart();
        await().atMost(PATIENCE).until(() -> events.stream().anyMatch(e -> e.kind() == ChangeKind.OVERFLOW));
        assertThat(error2.get()).isNull();
        assertThat(ChangeSources.open(ok).toString()).doesNotContain(good);
        for (ChangeEvent e : events) {
          assertThat(e.source()).doesNotContain(good);
          assertThat(e.toString()).doesNotContain(good);
        }
      } finally {
        d2.dispose();
      }
      Secrets.assertNotLogged(good, wrong);
    }
  }
}
