package io.changeflux.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangePipeline;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSources;
import io.changeflux.SourceOptions;
import io.changeflux.spi.HealthReport;
import io.changeflux.spi.Readiness;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

class ChangeMetricsTest {

  private static final String SECRET = "s3/cr@t:pw";

  @TempDir Path dir;

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  /** A backend the test drives by hand. */
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
  }

  private double health(String source, String state) {
    return registry.get(ChangeMetrics.HEALTH).tag("source", source).tag("state", state).gauge().value();
  }

  @Test
  void aRealFileWatchCountsEventsByKindLatencyAndHealth() throws Exception {
    ChangeSource s = ChangeSources.open("fs:" + dir);
    ChangeMetrics m = ChangeMetrics.of(registry, s, "data");
    String tag = "data";
    assertThat(health(tag, "STOPPED")).isEqualTo(1);
    List<ChangeEvent> got = new CopyOnWriteArrayList<>();
    Disposable d = s.events().transform(m.events()).subscribe(got::add);
    try {
      await().until(() -> health(tag, "UP") == 1);
      assertThat(health(tag, "STOPPED")).isZero();
      Path f = dir.resolve("a.txt");
      Files.writeString(f, "1");
      await().until(() -> got.stream().anyMatch(e -> e.kind() == ChangeKind.CREATED));
      Files.delete(f);
      await().until(() -> got.stream().anyMatch(e -> e.kind() == ChangeKind.DELETED));
      double created = registry.get(ChangeMetrics.EVENTS).tag("source", tag).tag("kind", "CREATED").functionCounter().count();
      double deleted = registry.get(ChangeMetrics.EVENTS).tag("source", tag).tag("kind", "DELETED").functionCounter().count();
      assertThat(created).isEqualTo(got.stream().filter(e -> e.kind() == ChangeKind.CREATED).count());
      assertThat(deleted).isEqualTo(got.stream().filter(e -> e.kind() == ChangeKind.DELETED).count());
      assertThat(registry.get(ChangeMetrics.DELIVERY_LATENCY).tag("source", tag).timer().count()).isPositive();
    } finally {
      d.dispose();
    }
    assertThat(health(tag, "STOPPED")).isEqualTo(1);
  }

  @Test
  void backendFactsAreCountedThroughTheSubscription() {
    Backend b = new Backend();
    ChangeSource s = ChangePipeline.of(SourceOptions.parse("redis://h:1?stream=s&ack=manual")).apply(b);
    ChangeMetrics m = ChangeMetrics.of(registry, s);
    String tag = m.name();
    Disposable d = s.events().transform(m.events()).subscribe();
    FluxSink<ChangeEvent> sink = b.sink();
    Readiness.signal(sink.contextView());
    HealthReport.degraded(sink.contextView(), "reconnecting");
    assertThat(health(tag, "DEGRADED")).isEqualTo(1);
    HealthReport.recovered(sink.contextView(), "reconnecting");
    HealthReport.reconnected(sink.contextView());
    HealthReport.rescanned(sink.contextView(), Duration.ofMillis(40));
    HealthReport.rescanned(sink.contextView(), Duration.ofMillis(60));
    HealthReport.acknowledged(sink.contextView(), 5);
    HealthReport.redelivered(sink.contextView(), 2);
    sink.next(ChangeEvent.builder(ChangeKind.OVERFLOW, "").header("reason", "reconnect").build());
    sink.next(ChangeEvent.builder(ChangeKind.OVERFLOW, "").header("reason", "reconnect").build());
    sink.next(ChangeEvent.builder(ChangeKind.OVERFLOW, "").header("reason", "coalesce").build());
    assertThat(registry.get(ChangeMetrics.RECONNECTS).tag("source", tag).counter().count()).isEqualTo(1);
    assertThat(registry.get(ChangeMetrics.RESCANS).tag("source", tag).timer().count()).isEqualTo(2);
    assertThat(registry.get(ChangeMetrics.RESCANS).tag("source", tag).timer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(100);
    assertThat(registry.get(ChangeMetrics.ACKS).tag("source", tag).counter().count()).isEqualTo(5);
    assertThat(registry.get(ChangeMetrics.REDELIVERIES).tag("source", tag).counter().count()).isEqualTo(2);
    assertThat(registry.get(ChangeMetrics.OVERFLOWS).tag("reason", "reconnect").counter().count()).isEqualTo(2);
    assertThat(registry.get(ChangeMetrics.OVERFLOWS).tag("reason", "coalesce").counter().count()).isEqualTo(1);
    assertThat(registry.get(ChangeMetrics.EVENTS).tag("kind", "OVERFLOW").functionCounter().count()).isEqualTo(3);
    assertThat(health(tag, "DEGRADED")).isEqualTo(1); // OVERFLOW in the last minute
    d.dispose();
  }

  @Test
  void batchSizesAndLatencyFromTheEventTime() {
    Instant now = Instant.parse("2026-01-01T00:00:10Z");
    Backend b = new Backend();
    ChangeSource s = ChangePipeline.of(SourceOptions.parse("fs:/x")).apply(b);
    java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
    // events 2 ms apart: every one sampled
    ChangeMetrics m =
        ChangeMetrics.of(registry, s, "x", Clock.fixed(now, ZoneOffset.UTC), () -> nanos.addAndGet(2_000_000));
    List<List<ChangeEvent>> got = new CopyOnWriteArrayList<>();
    Disposable d = s.batches().transform(m.batches()).subscribe(got::add);
    b.sink().next(ChangeEvent.builder(ChangeKind.CREATED, "a").time(now.minusMillis(250)).build());
    b.sink().next(ChangeEvent.builder(ChangeKind.CREATED, "b").time(now.minusMillis(750)).build());
    await().until(() -> got.size() == 2);
    assertThat(registry.get(ChangeMetrics.BATCH_SIZE).summary().count()).isEqualTo(2);
    assertThat(registry.get(ChangeMetrics.BATCH_SIZE).summary().totalAmount()).isEqualTo(2);
    assertThat(registry.get(ChangeMetrics.DELIVERY_LATENCY).timer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(1000);
    assertThat(registry.get(ChangeMetrics.DELIVERY_LATENCY).timer().max(TimeUnit.MILLISECONDS)).isEqualTo(750);
    d.dispose();
  }

  @Test
  void aBusyStreamIsSampledForLatencyButEveryEventIsCounted() {
    Instant now = Instant.parse("2026-01-01T00:00:10Z");
    Backend b = new Backend();
    ChangeSource s = ChangePipeline.of(SourceOptions.parse("fs:/x")).apply(b);
    java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
    // 10 µs between samples: far closer than 1 ms, so the stride grows
    ChangeMetrics m =
        ChangeMetrics.of(registry, s, "busy", Clock.fixed(now, ZoneOffset.UTC), () -> nanos.addAndGet(10_000));
    Disposable d = s.events().transform(m.events()).subscribe();
    FluxSink<ChangeEvent> sink = b.sink();
    for (int i = 0; i < 100_000; i++) {
      sink.next(ChangeEvent.builder(ChangeKind.MODIFIED, "k" + (i % 10)).time(now).build());
    }
    double counted = registry.get(ChangeMetrics.EVENTS).tag("source", "busy").tag("kind", "MODIFIED").functionCounter().count();
    long samples = registry.get(ChangeMetrics.DELIVERY_LATENCY).tag("source", "busy").timer().count();
    assertThat(counted).isEqualTo(100_000);
    assertThat(samples).isPositive().isLessThan(200);
    d.dispose();
  }

  @Test
  void noSecretInAnyTagAndOverflowReasonsAreBounded() {
    Backend b = new Backend();
    String uri = "redis://u:" + java.net.URLEncoder.encode(SECRET, java.nio.charset.StandardCharsets.UTF_8) + "@h:1?channels=a";
    ChangeSource s = ChangePipeline.of(SourceOptions.parse(uri)).apply(b);
    ChangeMetrics m = ChangeMetrics.of(registry, s);
    ChangeMetrics named = ChangeMetrics.of(registry, s, "redis://x:" + SECRET + "@h password=" + SECRET);
    Disposable d = s.events().transform(m.events()).transform(named.events()).subscribe();
    FluxSink<ChangeEvent> sink = b.sink();
    for (int i = 0; i < 40; i++) {
      sink.next(ChangeEvent.builder(ChangeKind.OVERFLOW, "").header("reason", "r" + i).build());
    }
    sink.next(ChangeEvent.builder(ChangeKind.OVERFLOW, "").header("reason", "token=" + SECRET).build());
    for (Meter meter : registry.getMeters()) {
      for (Tag t : meter.getId().getTags()) {
        assertThat(t.getValue()).doesNotContain("cr@t").doesNotContain("s3%2F").doesNotContain("s3/");
      }
    }
    assertThat(m.name()).contains("***");
    long reasons =
        registry.find(ChangeMetrics.OVERFLOWS).tag("source", m.name()).counters().stream().count();
    assertThat(reasons).isEqualTo(ChangeMetrics.MAX_REASONS + 1); // 16 reasons and "other"
    assertThat(registry.get(ChangeMetrics.OVERFLOWS).tag("source", m.name()).tag("reason", "other").counter().count())
        .isEqualTo(41 - ChangeMetrics.MAX_REASONS);
    d.dispose();
  }

  @Test
  void pendingKeysGaugeMovesWithAStalledConsumer() {
    Backend b = new Backend();
    ChangeSource s = ChangePipeline.of(SourceOptions.parse("fs:/x")).apply(b);
    ChangeMetrics m = ChangeMetrics.of(registry, s, "slow");
    java.util.function.DoubleSupplier pending =
        () -> registry.get(ChangeMetrics.PENDING_KEYS).tag("source", "slow").gauge().value();
    assertThat(pending.getAsDouble()).isZero();
    List<ChangeEvent> got = new CopyOnWriteArrayList<>();
    reactor.core.publisher.BaseSubscriber<ChangeEvent> consumer =
        new reactor.core.publisher.BaseSubscriber<>() {
          @Override
          protected void hookOnSubscribe(org.reactivestreams.Subscription sub) {
            sub.request(1); // then stalls
          }

          @Override
          protected void hookOnNext(ChangeEvent e) {
            got.add(e);
          }
        };
    s.events().transform(m.events()).subscribe(consumer);
    FluxSink<ChangeEvent> sink = b.sink();
    for (int i = 0; i < 50; i++) {
      sink.next(ChangeEvent.of(ChangeKind.CREATED, "k" + i));
    }
    assertThat(got).hasSize(1);
    assertThat(pending.getAsDouble()).isEqualTo(49);
    consumer.request(9);
    assertThat(pending.getAsDouble()).isEqualTo(40);
    consumer.requestUnbounded();
    assertThat(pending.getAsDouble()).isZero();
    assertThat(got).hasSize(50);
    consumer.dispose();
    // the ended subscription's events are still counted
    assertThat(registry.get(ChangeMetrics.EVENTS).tag("source", "slow").tag("kind", "CREATED").functionCounter().count())
        .isEqualTo(50);
  }

  @Test
  void closeRemovesTheMeters() {
    ChangeSource s = ChangeSources.open("fs:" + dir);
    ChangeMetrics m = ChangeMetrics.of(registry, s, "gone");
    assertThat(registry.find(ChangeMetrics.EVENTS).tag("source", "gone").functionCounters()).hasSize(4);
    m.close();
    assertThat(registry.getMeters()).noneMatch(x -> "gone".equals(x.getId().getTag("source")));
  }
}
