package io.changeflux.redis;

import io.changeflux.testkit.LogCapture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSources;
import io.changeflux.HealthState;
import io.changeflux.SourceHealth;
import io.changeflux.SourceListener;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * Health of Redis sources under a test-owned redis-server that is SIGKILLed and restarted: UP →
 * DEGRADED (reconnecting) → UP, a reconnect counted, and no secret in any reason.
 */
class RedisHealthTest {

  private static final Duration PATIENCE = Duration.ofSeconds(20);
  private static final String PW = "s3/cr@t:pw";

  @BeforeAll
  static void capture() {
    LogCapture.install();
  }

  static final class Listener implements SourceListener {
    final List<SourceHealth> states = new CopyOnWriteArrayList<>();
    final AtomicInteger reconnects = new AtomicInteger();
    final AtomicInteger redelivered = new AtomicInteger();
    final AtomicInteger acks = new AtomicInteger();

    @Override
    public void onHealth(SourceHealth h) {
      states.add(h);
    }

    @Override
    public void onReconnect() {
      reconnects.incrementAndGet();
    }

    @Override
    public void onAck(long count) {
      acks.addAndGet((int) count);
    }

    @Override
    public void onRedelivery(long count) {
      redelivered.addAndGet((int) count);
    }

    List<HealthState> kinds() {
      return states.stream().map(SourceHealth::state).collect(Collectors.toList());
    }
  }

  private static String uri(RedisServerProcess server, String query) {
    return "redis://app:" + URLEncoder.encode(PW, StandardCharsets.UTF_8) + "@127.0.0.1:" + server.port() + query;
  }

  @Test
  void pubSubIsDegradedWhileReconnectingThenUpAgain() throws Exception {
    try (RedisServerProcess server = RedisServerProcess.start("user default on nopass ~* &* +@all", "user app on >" + PW + " ~* &* +@all")) {
      // overflowHealth=0: the OVERFLOW after the reconnect does not hold it DEGRADED for a minute
      ChangeSource s = ChangeSources.open(uri(server, "?channels=jobs&maxReconnectDelay=100ms&overflowHealth=0"));
      Listener l = new Listener();
      List<ChangeEvent> got = new CopyOnWriteArrayList<>();
      Disposable sub = s.events().contextWrite(ChangeSources.observe(l)).subscribe(got::add);
      try {
        await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.UP);
        server.kill();
        await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.DEGRADED);
        assertThat(s.health().current().reason()).isEqualTo("reconnecting");
        server.restart();
        await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.UP);
        assertThat(l.reconnects).hasValue(1);
        assertThat(l.kinds()).containsSubsequence(HealthState.STARTING, HealthState.UP, HealthState.DEGRADED, HealthState.UP);
        assertThat(l.states).allSatisfy(h -> assertThat(h.toString()).doesNotContain("cr@t").doesNotContain(PW));
        assertThat(s.health().current().source()).doesNotContain("cr");
      } finally {
        sub.dispose();
      }
      assertThat(s.health().current().state()).isEqualTo(HealthState.STOPPED);
    }
  }

  @Test
  void anOverflowAfterTheReconnectKeepsItDegradedForTheWindow() throws Exception {
    try (RedisServerProcess server = RedisServerProcess.start()) {
      ChangeSource s = ChangeSources.open(server.uri("?channels=jobs&maxReconnectDelay=100ms&overflowHealth=1h"));
      Disposable sub = s.events().subscribe();
      try {
        await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.UP);
        server.kill();
        server.restart();
        await()
            .atMost(PATIENCE)
            .until(() -> s.health().current().reason().equals("OVERFLOW (reconnect) in the last 1h"));
        assertThat(s.health().current().state()).isEqualTo(HealthState.DEGRADED);
      } finally {
        sub.dispose();
      }
    }
  }

  @Test
  void aWrongPasswordIsDownWithoutTheSecret() throws Exception {
    try (RedisServerProcess server = RedisServerProcess.start("user app on >other ~* &* +@all")) {
      ChangeSource s = ChangeSources.open(uri(server, "?channels=jobs"));
      Disposable sub = s.events().subscribe(e -> {}, e -> {});
      try {
        await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.DOWN);
        assertThat(s.health().current().reason()).isNotEmpty().doesNotContain("cr@t").doesNotContain("s3/");
      } finally {
        sub.dispose();
      }
      assertThat(s.health().current().state()).isEqualTo(HealthState.DOWN);
    }
  }

  @Test
  void streamReadsFailingAreDegradedThenUpWithRedeliveriesCounted() throws Exception {
    try (RedisServerProcess server = RedisServerProcess.start("appendonly yes", "appendfsync always")) {
      ChangeSource s =
          ChangeSources.open(server.uri("?stream=jobs&group=g&consumer=c1&start=0&maxReconnectDelay=100ms&ack=manual"));
      Listener l = new Listener();
      List<ChangeEvent> got = new CopyOnWriteArrayList<>();
      Disposable sub = s.events().contextWrite(ChangeSources.observe(l)).subscribe(got::add);
      try (RedisTestClient c = new RedisTestClient(server.port())) {
        await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.UP);
        c.sync().xadd("jobs", java.util.Map.of("k", "v"));
        await().atMost(PATIENCE).until(() -> got.size() == 1);
      }
      sub.dispose();
      // a new subscription of the same consumer reads its pending (unacknowledged) entry again
      Disposable again = s.events().contextWrite(ChangeSources.observe(l)).subscribe(got::add);
      try {
        await().atMost(PATIENCE).until(() -> got.size() == 2);
        assertThat(l.redelivered).hasValue(1);
        assertThat(l.acks).hasValue(0);
        got.get(1).ack();
        assertThat(l.acks).hasValue(1);
        server.kill();
        await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.DEGRADED);
        assertThat(s.health().current().reason()).isEqualTo("reconnecting");
        server.restart();
        await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.UP);
        assertThat(l.reconnects.get()).isGreaterThanOrEqualTo(1);
      } finally {
        again.dispose();
      }
    }
  }
}
