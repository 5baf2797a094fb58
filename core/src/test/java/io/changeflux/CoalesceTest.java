package io.changeflux;

import static io.changeflux.ChangeKind.MODIFIED;
import static io.changeflux.ChangeKind.OVERFLOW;
import static io.changeflux.Events.acked;
import static io.changeflux.Events.created;
import static io.changeflux.Events.deleted;
import static io.changeflux.Events.modified;
import static io.changeflux.Events.show;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

class CoalesceTest {

  @BeforeAll
  static void timeout() {
    StepVerifier.setDefaultTimeout(Duration.ofSeconds(10));
  }

  @Test
  void passesEventsThroughUnchangedWhenDownstreamKeepsUp() {
    List<ChangeEvent> in = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      in.add(modified("k" + (i % 7)));
    }
    StepVerifier.create(Flux.fromIterable(in).transform(ChangeOps.coalesce(4)))
        .expectNextSequence(in)
        .verifyComplete();
  }

  @Test
  void stalledSubscriberSeesPendingEventsMergedPerKeyInArrivalOrder() {
    TestPublisher<ChangeEvent> tp = TestPublisher.create();
    StepVerifier.create(tp.flux().transform(ChangeOps.coalesce(10)), 0)
        .expectSubscription()
        .then(
            () ->
                tp.next(
                    modified("b"), created("a"), modified("a"), modified("b"), created("c"),
                    deleted("c")))
        .then(() -> tp.assertWasRequested())
        .expectNoEvent(Duration.ofMillis(20))
        .thenRequest(10)
        .assertNext(e -> assertThat(show(e)).isEqualTo("MODIFIED b x2"))
        .assertNext(e -> assertThat(show(e)).isEqualTo("CREATED a x2"))
        .then(tp::complete)
        .verifyComplete();
  }

  @Test
  void boundedStateUnderAStalledSubscriberBecomesOneOverflow() {
    // a non-compliant publisher pushes regardless of demand, as a push source does
    TestPublisher<ChangeEvent> tp =
        TestPublisher.createNoncompliant(TestPublisher.Violation.REQUEST_OVERFLOW);
    List<String> log = Events.log();
    StepVerifier.create(tp.flux().transform(ChangeOps.coalesce(16)), 0)
        .expectSubscription()
        .then(
            () -> {
              for (int i = 0; i < 100_000; i++) {
                tp.next(i % 1000 == 0 ? acked(MODIFIED, "k" + i, "k" + i, log) : modified("k" + i));
              }
            })
        .thenRequest(1)
        .assertNext(
            o -> {
              assertThat(o.kind()).isEqualTo(OVERFLOW);
              assertThat(o.key()).isEqualTo("");
              assertThat(o.headers()).containsEntry("reason", "coalesce");
              assertThat(o.count()).isGreaterThan(100_000 - 16);
              assertThat(log).isEmpty(); // not acknowledged before it was delivered
            })
        .thenRequest(Long.MAX_VALUE)
        .then(tp::complete)
        .recordWith(ArrayList::new)
        .thenConsumeWhile(e -> true)
        .consumeRecordedWith(
            rest -> {
              // whatever came after the last collapse: fewer than the bound
              assertThat(rest).hasSizeLessThanOrEqualTo(16);
            })
        .verifyComplete();
  }

  @Test
  void overflowCarriesTheAckHandlesOfEverythingItReplaced() {
    TestPublisher<ChangeEvent> tp = TestPublisher.create();
    List<String> log = Events.log();
    StepVerifier.create(tp.flux().transform(ChangeOps.coalesce(2)), 0)
        .expectSubscription()
        .then(
            () ->
                tp.next(
                    acked(MODIFIED, "a", "a", log),
                    acked(MODIFIED, "b", "b", log),
                    acked(MODIFIED, "c", "c", log)))
        .thenRequest(1)
        .assertNext(
            o -> {
              assertThat(o.kind()).isEqualTo(OVERFLOW);
              assertThat(o.count()).isEqualTo(3);
              o.ack();
              assertThat(log).containsExactlyInAnyOrder("ack:a", "ack:b", "ack:c");
            })
        .thenCancel()
        .verify();
  }

  @Test
  void sourceOverflowIsKeptNextToChanges() {
    TestPublisher<ChangeEvent> tp = TestPublisher.create();
    StepVerifier.create(tp.flux().transform(ChangeOps.coalesce(10)), 0)
        .expectSubscription()
        .then(() -> tp.next(modified("a"), ChangeEvent.overflow("/root"), deleted("a"), ChangeEvent.overflow("/root")))
        .thenRequest(10)
        .assertNext(e -> assertThat(show(e)).isEqualTo("DELETED a x2"))
        .assertNext(e -> assertThat(show(e)).isEqualTo("OVERFLOW /root x2"))
        .thenCancel()
        .verify();
  }

  @Test
  void completionAndErrorsDeliverPendingEventsFirst() {
    TestPublisher<ChangeEvent> tp = TestPublisher.create();
    StepVerifier.create(tp.flux().transform(ChangeOps.coalesce(10)), 0)
        .expectSubscription()
        .then(() -> tp.next(modified("a"), modified("a")))
        .then(() -> tp.error(new IllegalStateException("boom")))
        .expectNoEvent(Duration.ofMillis(20))
        .thenRequest(1)
        .assertNext(e -> assertThat(show(e)).isEqualTo("MODIFIED a x2"))
        .verifyErrorMessage("boom");
    StepVerifier.create(Flux.just(modified("a"), modified("a")).transform(ChangeOps.coalesce(10)), 0)
        .expectSubscription()
        .expectNoEvent(Duration.ofMillis(20))
        .thenRequest(1)
        .assertNext(e -> assertThat(show(e)).isEqualTo("MODIFIED a x2"))
        .verifyComplete();
  }

  @Test
  void cancelCancelsUpstream() {
    TestPublisher<ChangeEvent> tp = TestPublisher.create();
    StepVerifier.create(tp.flux().transform(ChangeOps.coalesce(10)), 0)
        .expectSubscription()
        .then(() -> tp.next(modified("a")))
        .thenCancel()
        .verify();
    tp.assertCancelled();
  }

  @Test
  void concurrentRequestsAndEventsLoseNothing() throws Exception {
    // a pushing thread and a requesting thread: every raw event is accounted for by count
    TestPublisher<ChangeEvent> tp =
        TestPublisher.createNoncompliant(TestPublisher.Violation.REQUEST_OVERFLOW);
    List<ChangeEvent> got = new java.util.concurrent.CopyOnWriteArrayList<>();
    reactor.core.publisher.BaseSubscriber<ChangeEvent> sub =
        new reactor.core.publisher.BaseSubscriber<>() {
          @Override
          protected void hookOnSubscribe(org.reactivestreams.Subscription s) {}

          @Override
          protected void hookOnNext(ChangeEvent e) {
            got.add(e);
          }
        };
    tp.flux().transform(ChangeOps.coalesce(1_000_000)).subscribe(sub);
    Thread requester =
        new Thread(
            () -> {
              for (int i = 0; i < 20_000; i++) {
                sub.request(1);
              }
            });
    requester.start();
    for (int i = 0; i < 50_000; i++) {
      tp.next(modified("k" + (i % 97)));
    }
    requester.join();
    sub.request(Long.MAX_VALUE);
    tp.complete();
    assertThat(got.stream().mapToInt(ChangeEvent::count).sum()).isEqualTo(50_000);
    assertThat(got).allSatisfy(e -> assertThat(e.kind()).isEqualTo(MODIFIED));
  }

  @Test
  void boundedDemandPassesThatManyStraightThroughThenMergesTheRest() {
    TestPublisher<ChangeEvent> tp =
        TestPublisher.createNoncompliant(TestPublisher.Violation.REQUEST_OVERFLOW);
    StepVerifier.create(tp.flux().transform(ChangeOps.coalesce(10)), 2)
        .then(() -> tp.next(modified("a"), modified("b"), modified("c"), modified("c"), modified("a")))
        .assertNext(e -> assertThat(show(e)).isEqualTo("MODIFIED a"))
        .assertNext(e -> assertThat(show(e)).isEqualTo("MODIFIED b"))
        .expectNoEvent(Duration.ofMillis(20))
        .thenRequest(1)
        .assertNext(e -> assertThat(show(e)).isEqualTo("MODIFIED c x2"))
        .then(() -> tp.next(modified("d")))
        .expectNoEvent(Duration.ofMillis(20))
        .thenRequest(3)
        .assertNext(e -> assertThat(show(e)).isEqualTo("MODIFIED a"))
        .assertNext(e -> assertThat(show(e)).isEqualTo("MODIFIED d"))
        .then(() -> tp.next(modified("e")))
        .assertNext(e -> assertThat(show(e)).isEqualTo("MODIFIED e"))
        .then(() -> tp.next(modified("f")))
        .expectNoEvent(Duration.ofMillis(20))
        .then(tp::complete)
        .thenRequest(1)
        .assertNext(e -> assertThat(show(e)).isEqualTo("MODIFIED f"))
        .verifyComplete();
  }

  @Test
  void concurrentRequestsNeverGetMoreEventsThanRequested() throws Exception {
    TestPublisher<ChangeEvent> tp =
        TestPublisher.createNoncompliant(TestPublisher.Violation.REQUEST_OVERFLOW);
    java.util.concurrent.atomic.AtomicLong requested = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong delivered = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong excess = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong raw = new java.util.concurrent.atomic.AtomicLong();
    reactor.core.publisher.BaseSubscriber<ChangeEvent> sub =
        new reactor.core.publisher.BaseSubscriber<>() {
          @Override
          protected void hookOnSubscribe(org.reactivestreams.Subscription s) {}

          @Override
          protected void hookOnNext(ChangeEvent e) {
            raw.addAndGet(e.count());
            if (delivered.incrementAndGet() > requested.get()) {
              excess.incrementAndGet();
            }
          }
        };
    tp.flux().transform(ChangeOps.coalesce(1_000_000)).subscribe(sub);
    Thread requester =
        new Thread(
            () -> {
              for (int i = 0; i < 20_000; i++) {
                requested.incrementAndGet(); // before the request: a delivery never precedes it
                sub.request(1);
              }
            });
    requester.start();
    for (int i = 0; i < 50_000; i++) {
      tp.next(modified("k" + (i % 97)));
    }
    requester.join();
    assertThat(excess.get()).isZero();
    assertThat(delivered.get()).isLessThanOrEqualTo(20_000);
    requested.set(Long.MAX_VALUE);
    sub.request(Long.MAX_VALUE);
    tp.complete();
    assertThat(raw.get()).isEqualTo(50_000);
  }
}
