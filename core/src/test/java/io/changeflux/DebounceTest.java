package io.changeflux;

import static io.changeflux.ChangeKind.CREATED;
import static io.changeflux.ChangeKind.DELETED;
import static io.changeflux.ChangeKind.MODIFIED;
import static io.changeflux.ChangeKind.OVERFLOW;
import static io.changeflux.Events.acked;
import static io.changeflux.Events.created;
import static io.changeflux.Events.deleted;
import static io.changeflux.Events.ev;
import static io.changeflux.Events.modified;
import static io.changeflux.Events.show;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;
import reactor.test.scheduler.VirtualTimeScheduler;

class DebounceTest {

  static final Duration QUIET = Duration.ofMillis(100);
  static final Duration MAX_WAIT = Duration.ofMillis(500);

  @BeforeAll
  static void timeout() {
    StepVerifier.setDefaultTimeout(Duration.ofSeconds(10));
  }

  @AfterEach
  void resetVirtualTime() {
    VirtualTimeScheduler.reset();
  }

  static Flux<List<ChangeEvent>> debounced(Flux<ChangeEvent> in) {
    return in.transform(ChangeOps.debounce(QUIET, MAX_WAIT, Schedulers.parallel()));
  }

  static Flux<List<ChangeEvent>> debounced(Flux<ChangeEvent> in, int maxKeys) {
    return in.transform(ChangeOps.debounce(QUIET, MAX_WAIT, maxKeys, Schedulers.parallel()));
  }

  @Test
  void emptyStreamCompletesWithoutABatch() {
    StepVerifier.withVirtualTime(() -> debounced(Flux.empty())).verifyComplete();
  }

  @Test
  void neverEmitsWithoutEvents() {
    StepVerifier.withVirtualTime(() -> debounced(Flux.never()))
        .expectSubscription()
        .expectNoEvent(Duration.ofSeconds(10))
        .thenCancel()
        .verify();
  }

  @Test
  void burstOfWritesYieldsOneBatchAfterTheQuietPeriod() {
    TestPublisher<ChangeEvent> tp = TestPublisher.create();
    StepVerifier.withVirtualTime(() -> debounced(tp.flux()))
        .expectSubscription()
        .then(() -> tp.next(modified("a"), modified("b")))
        .thenAwait(Duration.ofMillis(60))
        .then(() -> tp.next(modified("a")))
        .thenAwait(Duration.ofMillis(60))
        .then(() -> tp.next(modified("a")))
        // quiet restarts at every event: 120 ms + 99 ms is still inside the burst
        .expectNoEvent(Duration.ofMillis(99))
        .thenAwait(Duration.ofMillis(1))
        .assertNext(b -> assertThat(show(b)).containsExactly("MODIFIED a x3", "MODIFIED b"))
        .expectNoEvent(Duration.ofSeconds(5))
        .then(tp::complete)
        .verifyComplete();
  }

  @Test
  void maxWaitClosesBatchesUnderContinuousInput() {
    // an event every 50 ms never leaves 100 ms of quiet: max-wait (500 ms) closes the batches
    StepVerifier.withVirtualTime(
            () ->
                debounced(
                    Flux.interval(Duration.ofMillis(10), Duration.ofMillis(50))
                        .map(i -> ev(MODIFIED, "k" + (i % 3), i))
                        .take(25))) // t = 10 .. 1210 ms
        .expectSubscription()
        .expectNoEvent(Duration.ofMillis(509))
        .thenAwait(Duration.ofMillis(1)) // 500 ms after the batch opened at 10 ms
        .assertNext(b -> assertThat(show(b)).containsExactly("MODIFIED k0 x4", "MODIFIED k1 x3", "MODIFIED k2 x3"))
        .expectNoEvent(Duration.ofMillis(499))
        .thenAwait(Duration.ofMillis(1))
        .assertNext(b -> assertThat(b.stream().mapToInt(ChangeEvent::count).sum()).isEqualTo(10))
        // the last 5 events (1010..1210 ms) are flushed at completion, without waiting for quiet
        .thenAwait(Duration.ofMillis(200))
        .assertNext(b -> assertThat(b.stream().mapToInt(ChangeEvent::count).sum()).isEqualTo(5))
        .verifyComplete();
  }

  @ParameterizedTest(name = "{0} then {1} gives {2}")
  @CsvSource({
    "CREATED, MODIFIED, CREATED",
    "CREATED, DELETED, NOTHING",
    "MODIFIED, DELETED, DELETED",
    "DELETED, CREATED, MODIFIED",
    "MODIFIED, MODIFIED, MODIFIED",
    "CREATED, CREATED, CREATED",
    "DELETED, DELETED, DELETED",
    "DELETED, MODIFIED, MODIFIED",
    "MODIFIED, CREATED, MODIFIED"
  })
  void mergeTable(ChangeKind first, ChangeKind second, String expected) {
    ChangeEvent a =
        ChangeEvent.builder(first, "k").time(Instant.ofEpochMilli(1)).payload(bytes("one")).build();
    ChangeEvent b =
        ChangeEvent.builder(second, "k").time(Instant.ofEpochMilli(2)).payload(bytes("two")).build();
    var verifier =
        StepVerifier.withVirtualTime(
            () -> debounced(Flux.just(a, b).concatWith(Flux.never())).take(Duration.ofSeconds(1)));
    if (expected.equals("NOTHING")) {
      verifier.expectSubscription().expectNoEvent(Duration.ofSeconds(1)).verifyComplete();
      return;
    }
    verifier
        .thenAwait(QUIET)
        .assertNext(
            batch -> {
              assertThat(batch).hasSize(1);
              ChangeEvent m = batch.get(0);
              assertThat(m.kind()).isEqualTo(ChangeKind.valueOf(expected));
              assertThat(m.count()).isEqualTo(2);
              assertThat(m.time()).isEqualTo(Instant.ofEpochMilli(2)); // the last time
              assertThat(m.payload()).isEqualTo(bytes("two")); // the last payload
            })
        .thenAwait(Duration.ofSeconds(1))
        .verifyComplete();
  }

  @Test
  void createdThenDeletedThenCreatedAgainIsCreated() {
    StepVerifier.withVirtualTime(
            () -> debounced(Flux.just(created("k"), deleted("k"), created("k"), modified("k"))))
        .assertNext(b -> assertThat(show(b)).containsExactly("CREATED k x2"))
        .verifyComplete();
  }

  @Test
  void overflowIsNeverMergedAway() {
    StepVerifier.withVirtualTime(
            () ->
                debounced(
                    Flux.just(
                        created("a"),
                        ChangeEvent.overflow("/root"),
                        deleted("a"),
                        ChangeEvent.overflow("/root"),
                        ChangeEvent.overflow("/other"))))
        .assertNext(
            b -> assertThat(show(b)).containsExactly("OVERFLOW /root x2", "OVERFLOW /other"))
        .verifyComplete();
  }

  @Test
  void overflowKeyDoesNotMergeWithAChangeOfTheSameKey() {
    StepVerifier.withVirtualTime(
            () -> debounced(Flux.just(modified("x"), ChangeEvent.overflow("x"), deleted("x"))))
        .assertNext(b -> assertThat(show(b)).containsExactly("DELETED x x2", "OVERFLOW x"))
        .verifyComplete();
  }

  @Test
  void completionFlushesTheOpenBatchAtOnce() {
    TestPublisher<ChangeEvent> tp = TestPublisher.create();
    StepVerifier.withVirtualTime(() -> debounced(tp.flux()))
        .expectSubscription()
        .then(() -> tp.next(modified("a"), created("b")))
        .then(tp::complete)
        .assertNext(b -> assertThat(show(b)).containsExactly("MODIFIED a", "CREATED b"))
        .verifyComplete();
  }

  @Test
  void errorMidBatchFlushesTheBatchThenErrors() {
    TestPublisher<ChangeEvent> tp = TestPublisher.create();
    StepVerifier.withVirtualTime(() -> debounced(tp.flux()))
        .expectSubscription()
        .then(() -> tp.next(modified("a")))
        .thenAwait(Duration.ofMillis(50))
        .then(() -> tp.error(new IllegalStateException("boom")))
        .assertNext(b -> assertThat(show(b)).containsExactly("MODIFIED a"))
        .verifyErrorMessage("boom");
  }

  @Test
  void errorWithNothingOpenErrorsAtOnce() {
    StepVerifier.withVirtualTime(() -> debounced(Flux.error(new IllegalStateException("boom"))))
        .verifyErrorMessage("boom");
  }

  @Test
  void cancelMidBatchDropsTheBatchCancelsUpstreamAndAcknowledgesNothing() {
    List<String> log = Events.log();
    TestPublisher<ChangeEvent> tp = TestPublisher.create();
    StepVerifier.withVirtualTime(() -> debounced(tp.flux()))
        .expectSubscription()
        .then(() -> tp.next(acked(MODIFIED, "a", "a", log)))
        .thenAwait(Duration.ofMillis(50))
        .thenCancel()
        .verify();
    tp.assertCancelled();
    assertThat(log).isEmpty();
  }

  @Test
  void batchClosesEarlyAtMaxKeys() {
    TestPublisher<ChangeEvent> tp = TestPublisher.create();
    StepVerifier.withVirtualTime(() -> debounced(tp.flux(), 3))
        .expectSubscription()
        .then(() -> tp.next(modified("a"), modified("b"), modified("a"), modified("c"), modified("d")))
        .assertNext(b -> assertThat(show(b)).containsExactly("MODIFIED a x2", "MODIFIED b", "MODIFIED c"))
        .expectNoEvent(QUIET.minusMillis(1))
        .thenAwait(Duration.ofMillis(1))
        .assertNext(b -> assertThat(show(b)).containsExactly("MODIFIED d"))
        .thenCancel()
        .verify();
  }

  @Test
  void slowConsumerFindsOneBatchWithEverythingThatChangedMeanwhile() {
    TestPublisher<ChangeEvent> tp = TestPublisher.create();
    StepVerifier.withVirtualTime(() -> debounced(tp.flux()), 0)
        .expectSubscription()
        .then(() -> tp.next(created("a"), modified("b")))
        .thenAwait(Duration.ofSeconds(1)) // the batch closed, nobody asked for it
        .then(() -> tp.next(modified("a"), deleted("b"), created("c")))
        .thenAwait(Duration.ofSeconds(1))
        .expectNoEvent(Duration.ofSeconds(1))
        .thenRequest(1)
        .assertNext(b -> assertThat(show(b)).containsExactly("CREATED a x2", "DELETED b x2", "CREATED c"))
        .then(() -> tp.next(modified("z")))
        .expectNoEvent(Duration.ofSeconds(1))
        .thenRequest(1)
        .assertNext(b -> assertThat(show(b)).containsExactly("MODIFIED z"))
        .thenCancel()
        .verify();
  }

  @Test
  void stalledConsumerStateIsBoundedByMaxKeysThenOverflow() {
    List<String> log = Events.log();
    TestPublisher<ChangeEvent> tp = TestPublisher.create();
    StepVerifier.withVirtualTime(() -> debounced(tp.flux(), 4), 0)
        .expectSubscription()
        .then(
            () -> {
              for (int i = 0; i < 10_000; i++) {
                tp.next(i % 100 == 0 ? acked(MODIFIED, "k" + i, "k" + i, log) : modified("k" + i));
              }
            })
        .thenAwait(Duration.ofSeconds(1))
        .then(() -> assertThat(log).isEmpty())
        .thenRequest(1)
        .assertNext(
            b -> {
              // never more than maxKeys entries: an OVERFLOW for what was replaced, then the
              // keys that arrived after the last collapse
              assertThat(b).hasSizeLessThanOrEqualTo(4);
              ChangeEvent o = b.get(0);
              assertThat(o.kind()).isEqualTo(OVERFLOW);
              assertThat(o.key()).isEqualTo("");
              assertThat(o.headers()).containsEntry("reason", "coalesce");
              assertThat(b.stream().mapToInt(ChangeEvent::count).sum()).isEqualTo(10_000);
              // the overflow carries the handles of everything it replaced
              b.forEach(ChangeEvent::ack);
              assertThat(log).hasSize(100);
            })
        .thenCancel()
        .verify();
  }

  @Test
  void mergedEventCarriesEveryAckHandleAndCancelledPairsAreAcknowledgedAtOnce() {
    List<String> log = Events.log();
    StepVerifier.withVirtualTime(
            () ->
                debounced(
                    Flux.just(
                            acked(MODIFIED, "a", "a1", log),
                            acked(CREATED, "b", "b1", log),
                            acked(MODIFIED, "a", "a2", log),
                            acked(DELETED, "b", "b2", log))
                        .concatWith(Flux.never())))
        .expectSubscription()
        .then(() -> assertThat(log).containsExactlyInAnyOrder("ack:b1", "ack:b2"))
        .thenAwait(QUIET)
        .assertNext(
            b -> {
              assertThat(show(b)).containsExactly("MODIFIED a x2");
              b.get(0).ack();
              assertThat(log).contains("ack:a1", "ack:a2");
            })
        .thenCancel()
        .verify();
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> ChangeOps.debounce(Duration.ZERO, MAX_WAIT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("quiet");
    assertThatThrownBy(() -> ChangeOps.debounce(QUIET, Duration.ofMillis(50)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxWait");
  }

  @Test
  void eachSubscriptionHasItsOwnBatch() {
    Flux<List<ChangeEvent>> f = Flux.just(modified("a")).transform(ChangeOps.debounce(QUIET, MAX_WAIT));
    assertThat(f.blockLast()).hasSize(1);
    assertThat(f.blockLast()).hasSize(1);
  }

  @Test
  void realThreadsLoseNothing() throws Exception {
    // events on one thread, timers on parallel(), requests from a third thread, maxKeys small
    // enough that batches also close early: every raw event is accounted for by count
    reactor.core.publisher.Sinks.Many<ChangeEvent> in =
        reactor.core.publisher.Sinks.many().unicast().onBackpressureBuffer();
    List<List<ChangeEvent>> got = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    reactor.core.publisher.BaseSubscriber<List<ChangeEvent>> sub =
        new reactor.core.publisher.BaseSubscriber<>() {
          @Override
          protected void hookOnSubscribe(org.reactivestreams.Subscription s) {
            s.request(1);
          }

          @Override
          protected void hookOnNext(List<ChangeEvent> b) {
            got.add(b);
          }

          @Override
          protected void hookFinally(reactor.core.publisher.SignalType type) {
            done.countDown();
          }
        };
    in.asFlux()
        .transform(ChangeOps.debounce(Duration.ofMillis(1), Duration.ofMillis(3), 50, Schedulers.parallel()))
        .subscribe(sub);
    Thread requester =
        new Thread(
            () -> {
              for (int i = 0; i < 2_000; i++) {
                sub.request(1);
                Thread.onSpinWait();
              }
            });
    requester.start();
    int total = 200_000;
    for (int i = 0; i < total; i++) {
      in.tryEmitNext(modified("k" + (i % 200))).orThrow();
    }
    requester.join();
    sub.request(Long.MAX_VALUE);
    in.tryEmitComplete().orThrow();
    assertThat(done.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    long sum = got.stream().flatMap(List::stream).mapToLong(ChangeEvent::count).sum();
    assertThat(sum).isEqualTo(total);
    assertThat(got).allSatisfy(b -> assertThat(b).isNotEmpty().hasSizeLessThanOrEqualTo(50));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
  @Test
  void aRedeliveredCreatedFollowedByItsDeletionGivesDeletedNeverNothing() {
    ChangeEvent again = created("a").toBuilder().header(ChangeOps.REDELIVERED, "true").build();
    TestPublisher<ChangeEvent> tp = TestPublisher.create();
    StepVerifier.withVirtualTime(() -> debounced(tp.flux()))
        .expectSubscription()
        .then(() -> tp.next(again, modified("a"), deleted("a"), created("b"), deleted("b")))
        .thenAwait(Duration.ofSeconds(1))
        .assertNext(
            b -> {
              assertThat(show(b)).containsExactly("DELETED a x3");
              assertThat(b.get(0).headers()).containsEntry(ChangeOps.REDELIVERED, "true");
            })
        .thenCancel()
        .verify();
  }

  /** dedup, coalesce, debounce on one scheduler, as a user chains them. */
  static Flux<List<ChangeEvent>> dedupedAndDebounced(Flux<ChangeEvent> in, reactor.core.scheduler.Scheduler clock) {
    return in.transform(ChangeOps.dedup(Duration.ofSeconds(1), 1000, clock))
        .transform(ChangeOps.coalesce(1000))
        .transform(ChangeOps.debounce(QUIET, MAX_WAIT, 1000, clock));
  }

  @Test
  void belowDedupTheQuietPeriodStillRestartsAtEveryEvent() {
    TestPublisher<ChangeEvent> tp = TestPublisher.create();
    StepVerifier.withVirtualTime(() -> dedupedAndDebounced(tp.flux(), Schedulers.parallel()))
        .expectSubscription()
        .then(() -> tp.next(modified("a")))
        .thenAwait(Duration.ofMillis(60))
        .then(() -> tp.next(modified("b")))
        .expectNoEvent(Duration.ofMillis(99)) // 60 + 99: inside the quiet period restarted at 60
        .thenAwait(Duration.ofMillis(1))
        .assertNext(b -> assertThat(show(b)).containsExactly("MODIFIED a", "MODIFIED b"))
        .thenCancel()
        .verify();
  }

  @Test
  void anEventHeldBackBetweenDedupAndDebounceIsTimedWhenDebounceGetsIt() {
    // delayElements hands the very event dedup stamped to debounce 50 ms later, on the same
    // (test) thread: debounce must read the clock then, not take dedup's reading of 50 ms before
    TestPublisher<ChangeEvent> tp = TestPublisher.create();
    StepVerifier.withVirtualTime(
            () ->
                tp.flux()
                    .transform(ChangeOps.dedup(Duration.ofSeconds(1), 1000, Schedulers.parallel()))
                    .delayElements(Duration.ofMillis(50))
                    .transform(ChangeOps.debounce(QUIET, MAX_WAIT, 1000, Schedulers.parallel())))
        .expectSubscription()
        .then(() -> tp.next(modified("a")))
        .expectNoEvent(Duration.ofMillis(149)) // reaches debounce at 50: quiet until 150
        .thenAwait(Duration.ofMillis(1))
        .assertNext(b -> assertThat(show(b)).containsExactly("MODIFIED a"))
        .thenCancel()
        .verify();
  }

  @Test
  void dedupThenDebounceReadAUsersSchedulerExactlyForEveryEvent() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
    reactor.core.scheduler.Scheduler counting =
        new reactor.core.scheduler.Scheduler() {
          @Override
          public reactor.core.Disposable schedule(Runnable task) {
            return vts.schedule(task);
          }

          @Override
          public reactor.core.Disposable schedule(Runnable task, long delay, java.util.concurrent.TimeUnit unit) {
            return vts.schedule(task, delay, unit);
          }

          @Override
          public long now(java.util.concurrent.TimeUnit unit) {
            reads.incrementAndGet();
            return vts.now(unit);
          }

          @Override
          public Worker createWorker() {
            return vts.createWorker();
          }
        };
    int n = 1000;
    Flux<ChangeEvent> in = Flux.range(0, n).map(i -> modified("k" + (i % 100)).toBuilder().sha("s" + i).build());
    StepVerifier.create(dedupedAndDebounced(in, counting))
        .assertNext(b -> assertThat(b).hasSize(100))
        .verifyComplete();
    // a scheduler not Reactor's own is read exactly, by each operator, for every event (coarse
    // readings are only for Reactor's schedulers: CoarseClock)
    assertThat(reads.get()).isEqualTo(2 * n);
  }
}
