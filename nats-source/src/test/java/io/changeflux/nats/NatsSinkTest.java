package io.changeflux.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSink;
import io.changeflux.ChangeSinks;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.changeflux.mem.InMemory;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/** NatsSink and the envelope, end to end through a real nats-server. */
class NatsSinkTest {

  static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

  static NatsServerProcess server;
  static Connection raw;

  @BeforeAll
  static void startServer() throws Exception {
    server = NatsServerProcess.start();
    raw = Nats.connect(server.url());
  }

  @AfterAll
  static void stopServer() throws Exception {
    raw.close();
    server.close();
  }

  static List<ChangeEvent> sample() {
    return List.of(
        ChangeEvent.builder(ChangeKind.CREATED, "src/a b.txt").sha(SHA).source("fs:/data").build(),
        ChangeEvent.builder(ChangeKind.MODIFIED, "dir/ünïcødé %20.java").payload("body".getBytes(StandardCharsets.UTF_8)).header("trace", "t:1 ü").build(),
        ChangeEvent.builder(ChangeKind.DELETED, "gone\nwith a line break.txt").count(3).build(),
        ChangeEvent.builder(ChangeKind.OVERFLOW, "").header("reason", "coalesce").build());
  }

  static void assertRestored(List<ChangeEvent> got) {
    List<ChangeEvent> sent = sample();
    assertThat(got).hasSize(sent.size());
    for (int i = 0; i < sent.size(); i++) {
      ChangeEvent s = sent.get(i);
      ChangeEvent g = got.get(i);
      assertThat(g.kind()).isEqualTo(s.kind());
      assertThat(g.key()).isEqualTo(s.key());
      assertThat(g.sha()).isEqualTo(s.sha());
      assertThat(g.payload()).isEqualTo(s.payload());
      assertThat(g.count()).isEqualTo(s.count());
      assertThat(g.headers()).containsAllEntriesOf(s.headers());
      assertThat(g.headers()).containsKey("Nats-Msg-Id");
    }
  }

  @Test
  void memSourceThroughCoreSinkRestoresKindKeyShaAndHeaders() throws Exception {
    try (Subscriptions receiver = Subscriptions.subscribe(server.url() + "?subjects=relay.core")) {
      ChangeSink sink = ChangeSinks.open(server.url() + "?subjects=relay.core");
      CountDownLatch upstreamReady = new CountDownLatch(1);
      AtomicReference<Throwable> error = new AtomicReference<>();
      AtomicBoolean done = new AtomicBoolean();
      Disposable relay =
          sink.publish(
                  ChangeSources.open("mem:relay-core")
                      .events()
                      .contextWrite(ChangeSources.onReady(upstreamReady::countDown)))
              .subscribe(v -> {}, error::set, () -> done.set(true));
      try {
        assertThat(upstreamReady.await(20, TimeUnit.SECONDS)).isTrue();
        sample().forEach(InMemory.channel("relay-core")::emit);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(receiver.events).hasSize(4));
        assertRestored(receiver.events);
        assertThat(error.get()).isNull();
      } finally {
        relay.dispose();
      }
    }
  }

  @Test
  void readinessInThePublishContextMeansBothEndsAreUp() throws Exception {
    try (Subscriptions receiver = Subscriptions.subscribe(server.url() + "?subjects=relay.ready")) {
      CountDownLatch bothUp = new CountDownLatch(1);
      Disposable relay =
          ChangeSinks.open(server.url() + "?subjects=relay.ready")
              .publish(ChangeSources.open("mem:relay-ready").events())
              .contextWrite(ChangeSources.onReady(bothUp::countDown))
              .subscribe();
      try {
        assertThat(bothUp.await(20, TimeUnit.SECONDS)).isTrue();
        InMemory.channel("relay-ready").emit(ChangeKind.CREATED, "first");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(receiver.keys()).containsExactly("first"));
      } finally {
        relay.dispose();
      }
    }
  }

  @Test
  void publishCompletesAfterTheServerConfirmedEverything() throws Exception {
    try (Subscriptions receiver = Subscriptions.subscribe(server.url() + "?subjects=finite")) {
      NatsSink.of(server.url() + "?subjects=finite").publish(Flux.fromIterable(sample())).block(Duration.ofSeconds(20));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(receiver.events).hasSize(4));
      assertRestored(receiver.events);
    }
  }

  @Test
  void jetStreamSinkAwaitsAcksAndTheStreamDropsDuplicatePublishes() throws Exception {
    String to = server.url() + "?subjects=relay.js&stream=RELAY&duplicateWindow=1m";
    List<ChangeEvent> once = sample();
    List<ChangeEvent> twice = new java.util.ArrayList<>(once);
    twice.addAll(once); // the same events again: same Nats-Msg-Id
    AtomicBoolean acked = new AtomicBoolean();
    twice.set(0, twice.get(0).toBuilder().onAck(() -> acked.set(true)).build());
    ChangeSinks.open(to).publish(Flux.fromIterable(twice)).block(Duration.ofSeconds(20));
    assertThat(acked).as("the sink acknowledges an event once the server stored it").isTrue();
    assertThat(raw.jetStreamManagement().getStreamInfo("RELAY").getStreamState().getMsgCount()).isEqualTo(4);

    JetStreamTest.OneByOne s =
        JetStreamTest.subscribe(server.url() + "?subjects=relay.js&stream=RELAY&durable=r&ack=manual", Integer.MAX_VALUE);
    try {
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(s.events).hasSize(4));
      assertRestored(s.events);
      assertThat(s.events).extracting(e -> e.headers().get("id")).containsExactly("1", "2", "3", "4");
    } finally {
      s.dispose();
    }
  }

  @Test
  void jetStreamSinkLosesNothingWhenTheServerIsKilledAndRestarted() throws Exception {
    try (NatsServerProcess own = NatsServerProcess.start()) {
      String to = own.url() + "?subjects=relay.restart&stream=RESTART&reconnectWait=100ms";
      CountDownLatch up = new CountDownLatch(1);
      AtomicReference<Throwable> error = new AtomicReference<>();
      Disposable relay =
          ChangeSinks.open(to)
              .publish(ChangeSources.open("mem:relay-restart").events())
              .contextWrite(ChangeSources.onReady(up::countDown))
              .subscribe(v -> {}, error::set);
      try (Connection admin = Nats.connect(new io.nats.client.Options.Builder().server(own.url()).maxReconnects(-1).reconnectWait(Duration.ofMillis(100)).build())) {
        assertThat(up.await(20, TimeUnit.SECONDS)).isTrue();
        java.util.concurrent.atomic.AtomicInteger acked = new java.util.concurrent.atomic.AtomicInteger();
        for (int i = 0; i < 50; i++) {
          InMemory.channel("relay-restart")
              .emit(ChangeEvent.builder(ChangeKind.MODIFIED, "k" + i).onAck(acked::incrementAndGet).build());
        }
        // Every publish acknowledged by the server and on disk: nothing in flight at the kill.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(acked).hasValue(50));
        own.awaitStored("k49", Duration.ofSeconds(20));
        own.kill();
        // Published while the server is down: the sink holds and retries them.
        for (int i = 50; i < 60; i++) {
          InMemory.channel("relay-restart").emit(ChangeKind.MODIFIED, "k" + i);
        }
        own.restart();
        for (int i = 60; i < 100; i++) {
          InMemory.channel("relay-restart").emit(ChangeKind.MODIFIED, "k" + i);
        }
        try {
          await()
              .atMost(Duration.ofSeconds(30))
              .ignoreExceptions()
              .untilAsserted(() -> assertThat(count(own, "RESTART")).isEqualTo(100));
        } catch (Throwable t) {
          System.out.println("SERVERLOG " + own.log().replace("\n", "\nSERVERLOG "));
          throw t;
        }
        assertThat(error.get()).isNull();
      } finally {
        relay.dispose();
      }
    }
  }

  static long count(Connection c, String stream) throws Exception {
    return c.jetStreamManagement().getStreamInfo(stream).getStreamState().getMsgCount();
  }

  /** The count over a fresh connection (a reconnected jnats connection may be stuck, see Health). */
  static long count(NatsServerProcess server, String stream) throws Exception {
    try (Connection c = Nats.connect(server.url())) {
      return count(c, stream);
    }
  }

  @Test
  void malformedEnvelopeIsPassedOnRawAndTheStreamGoesOn() throws Exception {
    try (Subscriptions s = Subscriptions.subscribe(server.url() + "?subjects=mal.>")) {
      raw.publish(
          NatsMessage.builder()
              .subject("mal.a")
              .headers(new Headers().put(NatsEnvelope.KIND, "EXPLODED").put(NatsEnvelope.KEY, "k"))
              .data("x")
              .build());
      raw.publish(
          NatsMessage.builder().subject("mal.b").headers(new Headers().put(NatsEnvelope.KIND, "CREATED")).data("y").build());
      raw.publish(
          NatsMessage.builder()
              .subject("mal.c")
              .headers(new Headers().put(NatsEnvelope.KIND, "DELETED").put(NatsEnvelope.KEY, "k").put(NatsEnvelope.COUNT, "-4"))
              .build());
      raw.publish(
          NatsMessage.builder()
              .subject("mal.d")
              .headers(new Headers().put(NatsEnvelope.KIND, "deleted").put(NatsEnvelope.KEY, "fine%2Fkey"))
              .build());
      raw.publish("mal.e", "plain".getBytes(StandardCharsets.UTF_8));
      raw.flush(Duration.ofSeconds(5));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(s.events).hasSize(5));
      assertThat(s.error.get()).isNull();
      assertThat(s.events.subList(0, 3))
          .allSatisfy(
              e -> {
                assertThat(e.kind()).isEqualTo(ChangeKind.MODIFIED);
                assertThat(e.key()).startsWith("mal.");
                assertThat(e.headers()).containsKey(NatsEnvelope.MALFORMED);
              });
      assertThat(s.events.get(0).headers().get(NatsEnvelope.MALFORMED)).contains("EXPLODED");
      assertThat(new String(s.events.get(0).payload(), StandardCharsets.UTF_8)).isEqualTo("x");
      assertThat(s.events.get(3).kind()).isEqualTo(ChangeKind.DELETED);
      assertThat(s.events.get(3).key()).isEqualTo("fine/key");
      assertThat(s.events.get(4).key()).isEqualTo("mal.e");
      assertThat(s.events.get(4).headers()).isEmpty();
    }
  }

  @Test
  void sinkNeedsOneLiteralSubject() {
    assertThatThrownBy(() -> ChangeSinks.open(server.url() + "?subjects=a.>"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("one subject");
    assertThatThrownBy(() -> ChangeSinks.open(server.url()))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("subjects");
  }

  @Test
  void sinkStartupFailureNamesTheRedactedUri() {
    String uri = "nats://bob:hunter2@127.0.0.1:" + NatsServerProcess.freePort() + "?subjects=x";
    assertThatThrownBy(() -> ChangeSinks.open(uri).publish(Flux.just(ChangeEvent.of(ChangeKind.CREATED, "k"))).block(Duration.ofSeconds(20)))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("nats://bob:***@127.0.0.1")
        .hasMessageNotContaining("hunter2");
  }
}
