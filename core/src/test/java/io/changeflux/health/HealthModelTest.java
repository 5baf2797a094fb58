package io.changeflux.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangePipeline;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.changeflux.HealthMonitor;
import io.changeflux.HealthState;
import io.changeflux.SourceHealth;
import io.changeflux.SourceListener;
import io.changeflux.SourceOptions;
import io.changeflux.spi.HealthReport;
import io.changeflux.spi.Readiness;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The health model core keeps around every source: a backend made here drives it by hand. */
class HealthModelTest {

  private static final String SECRET = "Qz7/kP@x:9";

  /** A backend whose subscription the test drives: the sink, its context, readiness. */
  static final class Backend implements ChangeSource {
    final AtomicReference<FluxSink<ChangeEvent>> sink = new AtomicReference<>();

    @Override
    public Flux<ChangeEvent> events() {
      return Flux.create(sink::set);
    }

    FluxSink<ChangeEvent> sink() {
      await().until(() -> sink.get() != null);
      return sink.get();
    }

    void ready() {
      Readiness.signal(sink().contextView());
    }

    void degraded(String reason) {
      HealthReport.degraded(sink().contextView(), reason);
    }

    void recovered(String reason) {
      HealthReport.recovered(sink().contextView(), reason);
    }
  }

  static final class Recorder implements SourceListener {
    final List<SourceHealth> states = new CopyOnWriteArrayList<>();
    final AtomicInteger reconnects = new AtomicInteger();
    final List<Duration> rescans = new CopyOnWriteArrayList<>();
    final AtomicInteger redelivered = new AtomicInteger();
    final AtomicInteger acks = new AtomicInteger();

    @Override
    public void onAck(long count) {
      acks.addAndGet((int) count);
    }

    @Override
    public void onHealth(SourceHealth health) {
      states.add(health);
    }

    @Override
    public void onReconnect() {
      reconnects.incrementAndGet();
    }

    @Override
    public void onRescan(Duration took) {
      rescans.add(took);
    }

    @Override
    public void onRedelivery(long count) {
      redelivered.addAndGet((int) count);
    }

    List<HealthState> kinds() {
      return states.stream().map(SourceHealth::state).collect(Collectors.toList());
    }
  }

  private static ChangeSource open(ChangeSource b, String uri) {
    return ChangePipeline.of(SourceOptions.parse(uri)).apply(b);
  }

  @Test
  void startingUpDegradedUpStoppedAsCurrentValueFluxAndListener() {
    Backend b = new Backend();
    ChangeSource s = open(b, "redis://u:" + SECRET.replace("/", "%2F").replace("@", "%40").replace(":", "%3A") + "@h:1?channels=a");
    HealthMonitor m = s.health();
    List<HealthState> seen = new CopyOnWriteArrayList<>();
    Disposable watching = m.changes().subscribe(h -> seen.add(h.state()));
    assertThat(m.current().state()).isEqualTo(HealthState.STOPPED);

    Recorder r = new Recorder();
    AtomicInteger userReady = new AtomicInteger();
    Disposable sub =
        s.events()
            .contextWrite(ChangeSources.onReady(userReady::incrementAndGet))
            .contextWrite(ChangeSources.observe(r))
            .subscribe();
    b.sink();
    assertThat(m.current().state()).isEqualTo(HealthState.STARTING);
    b.ready();
    assertThat(userReady).hasValue(1);
    assertThat(m.current().state()).isEqualTo(HealthState.UP);

    b.degraded("reconnecting");
    assertThat(m.current().state()).isEqualTo(HealthState.DEGRADED);
    assertThat(m.current().reason()).isEqualTo("reconnecting");
    b.degraded("rescanning");
    assertThat(m.current().reason()).isEqualTo("reconnecting; rescanning");
    b.recovered("reconnecting");
    HealthReport.reconnected(b.sink().contextView());
    HealthReport.rescanned(b.sink().contextView(), Duration.ofMillis(7));
    HealthReport.redelivered(b.sink().contextView(), 3);
    HealthReport.acknowledged(b.sink().contextView(), 2);
    assertThat(m.current().reason()).isEqualTo("rescanning");
    b.recovered("rescanning");
    assertThat(m.current().state()).isEqualTo(HealthState.UP);
    assertThat(m.current().source()).doesNotContain("kP").contains("***");

    sub.dispose();
    assertThat(m.current().state()).isEqualTo(HealthState.STOPPED);
    assertThat(r.kinds())
        .containsExactly(
            HealthState.STARTING,
            HealthState.UP,
            HealthState.DEGRADED,
            HealthState.DEGRADED,
            HealthState.DEGRADED,
            HealthState.UP,
            HealthState.STOPPED);
    assertThat(r.reconnects).hasValue(1);
    assertThat(r.rescans).containsExactly(Duration.ofMillis(7));
    assertThat(r.redelivered).hasValue(3);
    assertThat(r.acks).hasValue(2);
    await().until(() -> seen.size() >= 8);
    assertThat(seen)
        .containsExactly(
            HealthState.STOPPED,
            HealthState.STARTING,
            HealthState.UP,
            HealthState.DEGRADED,
            HealthState.DEGRADED,
            HealthState.DEGRADED,
            HealthState.UP,
            HealthState.STOPPED);
    watching.dispose();
  }

  @Test
  void anErrorIsDownWithTheRedactedCauseAndStaysDown() {
    Backend b = new Backend();
    ChangeSource s = open(b, "fs:/tmp");
    Recorder r = new Recorder();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    s.events().contextWrite(ChangeSources.observe(r)).subscribe(e -> {}, failed::set);
    b.ready();
    b.sink().error(new IllegalStateException("AUTH failed for redis://bob:" + SECRET + "@h:1 password=" + SECRET));
    await().until(() -> failed.get() != null);
    SourceHealth h = s.health().current();
    assertThat(h.state()).isEqualTo(HealthState.DOWN);
    assertThat(h.reason()).contains("AUTH failed").doesNotContain("kP").doesNotContain(SECRET);
    assertThat(r.kinds()).containsExactly(HealthState.STARTING, HealthState.UP, HealthState.DOWN);
    // a second subscription brings it back
    b.sink.set(null);
    Disposable again = s.events().subscribe();
    assertThat(s.health().current().state()).isEqualTo(HealthState.STARTING);
    b.ready();
    assertThat(s.health().current().state()).isEqualTo(HealthState.UP);
    again.dispose();
  }

  @Test
  void anOverflowKeepsTheSubscriptionDegradedForAMinute() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    Backend b = new Backend();
    ChangeSource s = ChangePipeline.of(SourceOptions.parse("fs:/tmp")).on(vts).apply(b);
    List<ChangeEvent> got = new CopyOnWriteArrayList<>();
    Disposable sub = s.events().subscribe(got::add);
    b.ready();
    b.sink().next(ChangeEvent.builder(ChangeKind.OVERFLOW, "").header("reason", "overflow").build());
    assertThat(got).hasSize(1);
    assertThat(s.health().current().state()).isEqualTo(HealthState.DEGRADED);
    assertThat(s.health().current().reason()).isEqualTo("OVERFLOW (overflow) in the last 1m");
    vts.advanceTimeBy(Duration.ofSeconds(50));
    b.sink().next(ChangeEvent.builder(ChangeKind.OVERFLOW, "").header("reason", "overflow").build());
    vts.advanceTimeBy(Duration.ofSeconds(50)); // 100 s after the first, 50 s after the second
    assertThat(s.health().current().state()).isEqualTo(HealthState.DEGRADED);
    vts.advanceTimeBy(Duration.ofSeconds(10));
    assertThat(s.health().current().state()).isEqualTo(HealthState.UP);
    sub.dispose();
  }

  @Test
  void overflowHealthSetsTheWindowAndZeroTurnsItOff() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    Backend b = new Backend();
    ChangeSource s = ChangePipeline.of(SourceOptions.parse("fs:/tmp?overflowHealth=5s")).on(vts).apply(b);
    Disposable sub = s.events().subscribe();
    b.ready();
    b.sink().next(ChangeEvent.builder(ChangeKind.OVERFLOW, "").build());
    assertThat(s.health().current().reason()).isEqualTo("OVERFLOW in the last 5s");
    vts.advanceTimeBy(Duration.ofSeconds(5));
    assertThat(s.health().current().state()).isEqualTo(HealthState.UP);
    sub.dispose();

    Backend b0 = new Backend();
    ChangeSource s0 = ChangePipeline.of(SourceOptions.parse("fs:/tmp?overflowHealth=0")).on(vts).apply(b0);
    Disposable sub0 = s0.events().subscribe();
    b0.ready();
    b0.sink().next(ChangeEvent.builder(ChangeKind.OVERFLOW, "").build());
    assertThat(s0.health().current().state()).isEqualTo(HealthState.UP);
    sub0.dispose();
  }

  @Test
  void aNestedSourcePassesItsReasonsToItsParent() {
    Backend inner = new Backend();
    ChangeSource innerSource = open(inner, "fs:/tmp/inner");
    ChangeSource outer =
        open(
            new ChangeSource() {
              @Override
              public Flux<ChangeEvent> events() {
                return innerSource.events(); // inner readiness is the outer's too
              }
            },
            "git:/tmp/repo");
    Recorder r = new Recorder();
    Disposable sub = outer.events().contextWrite(ChangeSources.observe(r)).subscribe();
    inner.ready();
    assertThat(outer.health().current().state()).isEqualTo(HealthState.UP);
    inner.degraded("polling fallback");
    HealthReport.rescanned(inner.sink().contextView(), Duration.ofMillis(1));
    assertThat(outer.health().current().state()).isEqualTo(HealthState.DEGRADED);
    assertThat(outer.health().current().reason()).isEqualTo("polling fallback");
    assertThat(r.rescans).hasSize(1);
    assertThat(r.kinds()).containsExactly(HealthState.STARTING, HealthState.UP, HealthState.DEGRADED);
    sub.dispose();
  }

  @Test
  void reasonsAreRedacted() {
    Backend b = new Backend();
    ChangeSource s = open(b, "fs:/tmp");
    Disposable sub = s.events().subscribe();
    b.degraded("reconnecting to redis://al:" + SECRET + "@h:1 token=" + SECRET);
    assertThat(s.health().current().reason()).doesNotContain("kP").contains("reconnecting");
    sub.dispose();
  }

  @Test
  void aSourceMadeOtherwiseIsUntrackedAndAProviderWithoutTrackerPaysNothing() {
    ChangeSource plain = Flux::never;
    assertThat(plain.health().current().state()).isEqualTo(HealthState.STOPPED);
    assertThat(plain.health().current().reason()).isEqualTo("health not tracked");
    Backend b = new Backend();
    b.events().subscribe();
    b.degraded("x"); // no tracker in the context: nothing happens, nothing fails
    assertThat(b.sink().contextView().hasKey(HealthReport.KEY)).isFalse();
    ChangeSourceException e = new ChangeSourceException("x");
    assertThat(e).isNotNull();
  }
}
