package io.changeflux.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Core NATS subscriptions against a real nats-server. */
class NatsCoreTest {

  static NatsServerProcess server;
  static Connection publisher;

  @BeforeAll
  static void startServer() throws Exception {
    server = NatsServerProcess.start(false, "");
    publisher = Nats.connect(server.url());
  }

  @AfterAll
  static void stopServer() throws Exception {
    publisher.close();
    server.close();
  }

  static void publish(Connection c, String subject, String body) throws Exception {
    c.publish(subject, body.getBytes(StandardCharsets.UTF_8));
    c.flush(Duration.ofSeconds(5));
  }

  @Test
  void wildcardSubjectsDeliverMatchingSubjectsOnly() throws Exception {
    try (Subscriptions s = Subscriptions.subscribe(server.url() + "?subjects=orders.*,audit.>")) {
      publish(publisher, "orders.1", "a");
      publish(publisher, "orders.1.deep", "not matched by orders.*");
      publish(publisher, "audit.eu.west", "b");
      publish(publisher, "other.x", "not matched");
      publish(publisher, "orders.end", "c");
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(s.keys()).contains("orders.end"));
      assertThat(s.keys()).containsExactly("orders.1", "audit.eu.west", "orders.end");
      ChangeEvent first = s.events.get(0);
      assertThat(first.kind()).isEqualTo(ChangeKind.MODIFIED);
      assertThat(new String(first.payload(), StandardCharsets.UTF_8)).isEqualTo("a");
      assertThat(first.source()).isEqualTo(server.url() + "?subjects=orders.*,audit.>");
    }
  }

  @Test
  void natsHeadersBecomeEventHeaders() throws Exception {
    try (Subscriptions s = Subscriptions.subscribe(server.url() + "?subjects=hdr.>")) {
      Headers h = new Headers().put("trace", "t-1").put("multi", "x", "y");
      publisher.publish(NatsMessage.builder().subject("hdr.one").headers(h).data("p").build());
      publisher.flush(Duration.ofSeconds(5));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(s.events).hasSize(1));
      assertThat(s.events.get(0).headers()).containsEntry("trace", "t-1").containsEntry("multi", "x,y");
      assertThat(s.events.get(0).key()).isEqualTo("hdr.one");
    }
  }

  @Test
  void queueGroupSplitsMessagesBetweenTwoSubscribers() throws Exception {
    String uri = server.url() + "?subjects=work.*&queue=workers";
    try (Subscriptions a = Subscriptions.subscribe(uri);
        Subscriptions b = Subscriptions.subscribe(uri)) {
      int n = 200;
      for (int i = 0; i < n; i++) {
        publisher.publish("work." + i, Integer.toString(i).getBytes(StandardCharsets.UTF_8));
      }
      publisher.flush(Duration.ofSeconds(5));
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(a.events.size() + b.events.size()).isEqualTo(n));
      // Each message went to exactly one member, and both members got work.
      Set<String> all = new HashSet<>(a.keys());
      all.addAll(b.keys());
      assertThat(all).hasSize(n);
      assertThat(a.events).isNotEmpty();
      assertThat(b.events).isNotEmpty();
    }
  }

  @Test
  void serverKilledAndRestartedEmitsOverflowThenDelivers() throws Exception {
    try (NatsServerProcess own = NatsServerProcess.start(false, "");
        Subscriptions s = Subscriptions.subscribe(own.url() + "?subjects=live.>&reconnectWait=100ms")) {
      try (Connection before = Nats.connect(own.url())) {
        publish(before, "live.before", "1");
      }
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(s.keys()).contains("live.before"));

      own.kill();
      own.restart();

      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> assertThat(s.of(ChangeKind.OVERFLOW)).hasSize(1));
      ChangeEvent overflow = s.of(ChangeKind.OVERFLOW).get(0);
      assertThat(overflow.headers()).containsEntry("reason", "reconnect");
      assertThat(overflow.key()).isEqualTo("live.>");
      try (Connection after = Nats.connect(own.url())) {
        await()
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(200))
            .untilAsserted(
                () -> {
                  publish(after, "live.after", "2");
                  assertThat(s.keys()).contains("live.after");
                });
      }
      List<String> keys = s.keys();
      assertThat(keys.indexOf("")).isEqualTo(-1);
      assertThat(keys.indexOf("live.>")).isLessThan(keys.indexOf("live.after"));
      assertThat(s.error.get()).isNull();
    }
  }

  @Test
  void slowConsumerDropsBecomeOverflowWithTheDroppedCount() throws Exception {
    CountDownLatch blocked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    String uri = server.url() + "?subjects=slow.*&pendingLimit=10";
    try (Subscriptions s =
        Subscriptions.subscribe(
            uri,
            e -> {
              if (blocked.getCount() > 0) {
                blocked.countDown();
                try {
                  release.await(30, TimeUnit.SECONDS); // a consumer stuck in its handler
                } catch (InterruptedException ex) {
                  Thread.currentThread().interrupt();
                }
              }
            })) {
      int n = 300;
      publish(publisher, "slow.0", "0");
      assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
      for (int i = 1; i < n; i++) {
        publisher.publish("slow." + i, new byte[0]);
      }
      publisher.flush(Duration.ofSeconds(5));
      // The server has sent everything; the client buffer (10) overflowed meanwhile.
      try (Connection marker = Nats.connect(server.url())) {
        marker.flush(Duration.ofSeconds(5));
      }
      release.countDown();
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(s.of(ChangeKind.OVERFLOW)).isNotEmpty());
      long dropped =
          s.of(ChangeKind.OVERFLOW).stream()
              .peek(o -> assertThat(o.headers()).containsEntry("reason", "slow-consumer"))
              .mapToLong(o -> Long.parseLong(o.headers().get("dropped")))
              .sum();
      assertThat(dropped).isPositive();
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(s.events.stream().filter(e -> e.kind() != ChangeKind.OVERFLOW).count() + dropped)
                      .isEqualTo(n));
    }
  }

  @Test
  void clusterNodeKilledSubscriberFailsOverWithOverflow() throws Exception {
    List<NatsServerProcess> cluster = NatsServerProcess.cluster(3);
    try {
      NatsServerProcess n0 = cluster.get(0);
      NatsServerProcess n2 = cluster.get(2);
      // The URI names n0 only: the other nodes are learnt from the cluster (connect_urls).
      try (Subscriptions s = Subscriptions.subscribe(n0.url() + "?subjects=cl.>&reconnectWait=100ms");
          Connection pub = Nats.connect(new Options.Builder().server(n2.url()).maxReconnects(-1).build())) {
        // Routes form shortly after start: publish on n2 until n0's subscriber sees it.
        await()
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(200))
            .untilAsserted(
                () -> {
                  publish(pub, "cl.before", "1");
                  assertThat(s.keys()).contains("cl.before");
                });
        n0.kill();
        await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(() -> assertThat(s.of(ChangeKind.OVERFLOW)).hasSize(1));
        await()
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(200))
            .untilAsserted(
                () -> {
                  publish(pub, "cl.after", "2");
                  assertThat(s.keys()).contains("cl.after");
                });
        assertThat(s.error.get()).isNull();
      }
    } finally {
      cluster.forEach(NatsServerProcess::close);
    }
  }

  @Test
  void manyKeysPublishedInOrderArriveInOrder() throws Exception {
    try (Subscriptions s = Subscriptions.subscribe(server.url() + "?subjects=seq.*")) {
      for (int i = 0; i < 100; i++) {
        publisher.publish("seq." + i, new byte[0]);
      }
      publisher.flush(Duration.ofSeconds(5));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(s.events).hasSize(100));
      assertThat(s.keys())
          .isEqualTo(IntStream.range(0, 100).mapToObj(i -> "seq." + i).collect(Collectors.toList()));
    }
  }
}
