package io.changeflux.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangePipeline;
import io.changeflux.ChangeSource;
import io.changeflux.HealthState;
import io.changeflux.SourceOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.FluxSink;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Keys held for a slow consumer: the pending-keys count and the DEGRADED (consumer lag) state. */
class ConsumerLagTest {

  /** A consumer that takes only what the test requests. */
  static final class Stalled<T> extends BaseSubscriber<T> {
    final List<T> got = new CopyOnWriteArrayList<>();

    @Override
    protected void hookOnSubscribe(Subscription s) {
      s.request(1);
    }

    @Override
    protected void hookOnNext(T value) {
      got.add(value);
    }
  }

  private static void send(HealthModelTest.Backend b, int from, int to) {
    FluxSink<ChangeEvent> sink = b.sink();
    for (int i = from; i < to; i++) {
      sink.next(ChangeEvent.of(ChangeKind.MODIFIED, "k" + i));
    }
  }

  @Test
  void pendingKeysGrowWhileTheConsumerStallsAndDrainWhenItCatchesUp() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    HealthModelTest.Backend b = new HealthModelTest.Backend();
    ChangeSource s = ChangePipeline.of(SourceOptions.parse("fs:/tmp")).on(vts).apply(b);
    assertThat(s.health().pendingKeys()).isZero();
    Stalled<ChangeEvent> consumer = new Stalled<>();
    s.events().subscribe(consumer);
    send(b, 0, 100);
    send(b, 1, 10); // merged into keys already pending
    assertThat(consumer.got).hasSize(1);
    assertThat(s.health().pendingKeys()).isEqualTo(99);
    consumer.request(40);
    assertThat(s.health().pendingKeys()).isEqualTo(59);
    consumer.requestUnbounded();
    assertThat(s.health().pendingKeys()).isZero();
    assertThat(consumer.got).hasSize(100);
    consumer.dispose();
  }

  @Test
  void aDebounceBatchCountsUntilTheConsumerTakesIt() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    HealthModelTest.Backend b = new HealthModelTest.Backend();
    ChangeSource s = ChangePipeline.of(SourceOptions.parse("fs:/tmp?debounce=100ms")).on(vts).apply(b);
    Stalled<List<ChangeEvent>> consumer = new Stalled<>();
    s.batches().subscribe(consumer);
    send(b, 0, 10);
    assertThat(s.health().pendingKeys()).isEqualTo(10); // the open batch
    vts.advanceTimeBy(Duration.ofMillis(100));
    assertThat(consumer.got).hasSize(1);
    assertThat(s.health().pendingKeys()).isZero();
    send(b, 10, 30);
    vts.advanceTimeBy(Duration.ofSeconds(1)); // closed, not requested: still held
    assertThat(consumer.got).hasSize(1);
    assertThat(s.health().pendingKeys()).isEqualTo(20);
    consumer.request(1);
    assertThat(s.health().pendingKeys()).isZero();
    consumer.dispose();
  }

  @Test
  void aStalledConsumerIsDegradedForLagAndUpAgainAtHalfTheBound() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    HealthModelTest.Backend b = new HealthModelTest.Backend();
    ChangeSource s = ChangePipeline.of(SourceOptions.parse("fs:/tmp?lagKeys=50")).on(vts).apply(b);
    Stalled<ChangeEvent> consumer = new Stalled<>();
    s.events().subscribe(consumer);
    b.ready();
    send(b, 0, 61); // one delivered, 60 pending
    assertThat(s.health().current().state()).isEqualTo(HealthState.UP); // not checked yet
    vts.advanceTimeBy(Duration.ofSeconds(1));
    assertThat(s.health().current().state()).isEqualTo(HealthState.DEGRADED);
    assertThat(s.health().current().reason()).isEqualTo("consumer lag: 50 or more keys pending");
    consumer.request(30); // 30 pending: under the bound, over half of it
    vts.advanceTimeBy(Duration.ofSeconds(1));
    assertThat(s.health().current().state()).isEqualTo(HealthState.DEGRADED);
    consumer.request(10); // 20 pending: at most half
    vts.advanceTimeBy(Duration.ofSeconds(1));
    assertThat(s.health().current().state()).isEqualTo(HealthState.UP);
    send(b, 100, 160);
    vts.advanceTimeBy(Duration.ofSeconds(1));
    assertThat(s.health().current().state()).isEqualTo(HealthState.DEGRADED);
    consumer.requestUnbounded();
    vts.advanceTimeBy(Duration.ofSeconds(1));
    assertThat(s.health().current().state()).isEqualTo(HealthState.UP);
    consumer.dispose();
    assertThat(s.health().current().state()).isEqualTo(HealthState.STOPPED);
    assertThat(s.health().pendingKeys()).isZero();
  }

  @Test
  void lagKeysDefaultsToHalfOfCoalesceAndZeroTurnsTheCheckOff() {
    assertThat(ChangePipeline.of(SourceOptions.parse("fs:/tmp")).lagKeys()).isEqualTo(5_000);
    assertThat(ChangePipeline.of(SourceOptions.parse("fs:/tmp?coalesce=100")).lagKeys()).isEqualTo(50);
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    HealthModelTest.Backend b = new HealthModelTest.Backend();
    ChangeSource s = ChangePipeline.of(SourceOptions.parse("fs:/tmp?lagKeys=0")).on(vts).apply(b);
    Stalled<ChangeEvent> consumer = new Stalled<>();
    s.events().subscribe(consumer);
    b.ready();
    send(b, 0, 1_000);
    vts.advanceTimeBy(Duration.ofSeconds(5));
    assertThat(s.health().pendingKeys()).isEqualTo(999);
    assertThat(s.health().current().state()).isEqualTo(HealthState.UP);
    consumer.dispose();
  }
}
