package io.changeflux.redis;

import io.changeflux.testkit.LogCapture;
import static io.changeflux.redis.RedisPubSubTest.PATIENCE;
import static io.changeflux.redis.RedisPubSubTest.subscribe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSinks;
import io.changeflux.ChangeSources;
import io.changeflux.testkit.ChangeSourceTestKit.Recorder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;

/** Redis Streams with a consumer group: at-least-once, resumable. */
class RedisStreamTest {

  static RedisServerProcess server;
  static RedisTestClient client;

  @BeforeAll
  static void startServer() throws Exception {
    LogCapture.install();
    server = RedisServerProcess.start();
    client = new RedisTestClient(server.port());
  }

  @AfterAll
  static void stopServer() throws Exception {
    client.close();
    server.close();
  }

  static String add(String stream, String payload) {
    return client.sync().xadd(stream, Map.of("payload", payload));
  }

  static long pending(String stream, String group) {
    return client.sync().xpending(stream, group).getCount();
  }

  @Test
  void groupDeliversEntriesWithIdHeaderAndManualAckClearsPending() throws Exception {
    String id1 = add("s1", "one");
    String uri = server.uri("?stream=s1&group=g&consumer=c1&start=0&ack=manual");
    ChangeSinks.open(uri)
        .publish(Flux.just(ChangeEvent.builder(ChangeKind.CREATED, "file.txt").sha("ff").header("by", "me").build()))
        .block(PATIENCE);
    Recorder r = subscribe(uri);
    try {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.keys()).containsExactly("s1", "file.txt"));
      ChangeEvent raw = r.events.get(0);
      assertThat(raw.headers()).containsEntry("id", id1);
      assertThat(new String(raw.payload(), StandardCharsets.UTF_8)).isEqualTo("one");
      assertThat(raw.acknowledgeable()).isTrue();
      ChangeEvent env = r.events.get(1);
      assertThat(env.kind()).isEqualTo(ChangeKind.CREATED);
      assertThat(env.sha()).contains("ff");
      assertThat(env.headers()).containsEntry("by", "me").containsKey("id");
      assertThat(pending("s1", "g")).isEqualTo(2);
      r.events.forEach(ChangeEvent::ack);
      r.events.get(0).ack(); // a second ack is harmless
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(pending("s1", "g")).isZero());
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void consumerKilledMidwayAndRestartedLosesNothing() throws Exception {
    List<String> ids = IntStream.range(0, 100).mapToObj(i -> add("s2", "e" + i)).collect(Collectors.toList());
    String uri = server.uri("?stream=s2&group=g&consumer=c1&start=0&ack=manual&batch=7");
    Set<String> acked = ConcurrentHashMap.newKeySet();
    // First run: takes 50, acknowledges 40, then dies.
    List<ChangeEvent> first = new CopyOnWriteArrayList<>();
    CountDownLatch ready = new CountDownLatch(1);
    BaseSubscriber<ChangeEvent> s =
        new BaseSubscriber<>() {
          @Override
          protected void hookOnSubscribe(org.reactivestreams.Subscription sub) {
            sub.request(50);
          }

          @Override
          protected void hookOnNext(ChangeEvent e) {
            first.add(e);
            if (first.size() <= 40) {
              e.ack();
              acked.add(e.headers().get("id"));
            }
          }
        };
    ChangeSources.open(uri).events().contextWrite(ChangeSources.onReady(ready::countDown)).subscribe(s);
    assertThat(ready.await(20, TimeUnit.SECONDS)).isTrue();
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(first).hasSize(50));
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(pending("s2", "g")).isEqualTo(10));
    s.dispose();
    // More entries arrive while the consumer is dead.
    for (int i = 100; i < 120; i++) {
      ids.add(add("s2", "e" + i));
    }
    // Second run: its own 10 pending entries first, then the rest.
    Recorder r = subscribe(uri);
    try {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.events).hasSize(80));
      List<String> second = r.events.stream().map(e -> e.headers().get("id")).collect(Collectors.toList());
      assertThat(second.subList(0, 10))
          .containsExactlyElementsOf(first.subList(40, 50).stream().map(e -> e.headers().get("id")).collect(Collectors.toList()));
      Set<String> all = ConcurrentHashMap.newKeySet();
      all.addAll(acked);
      all.addAll(second);
      assertThat(all).containsExactlyInAnyOrderElementsOf(ids);
      r.events.forEach(ChangeEvent::ack);
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(pending("s2", "g")).isZero());
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void entriesOfADeadConsumerAreClaimedAfterClaimIdle() throws Exception {
    for (int i = 0; i < 5; i++) {
      add("s3", "e" + i);
    }
    Recorder dead = subscribe(server.uri("?stream=s3&group=g&consumer=dead&start=0&ack=manual"));
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(dead.events).hasSize(5));
    dead.disposable.dispose(); // never acknowledged
    Recorder alive = subscribe(server.uri("?stream=s3&group=g&consumer=alive&ack=manual&claimIdle=300ms"));
    try {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(alive.events).hasSize(5));
      assertThat(alive.events.stream().map(e -> e.headers().get("id")))
          .containsExactlyElementsOf(dead.events.stream().map(e -> e.headers().get("id")).collect(Collectors.toList()));
      alive.events.forEach(ChangeEvent::ack);
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(pending("s3", "g")).isZero());
    } finally {
      alive.disposable.dispose();
    }
  }

  @Test
  void sinkTrimsTheStreamToAboutMaxLen() {
    String uri = server.uri("?stream=s4&maxLen=10");
    ChangeSinks.open(uri)
        .publish(Flux.range(0, 500).map(i -> ChangeEvent.of(ChangeKind.MODIFIED, "k" + i)))
        .block(PATIENCE);
    long len = client.sync().xlen("s4");
    assertThat(len).isLessThan(500).isGreaterThanOrEqualTo(10);
  }

  @Test
  void serverRestartWithAppendOnlyResumesWithoutLoss() throws Exception {
    try (RedisServerProcess aof = RedisServerProcess.start("appendonly yes", "appendfsync always")) {
      String uri = aof.uri("?stream=jobs&group=g&consumer=c&start=0&ack=manual&maxReconnectDelay=200ms&timeout=2s");
      Recorder r = subscribe(uri);
      try {
        try (RedisTestClient c = new RedisTestClient(aof.port())) {
          for (int i = 0; i < 10; i++) {
            c.sync().xadd("jobs", Map.of("payload", "a" + i));
          }
        }
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.events).hasSize(10));
        aof.kill();
        aof.restart();
        try (RedisTestClient c = new RedisTestClient(aof.port())) {
          for (int i = 0; i < 10; i++) {
            c.sync().xadd("jobs", Map.of("payload", "b" + i));
          }
        }
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.events.size()).isGreaterThanOrEqualTo(20));
        assertThat(r.events).extracting(ChangeEvent::kind).doesNotContain(ChangeKind.OVERFLOW);
        assertThat(r.events.stream().map(e -> new String(e.payload(), StandardCharsets.UTF_8)).distinct())
            .hasSize(20);
        assertThat(r.error.get()).isNull();
      } finally {
        r.disposable.dispose();
      }
    }
  }

  @Test
  void cancelReleasesTheReaderThreadAndConnections() throws Exception {
    String uri = server.uri("?stream=s6&group=g&consumer=c&ack=manual");
    Recorder warm = subscribe(uri);
    warm.disposable.dispose();
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(readerThreads()).isZero());
    int threads = Thread.activeCount();
    long clients = connectedClients();
    for (int i = 0; i < 5; i++) {
      Recorder r = subscribe(uri);
      add("s6", "x" + i);
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.events).hasSize(1));
      r.events.get(0).ack();
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(pending("s6", "g")).isZero());
      r.disposable.dispose(); // while its XREADGROUP blocks
    }
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () -> {
              assertThat(readerThreads()).isZero();
              assertThat(Thread.activeCount()).isLessThanOrEqualTo(threads + 1);
              assertThat(connectedClients()).isEqualTo(clients);
            });
  }

  static long readerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("changeflux-redis-stream-"))
        .count();
  }

  static long connectedClients() {
    return client.sync().clientList().lines().count();
  }

  @Test
  void ackAutoAcknowledgesAfterOnNext() throws Exception {
    add("s5", "x");
    Recorder r = subscribe(server.uri("?stream=s5&group=g&consumer=c&start=0"));
    try {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.events).hasSize(1));
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(pending("s5", "g")).isZero());
    } finally {
      r.disposable.dispose();
    }
  }
}
