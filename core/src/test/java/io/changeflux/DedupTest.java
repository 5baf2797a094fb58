package io.changeflux;

import static io.changeflux.ChangeKind.CREATED;
import static io.changeflux.ChangeKind.MODIFIED;
import static io.changeflux.Events.acked;
import static io.changeflux.Events.modified;
import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.internal.Deduper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;
import reactor.test.scheduler.VirtualTimeScheduler;

class DedupTest {

  static final Duration WINDOW = Duration.ofSeconds(1);

  @BeforeAll
  static void timeout() {
    StepVerifier.setDefaultTimeout(Duration.ofSeconds(10));
  }

  @AfterEach
  void reset() {
    VirtualTimeScheduler.reset();
  }

  static ChangeEvent msg(String key, String payload) {
    return ChangeEvent.builder(MODIFIED, key).payload(payload.getBytes(StandardCharsets.UTF_8)).build();
  }

  static ChangeEvent withId(String key, String id, String payload) {
    return ChangeEvent.builder(MODIFIED, key)
        .header("id", id)
        .payload(payload.getBytes(StandardCharsets.UTF_8))
        .build();
  }

  @Test
  void equalEventWithinTheWindowIsDroppedAndPassesAfterIt() {
    TestPublisher<ChangeEvent> tp = TestPublisher.create();
    StepVerifier.withVirtualTime(() -> tp.flux().transform(ChangeOps.dedup(WINDOW, Schedulers.parallel())))
        .expectSubscription()
        .then(() -> tp.next(msg("k", "v")))
        .expectNextCount(1)
        .thenAwait(Duration.ofMillis(999))
        .then(() -> tp.next(msg("k", "v")))
        .expectNoEvent(Duration.ofMillis(1))
        // the window counts from the emitted event, not from the dropped one
        .then(() -> tp.next(msg("k", "v")))
        .expectNextCount(1)
        .then(tp::complete)
        .verifyComplete();
  }

  @Test
  void anyDifferenceInKindShaPayloadOrKeyPasses() {
    String big = "x".repeat(1000);
    StepVerifier.withVirtualTime(
            () ->
                Flux.just(
                        msg("k", "v"),
                        msg("k", "v"), // dropped
                        msg("k", "w"),
                        msg("other", "w"),
                        ChangeEvent.builder(CREATED, "k").payload("w".getBytes(StandardCharsets.UTF_8)).build(),
                        ChangeEvent.builder(CREATED, "k").payload("w".getBytes(StandardCharsets.UTF_8)).sha("s1").build(),
                        ChangeEvent.builder(CREATED, "k").payload("w".getBytes(StandardCharsets.UTF_8)).sha("s1").build(), // dropped
                        msg("k", big),
                        msg("k", big), // dropped (large payloads compare by hash)
                        msg("k", big + "y"))
                    .transform(ChangeOps.dedup(WINDOW, Schedulers.parallel())))
        .expectNextCount(7)
        .verifyComplete();
  }

  @Test
  void onlyTheLastEmittedEventPerKeyCounts() {
    StepVerifier.withVirtualTime(
            () ->
                Flux.just(msg("k", "A"), msg("k", "B"), msg("k", "A"))
                    .transform(ChangeOps.dedup(WINDOW, Schedulers.parallel())))
        .expectNextCount(3)
        .verifyComplete();
  }

  @Test
  void repeatedMessageIdIsDroppedWithinTheWindowEvenWithAnotherPayload() {
    TestPublisher<ChangeEvent> tp = TestPublisher.create();
    StepVerifier.withVirtualTime(() -> tp.flux().transform(ChangeOps.dedup(WINDOW, Schedulers.parallel())))
        .expectSubscription()
        .then(() -> tp.next(withId("s", "1-0", "a"), withId("s", "2-0", "b"), withId("s", "1-0", "c")))
        .expectNextCount(2)
        .then(() -> tp.next(withId("other", "1-0", "a"))) // ids are per key
        .expectNextCount(1)
        .thenAwait(WINDOW)
        .then(() -> tp.next(withId("s", "1-0", "z")))
        .expectNextCount(1)
        .then(tp::complete)
        .verifyComplete();
  }

  @Test
  void natsMessageIdCountsWhenThereIsNoIdHeader() {
    ChangeEvent a = ChangeEvent.builder(MODIFIED, "subj").header("Nats-Msg-Id", "m1").payload(new byte[] {1}).build();
    ChangeEvent b = ChangeEvent.builder(MODIFIED, "subj").header("Nats-Msg-Id", "m1").payload(new byte[] {2}).build();
    StepVerifier.withVirtualTime(
            () -> Flux.just(a, b).transform(ChangeOps.dedup(WINDOW, Schedulers.parallel())))
        .expectNext(a)
        .verifyComplete();
  }

  @Test
  void overflowAlwaysPasses() {
    StepVerifier.withVirtualTime(
            () ->
                Flux.just(ChangeEvent.overflow("r"), ChangeEvent.overflow("r"))
                    .transform(ChangeOps.dedup(WINDOW, Schedulers.parallel())))
        .expectNextCount(2)
        .verifyComplete();
  }

  @Test
  void droppedEventsAreAcknowledged() {
    List<String> log = Events.log();
    StepVerifier.withVirtualTime(
            () ->
                Flux.just(acked(MODIFIED, "k", "first", log), acked(MODIFIED, "k", "second", log))
                    .transform(ChangeOps.dedup(WINDOW, Schedulers.parallel())))
        .expectNextCount(1)
        .verifyComplete();
    assertThat(log).containsExactly("ack:second");
  }

  @Test
  void eachSubscriptionHasItsOwnState() {
    Flux<ChangeEvent> f = Flux.just(modified("k")).transform(ChangeOps.dedup(WINDOW));
    assertThat(f.collectList().block()).hasSize(1);
    assertThat(f.collectList().block()).hasSize(1);
  }

  @Test
  void stateIsBoundedByMaxKeysAndExpiresWithTheWindow() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    Deduper d = new Deduper(WINDOW.toNanos(), 100, vts);
    for (int i = 0; i < 10_000; i++) {
      assertThat(d.keep(ChangeEvent.builder(MODIFIED, "k" + i).header("id", "" + i).build())).isTrue();
    }
    assertThat(d.size()).isLessThanOrEqualTo(200);
    vts.advanceTimeBy(WINDOW);
    // expired entries leave as new ones arrive
    for (int i = 0; i < 300; i++) {
      d.keep(modified("fresh" + i));
    }
    assertThat(d.size()).isLessThanOrEqualTo(100 + 100);
    // evicted keys simply pass again
    assertThat(d.keep(ChangeEvent.builder(MODIFIED, "k0").header("id", "0").build())).isTrue();
  }

  @Test
  void pastMaxKeysTheKeysFirstSeenLongestAgoAreForgottenFirst() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    Deduper d = new Deduper(WINDOW.toNanos(), 100, vts);
    for (int i = 0; i < 100; i++) {
      assertThat(d.keep(modified("k" + i))).isTrue();
    }
    assertThat(d.keep(modified("k0"))).as("remembered within the bound").isFalse();
    assertThat(d.keep(modified("new"))).isTrue(); // past the bound: a quarter is dropped, oldest first
    assertThat(d.size()).isLessThanOrEqualTo(100);
    for (int i = 75; i < 100; i++) {
      assertThat(d.keep(modified("k" + i))).as("k" + i + " is among the newest: still remembered").isFalse();
    }
    assertThat(d.keep(modified("new"))).isFalse();
    assertThat(d.keep(modified("k0"))).as("k0 was first seen longest ago: forgotten, passes").isTrue();
  }
}
