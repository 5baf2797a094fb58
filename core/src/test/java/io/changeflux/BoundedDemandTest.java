package io.changeflux;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.internal.Coalescer;
import io.changeflux.internal.Debouncer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Toward a source that reads on demand (a pull source: Redis Streams, JetStream), debounce and
 * coalesce request in bounded amounts and stop at their acknowledgement budget, so a stalled
 * consumer leaves the messages at the broker; every message is acknowledged exactly once, after
 * the event covering it was delivered.
 */
class BoundedDemandTest {

  static final int MESSAGES = 200_000;

  @AfterEach
  void resetVirtualTime() {
    VirtualTimeScheduler.reset();
  }

  /** A pull source over {@code n} messages: emits only what was requested, records the requests. */
  static final class PullSource {
    final int n;
    final int keys;
    final AtomicLong requested = new AtomicLong();
    final List<Long> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
    final AtomicLong emitted = new AtomicLong();
    final AtomicIntegerArray acks;
    /** Acknowledgements that came before as many messages had been delivered (must stay 0). */
    final AtomicInteger ackedBeforeDelivery = new AtomicInteger();
    final AtomicLong ackedSoFar = new AtomicLong();
    final AtomicLong delivered = new AtomicLong();

    PullSource(int n, int keys) {
      this.n = n;
      this.keys = keys;
      this.acks = new AtomicIntegerArray(n);
    }

    Flux<ChangeEvent> flux() {
      return Flux.<ChangeEvent, Integer>generate(
              () -> 0,
              (i, sink) -> {
                if (i == n) {
                  sink.complete();
                  return i;
                }
                int id = i;
                sink.next(
                    ChangeEvent.builder(ChangeKind.MODIFIED, "k" + (id % keys))
                        .payload(new byte[64])
                        .onAck(
                            () -> {
                              if (ackedSoFar.incrementAndGet() > delivered.get()) {
                                ackedBeforeDelivery.incrementAndGet();
                              }
                              acks.incrementAndGet(id);
                            })
                        .build());
                emitted.incrementAndGet();
                return i + 1;
              })
          .doOnRequest(
              r -> {
                requests.add(r);
                requested.addAndGet(r);
              });
    }

    long outstandingMax() {
      return requests.stream().mapToLong(Long::longValue).max().orElse(0);
    }

    void assertEachAckedOnce() {
      for (int i = 0; i < n; i++) {
        assertThat(acks.get(i)).as("acks of message %d", i).isEqualTo(1);
      }
      assertThat(ackedBeforeDelivery.get()).isZero();
    }
  }

  @Test
  void debounceTowardAPullSourceRequestsBoundedAmountsAndStopsAtTheKeyBudget() {
    PullSource src = new PullSource(MESSAGES, 1);
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    List<List<ChangeEvent>> got = new ArrayList<>();
    BaseSubscriber<List<ChangeEvent>> stalled =
        new BaseSubscriber<>() {
          @Override
          protected void hookOnSubscribe(org.reactivestreams.Subscription s) {}

          @Override
          protected void hookOnNext(List<ChangeEvent> batch) {
            src.delivered.addAndGet(batch.stream().mapToLong(ChangeEvent::ackHandles).sum());
            got.add(batch);
          }
        };
    src.flux()
        .transform(ChangeOps.debounce(Duration.ofSeconds(2), Duration.ofSeconds(5), 10_000, vts))
        .transform(ChangeOps.acknowledgeBatches())
        .subscribe(stalled);
    vts.advanceTimeBy(Duration.ofMinutes(1));
    // stalled: one batch waits, at its budget; the source was asked for little more than that
    assertThat(src.requests).allSatisfy(r -> assertThat(r).isLessThanOrEqualTo(Debouncer.PREFETCH));
    assertThat(src.requested.get())
        .isLessThanOrEqualTo(ChangeOps.DEFAULT_KEY_ACK_BUDGET + 2L * Debouncer.PREFETCH);
    assertThat(got).isEmpty();
    // drain: batches of at most about the budget, until everything came through
    while (src.delivered.get() < MESSAGES) {
      stalled.request(1);
      vts.advanceTimeBy(Duration.ofSeconds(3));
    }
    assertThat(got).allSatisfy(b -> {
      assertThat(b).hasSize(1);
      assertThat(b.get(0).ackHandles())
          .isLessThanOrEqualTo(ChangeOps.DEFAULT_KEY_ACK_BUDGET + Debouncer.PREFETCH);
      assertThat(b.get(0).count()).isEqualTo(b.get(0).ackHandles());
    });
    stalled.request(1);
    vts.advanceTimeBy(Duration.ofSeconds(3));
    src.assertEachAckedOnce();
    assertThat(src.requests).doesNotContain(Long.MAX_VALUE);
  }

  @Test
  void debounceOverManyKeysStopsAtTheTotalBudgetThroughOverflow() {
    PullSource src = new PullSource(MESSAGES, 50_000);
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    List<ChangeEvent> got = new ArrayList<>();
    BaseSubscriber<List<ChangeEvent>> stalled =
        new BaseSubscriber<>() {
          @Override
          protected void hookOnSubscribe(org.reactivestreams.Subscription s) {}

          @Override
          protected void hookOnNext(List<ChangeEvent> batch) {
            src.delivered.addAndGet(batch.stream().mapToLong(ChangeEvent::ackHandles).sum());
            got.addAll(batch);
          }
        };
    int maxKeys = 1_000;
    src.flux()
        .transform(ChangeOps.debounce(Duration.ofSeconds(2), Duration.ofSeconds(5), maxKeys, vts))
        .transform(ChangeOps.acknowledgeBatches())
        .subscribe(stalled);
    vts.advanceTimeBy(Duration.ofMinutes(1));
    // the closed batch collapsed to one OVERFLOW slot, which holds handles until its key budget
    assertThat(src.requested.get())
        .isLessThanOrEqualTo(maxKeys + ChangeOps.DEFAULT_KEY_ACK_BUDGET + 2L * Debouncer.PREFETCH);
    while (src.delivered.get() < MESSAGES) {
      stalled.request(1);
      vts.advanceTimeBy(Duration.ofSeconds(3));
    }
    assertThat(got.stream().mapToLong(ChangeEvent::count).sum()).isEqualTo(MESSAGES);
    assertThat(got).anySatisfy(e -> assertThat(e.kind()).isEqualTo(ChangeKind.OVERFLOW));
    src.assertEachAckedOnce();
  }

  @Test
  void coalesceTowardAPullSourceStopsAtTheKeyBudgetAndAcksEachOnceAfterDelivery() {
    PullSource src = new PullSource(MESSAGES, 3);
    List<ChangeEvent> got = new ArrayList<>();
    BaseSubscriber<ChangeEvent> stalled =
        new BaseSubscriber<>() {
          @Override
          protected void hookOnSubscribe(org.reactivestreams.Subscription s) {}

          @Override
          protected void hookOnNext(ChangeEvent e) {
            src.delivered.addAndGet(e.ackHandles());
            got.add(e);
          }
        };
    src.flux().transform(ChangeOps.coalesce(10_000)).transform(ChangeOps.acknowledge()).subscribe(stalled);
    assertThat(src.requests).allSatisfy(r -> assertThat(r).isLessThanOrEqualTo(Coalescer.PREFETCH));
    // the first of the 3 keys to reach its budget stops the reads
    assertThat(src.requested.get())
        .isLessThanOrEqualTo(3L * ChangeOps.DEFAULT_KEY_ACK_BUDGET + 2L * Coalescer.PREFETCH);
    while (got.stream().mapToLong(ChangeEvent::count).sum() < MESSAGES) {
      stalled.request(1);
    }
    assertThat(got).allSatisfy(e ->
        assertThat(e.ackHandles()).isLessThanOrEqualTo(ChangeOps.DEFAULT_KEY_ACK_BUDGET + Coalescer.PREFETCH));
    src.assertEachAckedOnce();
  }

  @Test
  void eventsWithoutHandlesNeverStopTheReads() {
    // a push source's events carry no handles: debounce keeps reading whatever the consumer does
    TestPublisher<ChangeEvent> tp = TestPublisher.createNoncompliant(TestPublisher.Violation.REQUEST_OVERFLOW);
    StepVerifier.withVirtualTime(
            () -> tp.flux().transform(ChangeOps.debounce(Duration.ofSeconds(1), Duration.ofSeconds(5))), 0)
        .expectSubscription()
        .then(
            () -> {
              for (int i = 0; i < 10_000; i++) {
                tp.next(Events.modified("k" + (i % 10)));
              }
            })
        .thenAwait(Duration.ofSeconds(2))
        .expectNoEvent(Duration.ofSeconds(1))
        .thenRequest(1)
        .assertNext(b -> assertThat(b).hasSize(10))
        .thenCancel()
        .verify(Duration.ofSeconds(10));
    tp.assertWasRequested();
  }

  @Test
  void thePipelineRequestsAPullSourceInBoundedAmounts() {
    PullSource src = new PullSource(10_000, 1);
    ChangeSource pull =
        new ChangeSource() {
          @Override
          public Flux<ChangeEvent> events() {
            return src.flux();
          }

          @Override
          public Delivery delivery() {
            return Delivery.PULL;
          }
        };
    ChangeSource piped = ChangePipeline.of(SourceOptions.parse("mem:x")).apply(pull);
    StepVerifier.create(piped.events(), 3).expectNextCount(3).thenCancel().verify(Duration.ofSeconds(10));
    assertThat(src.requests).doesNotContain(Long.MAX_VALUE);
    assertThat(src.requested.get()).isLessThan(1_000);
    assertThat(piped.delivery()).isEqualTo(Delivery.PULL);
  }

  @Test
  void thePipelineCoalescesAPushSourceOnce() {
    TestPublisher<ChangeEvent> tp = TestPublisher.create();
    ChangeSource push = tp::flux;
    ChangeSource piped = ChangePipeline.of(SourceOptions.parse("mem:x?coalesce=5")).apply(push);
    StepVerifier.create(piped.events(), 0)
        .expectSubscription()
        .then(
            () -> {
              for (int i = 0; i < 100; i++) {
                tp.next(Events.modified("k" + (i % 3)));
              }
            })
        .thenRequest(10)
        .expectNextCount(3)
        .expectNoEvent(Duration.ofMillis(50))
        .thenCancel()
        .verify(Duration.ofSeconds(10));
    tp.assertMaxRequested(Long.MAX_VALUE);
  }
}
