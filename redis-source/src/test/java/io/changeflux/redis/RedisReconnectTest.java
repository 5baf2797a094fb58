package io.changeflux.redis;

import io.changeflux.testkit.LogCapture;
import static io.changeflux.redis.RedisPubSubTest.PATIENCE;
import static io.changeflux.redis.RedisPubSubTest.subscribe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.testkit.ChangeSourceTestKit.Recorder;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A redis-server SIGKILLed and restarted under a running subscription. */
class RedisReconnectTest {

  @BeforeAll
  static void capture() {
    LogCapture.install();
  }

  @Test
  void redisRestartEmitsOverflowPerChannelAndPatternThenResumes() throws Exception {
    try (RedisServerProcess server = RedisServerProcess.start()) {
      Recorder r = subscribe(server.uri("?channels=jobs&patterns=build.*&maxReconnectDelay=200ms"));
      try {
        try (RedisTestClient c = new RedisTestClient(server.port())) {
          c.sync().publish("jobs", "before");
        }
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.keys()).containsExactly("jobs"));
        server.kill();
        // stay down until a reconnect attempt has failed, then come back on the same port
        await().atMost(PATIENCE).until(() -> LogCapture.text().contains(":" + server.port() + "?channels=jobs&patterns=build.*&maxReconnectDelay=200ms: reconnect attempt"));
        server.restart();
        await()
            .atMost(PATIENCE)
            .untilAsserted(
                () ->
                    assertThat(overflows(r))
                        .containsExactlyInAnyOrder("jobs", "build.*"));
        try (RedisTestClient c = new RedisTestClient(server.port())) {
          c.sync().publish("jobs", "after");
          c.sync().publish("build.x", "after");
        }
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.keys()).endsWith("jobs", "build.x"));
        assertThat(overflows(r)).hasSize(2); // one per channel/pattern per reconnect
        assertThat(r.events.stream().filter(e -> e.kind() == ChangeKind.OVERFLOW))
            .allSatisfy(e -> assertThat(e.headers()).containsEntry("reason", "reconnect"));
        assertThat(r.error.get()).isNull();
      } finally {
        r.disposable.dispose();
      }
    }
  }

  @Test
  void keyspaceRestartEmitsOverflowKeyedByTheKeyPattern() throws Exception {
    try (RedisServerProcess server = RedisServerProcess.start("notify-keyspace-events KA")) {
      Recorder r = subscribe(server.uri("?keyspace=cfg:*&maxReconnectDelay=200ms"));
      try {
        server.kill();
        server.restart();
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(overflows(r)).containsExactly("cfg:*"));
        try (RedisTestClient c = new RedisTestClient(server.port())) {
          c.sync().set("cfg:a", "1");
        }
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.keys()).endsWith("cfg:a"));
      } finally {
        r.disposable.dispose();
      }
    }
  }

  @Test
  void keyspaceNotificationsForgottenByARestartedServerAreEnabledAgainOrReported() throws Exception {
    try (RedisServerProcess server = RedisServerProcess.start()) {
      try (RedisTestClient c = new RedisTestClient(server.port())) {
        c.sync().configSet("notify-keyspace-events", "KA"); // as an operator would, not in redis.conf
      }
      Recorder reporting = subscribe(server.uri("?keyspace=cfg:*&maxReconnectDelay=100ms"));
      try {
        server.kill();
        server.restart(); // forgets the CONFIG SET
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(reporting.error.get()).isNotNull());
        assertThat(reporting.error.get())
            .hasMessageContaining("keyspace notifications are off after a reconnect")
            .hasMessageContaining("configureNotifications=true");
      } finally {
        reporting.disposable.dispose();
      }
      Recorder fixing = subscribe(server.uri("?keyspace=cfg:*&configureNotifications=true&maxReconnectDelay=100ms"));
      try {
        server.kill();
        server.restart(); // forgets what the source set at its start
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(overflows(fixing)).containsExactly("cfg:*"));
        try (RedisTestClient c = new RedisTestClient(server.port())) {
          await().atMost(PATIENCE).untilAsserted(() ->
              assertThat(c.sync().configGet("notify-keyspace-events").get("notify-keyspace-events")).contains("K"));
          c.sync().set("cfg:b", "1");
        }
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(fixing.keys()).endsWith("cfg:b"));
        assertThat(fixing.error.get()).isNull();
      } finally {
        fixing.disposable.dispose();
      }
    }
  }

  @Test
  void resubscribeRefusedAfterReconnectEndsTheStreamWithAnError() throws Exception {
    try (RedisServerProcess server =
        RedisServerProcess.start("user default on nopass ~* &* +@all", "user app on >app-pw-77 ~* &jobs +@all")) {
      Recorder r = subscribe("redis://app:app-pw-77@127.0.0.1:" + server.port() + "?channels=jobs&timeout=1s&maxReconnectDelay=100ms");
      try (RedisTestClient c = new RedisTestClient(server.port())) {
        // Redis drops the subscribed client when its channel permission goes; Lettuce reconnects,
        // and resubscribing is refused with NOPERM.
        c.sync().dispatch(
            io.lettuce.core.protocol.CommandType.ACL,
            new io.lettuce.core.output.StatusOutput<>(io.lettuce.core.codec.StringCodec.UTF8),
            new io.lettuce.core.protocol.CommandArgs<>(io.lettuce.core.codec.StringCodec.UTF8)
                .add("SETUSER").add("app").add("resetchannels"));
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.error.get()).isNotNull());
        assertThat(r.error.get())
            .isInstanceOf(io.changeflux.ChangeSourceException.class)
            .hasMessageContaining("resubscribing failed")
            .hasMessageContaining("NOPERM")
            .hasMessageNotContaining("app-pw-77");
      } finally {
        r.disposable.dispose();
      }
    }
    assertThat(LogCapture.text()).doesNotContain("app-pw-77");
  }

  @Test
  void giveUpAfterEndsPubSubAndStreamsWithAnErrorWhenTheServerStaysDown() throws Exception {
    try (RedisServerProcess server = RedisServerProcess.start()) {
      Recorder pubsub = subscribe(server.uri("?channels=jobs&maxReconnectDelay=100ms&giveUpAfter=500ms"));
      Recorder stream = subscribe(server.uri("?stream=s&group=g&timeout=1s&maxReconnectDelay=100ms&giveUpAfter=500ms"));
      try {
        server.kill();
        await().atMost(PATIENCE).untilAsserted(() -> {
          assertThat(pubsub.error.get()).isNotNull();
          assertThat(stream.error.get()).isNotNull();
        });
        assertThat(pubsub.error.get())
            .isInstanceOf(io.changeflux.ChangeSourceException.class)
            .hasMessageContaining("no connection to 127.0.0.1:" + server.port() + " for 500ms (giveUpAfter)");
        assertThat(stream.error.get())
            .isInstanceOf(io.changeflux.ChangeSourceException.class)
            .hasMessageContaining("(giveUpAfter); giving up");
      } finally {
        pubsub.disposable.dispose();
        stream.disposable.dispose();
      }
    }
  }

  static List<String> overflows(Recorder r) {
    return r.events.stream()
        .filter(e -> e.kind() == ChangeKind.OVERFLOW)
        .map(ChangeEvent::key)
        .collect(Collectors.toList());
  }
}
