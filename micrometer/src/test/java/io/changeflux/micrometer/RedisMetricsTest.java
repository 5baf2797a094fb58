package io.changeflux.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeSource;
import io.changeflux.ChangeSources;
import io.changeflux.redis.RedisServerProcess;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/** A test-owned redis-server SIGKILLed and restarted: reconnects, OVERFLOWs and health move. */
class RedisMetricsTest {

  @Test
  void aRestartMovesReconnectsOverflowsAndTheHealthGauge() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (RedisServerProcess server = RedisServerProcess.start()) {
      ChangeSource s = ChangeSources.open(server.uri("?channels=jobs&maxReconnectDelay=100ms&overflowHealth=0"));
      ChangeMetrics m = ChangeMetrics.of(registry, s, "jobs");
      Disposable d = s.events().transform(m.events()).subscribe();
      try {
        Duration patience = Duration.ofSeconds(20);
        await().atMost(patience).until(() -> gauge(registry, "UP") == 1);
        server.kill();
        await().atMost(patience).until(() -> gauge(registry, "DEGRADED") == 1);
        server.restart();
        await().atMost(patience).until(() -> gauge(registry, "UP") == 1);
        await()
            .atMost(patience)
            .until(() -> registry.get(ChangeMetrics.OVERFLOWS).tag("reason", "reconnect").counter().count() == 1);
        assertThat(registry.get(ChangeMetrics.RECONNECTS).tag("source", "jobs").counter().count()).isEqualTo(1);
      } finally {
        d.dispose();
      }
    }
  }

  private static double gauge(SimpleMeterRegistry r, String state) {
    return r.get(ChangeMetrics.HEALTH).tag("source", "jobs").tag("state", state).gauge().value();
  }
}
