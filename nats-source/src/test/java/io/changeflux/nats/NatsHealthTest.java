package io.changeflux.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeSource;
import io.changeflux.ChangeSources;
import io.changeflux.HealthState;
import io.changeflux.SourceHealth;
import io.changeflux.SourceListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/** Health of nats: sources under a test-owned nats-server that is SIGKILLed and restarted. */
class NatsHealthTest {

  private static final Duration PATIENCE = Duration.ofSeconds(20);

  static final class Listener implements SourceListener {
    final List<SourceHealth> states = new CopyOnWriteArrayList<>();
    final AtomicInteger reconnects = new AtomicInteger();

    @Override
    public void onHealth(SourceHealth h) {
      states.add(h);
    }

    @Override
    public void onReconnect() {
      reconnects.incrementAndGet();
    }
  }

  private static void upDegradedUp(NatsServerProcess server, String uri) {
    ChangeSource s = ChangeSources.open(uri);
    Listener l = new Listener();
    Disposable d = s.events().contextWrite(ChangeSources.observe(l)).subscribe(e -> {}, e -> {});
    try {
      await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.UP);
      server.kill();
      await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.DEGRADED);
      assertThat(s.health().current().reason()).isEqualTo("reconnecting");
      server.restart();
      await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.UP);
      assertThat(l.reconnects).hasValue(1);
      assertThat(l.states)
          .extracting(SourceHealth::state)
          .containsSubsequence(HealthState.STARTING, HealthState.UP, HealthState.DEGRADED, HealthState.UP);
    } finally {
      d.dispose();
    }
    assertThat(s.health().current().state()).isEqualTo(HealthState.STOPPED);
  }

  @Test
  void coreSubscriptionIsDegradedWhileReconnecting() {
    try (NatsServerProcess own = NatsServerProcess.start(false, "")) {
      upDegradedUp(own, own.url() + "?subjects=live.>&reconnectWait=100ms&overflowHealth=0");
    }
  }

  @Test
  void jetStreamConsumerIsDegradedWhileReconnecting() {
    try (NatsServerProcess own = NatsServerProcess.start()) {
      upDegradedUp(
          own,
          own.url() + "?subjects=h.>&stream=H&durable=w&reconnectWait=100ms&fetchWait=1s&overflowHealth=0");
    }
  }
}
