package io.changeflux.redis;

import io.changeflux.testkit.LogCapture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSinks;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.changeflux.testkit.ChangeSourceTestKit.Recorder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

class RedisPubSubTest {

  static final Duration PATIENCE = Duration.ofSeconds(20);
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

  static Recorder subscribe(String uri) throws InterruptedException {
    Recorder r = new Recorder();
    CountDownLatch ready = new CountDownLatch(1);
    r.disposable =
        ChangeSources.open(uri)
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(r.events::add, r.error::set);
    if (!ready.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
      r.disposable.dispose();
      throw new AssertionError("not ready: " + r.error.get());
    }
    return r;
  }

  @Test
  void channelsAndPatternsDeliverRawMessagesKeyedByChannel() throws Exception {
    Recorder r = subscribe(server.uri("?channels=orders,invoices&patterns=build.*"));
    try {
      client.sync().publish("orders", "o-1");
      client.sync().publish("build.main", "b-1");
      client.sync().publish("other", "ignored");
      client.sync().publish("invoices", "i-1");
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.keys()).containsExactly("orders", "build.main", "invoices"));
      ChangeEvent build = r.events.get(1);
      assertThat(build.kind()).isEqualTo(ChangeKind.MODIFIED);
      assertThat(new String(build.payload(), StandardCharsets.UTF_8)).isEqualTo("b-1");
      assertThat(build.headers()).containsEntry("pattern", "build.*");
      assertThat(build.source()).isEqualTo(server.uri("?channels=orders,invoices&patterns=build.*"));
      assertThat(r.error.get()).isNull();
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void sinkEnvelopeIsRestoredWithKindKeyShaHeadersAndPayload() throws Exception {
    String uri = server.uri("?channels=envelopes");
    Recorder r = subscribe(uri);
    try {
      ChangeEvent sent =
          ChangeEvent.builder(ChangeKind.DELETED, "src/Main.java")
              .sha("ab12")
              .header("user", "ada")
              .payload(new byte[] {0, 1, 2, (byte) 255})
              .build();
      ChangeSinks.open(uri).publish(Flux.just(sent, ChangeEvent.of(ChangeKind.CREATED, "b"))).block(PATIENCE);
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.keys()).containsExactly("src/Main.java", "b"));
      ChangeEvent got = r.events.get(0);
      assertThat(got.kind()).isEqualTo(ChangeKind.DELETED);
      assertThat(got.sha()).contains("ab12");
      assertThat(got.headers()).isEqualTo(sent.headers());
      assertThat(got.payload()).isEqualTo(sent.payload());
      assertThat(got.source()).isEqualTo(uri);
      assertThat(r.events.get(1).kind()).isEqualTo(ChangeKind.CREATED);
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void malformedEnvelopeIsPassedOnRawAndTheStreamGoesOn() throws Exception {
    Recorder r = subscribe(server.uri("?channels=bad"));
    try {
      client.sync().publish("bad", "{\"changeflux\":1,\"kind\":\"EXPLODED\",\"key\":\"k\"}");
      client.sync().publish("bad", "{\"changeflux\":1, not json");
      client.sync().publish("bad", "{\"some\":\"other json\"}");
      ChangeSinks.open(server.uri("?channels=bad")).publish(Flux.just(ChangeEvent.of(ChangeKind.CREATED, "fine"))).block(PATIENCE);
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.keys()).containsExactly("bad", "bad", "bad", "fine"));
      assertThat(r.events.get(0).headers().get("malformed")).contains("EXPLODED");
      assertThat(r.events.get(1).headers()).containsKey("malformed");
      assertThat(r.events.get(2).headers()).doesNotContainKey("malformed");
      assertThat(new String(r.events.get(2).payload(), StandardCharsets.UTF_8)).isEqualTo("{\"some\":\"other json\"}");
      assertThat(r.events).extracting(ChangeEvent::kind).containsExactly(
          ChangeKind.MODIFIED, ChangeKind.MODIFIED, ChangeKind.MODIFIED, ChangeKind.CREATED);
      assertThat(r.error.get()).isNull();
      assertThat(LogCapture.text()).contains("malformed envelope on channel bad");
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void keyspaceWithoutNotificationsFailsSayingWhatToEnable() {
    client.sync().configSet("notify-keyspace-events", "");
    AtomicReference<Throwable> error = new AtomicReference<>();
    Disposable d = ChangeSources.open(server.uri("?keyspace=user:*")).events().subscribe(e -> {}, error::set);
    try {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(error.get()).isNotNull());
      assertThat(error.get())
          .isInstanceOf(ChangeSourceException.class)
          .hasMessageContaining("notify-keyspace-events")
          .hasMessageContaining("KA")
          .hasMessageContaining("configureNotifications=true");
    } finally {
      d.dispose();
    }
  }

  @Test
  void keyspaceNotificationsMapSetDelAndExpiry() throws Exception {
    client.sync().configSet("notify-keyspace-events", "");
    Recorder r = subscribe(server.uri("?keyspace=user:*&configureNotifications=true"));
    try {
      assertThat(client.sync().configGet("notify-keyspace-events").get("notify-keyspace-events")).contains("K");
      client.sync().set("user:1", "ada");
      client.sync().hset("user:2", "name", "bob");
      client.sync().set("other", "x");
      client.sync().del("user:1");
      client.sync().set("user:3", "tmp");
      client.sync().pexpire("user:3", 1);
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.events).anySatisfy(e -> {
        assertThat(e.key()).isEqualTo("user:3");
        assertThat(e.headers()).containsEntry("reason", "expired");
        assertThat(e.kind()).isEqualTo(ChangeKind.DELETED);
      }));
      assertThat(r.keys()).doesNotContain("other");
      assertThat(r.events.get(0).key()).isEqualTo("user:1");
      assertThat(r.events.get(0).kind()).isEqualTo(ChangeKind.MODIFIED);
      assertThat(r.events.get(0).headers()).containsEntry("event", "set");
      assertThat(r.events.get(1).key()).isEqualTo("user:2");
      assertThat(r.events.get(1).headers()).containsEntry("event", "hset");
      assertThat(r.events.get(2).key()).isEqualTo("user:1");
      assertThat(r.events.get(2).kind()).isEqualTo(ChangeKind.DELETED);
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void keyspaceFollowsTheDatabaseOfTheUriPath() throws Exception {
    client.sync().configSet("notify-keyspace-events", "KA");
    Recorder r = subscribe("redis://127.0.0.1:" + server.port() + "/2?keyspace=db:*");
    try (RedisTestClient db2 = new RedisTestClient(server.port())) {
      client.sync().set("db:zero", "0");
      db2.sync().select(2);
      db2.sync().set("db:two", "2");
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.keys()).contains("db:two"));
      assertThat(r.keys()).containsExactly("db:two");
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void sinkNeedsExactlyOneChannelOrAStream() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ChangeSinks.open(server.uri("?channels=a,b")))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("exactly one channel");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ChangeSinks.open(server.uri("?patterns=a.*")))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("not to patterns");
  }

  @Test
  void badOptionsAreOneLineErrorsNamingTheKey() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ChangeSources.open(server.uri("")))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("nothing to watch");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ChangeSources.open(server.uri("?stream=s&channels=a")))
        .hasMessageContaining("'stream'");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ChangeSources.open("redis://h:99999?channels=a"))
        .hasMessageContaining("bad port '99999'");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ChangeSources.open("redis://h/x?channels=a"))
        .hasMessageContaining("bad database 'x'");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ChangeSources.open("redis://h?channels=a&caFile=/x"))
        .hasMessageContaining("needs TLS");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ChangeSources.open("redis://h?channels=a&ack=later"))
        .hasMessageContaining("'ack'").hasMessageContaining("auto, manual");
  }
}
