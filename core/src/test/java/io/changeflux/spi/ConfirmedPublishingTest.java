package io.changeflux.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/** Per-key order, bounded in-flight, acknowledgement only after confirmation, and failures. */
class ConfirmedPublishingTest {

  /** A broker whose confirmations the test gives by hand. */
  static final class Broker {
    final List<String> started = new CopyOnWriteArrayList<>();
    final Map<String, Sinks.One<String>> pending = new ConcurrentHashMap<>();

    Mono<String> send(ChangeEvent e) {
      String name = e.headers().get("n");
      return Mono.defer(
          () -> {
            started.add(name);
            Sinks.One<String> s = Sinks.one();
            pending.put(name, s);
            return s.asMono();
          });
    }

    void confirm(String name) {
      pending.remove(name).tryEmitValue("ok");
    }

    void fail(String name) {
      pending.remove(name).tryEmitError(new IllegalStateException("rejected " + name));
    }
  }

  static ChangeEvent event(String key, String name, AtomicInteger acks, List<String> acked) {
    return ChangeEvent.builder(ChangeKind.MODIFIED, key)
        .header("n", name)
        .onAck(
            () -> {
              acks.incrementAndGet();
              acked.add(name);
            })
        .build();
  }

  @Test
  void aLaterEventOfAKeyWaitsForTheEarlierOnesConfirmationAndOtherKeysDoNot() {
    Broker broker = new Broker();
    AtomicInteger acks = new AtomicInteger();
    List<String> acked = new CopyOnWriteArrayList<>();
    Flux<ChangeEvent> events =
        Flux.just(event("a", "a1", acks, acked), event("b", "b1", acks, acked), event("a", "a2", acks, acked), event("a", "a3", acks, acked));
    StepVerifier.create(ConfirmedPublishing.publish(events, 16, broker::send))
        .then(() -> assertThat(broker.started).containsExactly("a1", "b1"))
        .then(() -> broker.confirm("b1"))
        .then(() -> assertThat(acked).containsExactly("b1"))
        .then(() -> assertThat(broker.started).containsExactly("a1", "b1"))
        .then(() -> broker.confirm("a1"))
        .then(() -> assertThat(broker.started).containsExactly("a1", "b1", "a2"))
        .then(() -> assertThat(acked).containsExactly("b1", "a1"))
        .then(() -> broker.confirm("a2"))
        .then(() -> broker.confirm("a3"))
        .expectComplete()
        .verify(Duration.ofSeconds(10));
    assertThat(acked).containsExactly("b1", "a1", "a2", "a3");
  }

  @Test
  void atMostMaxInFlightAwaitConfirmation() {
    Broker broker = new Broker();
    AtomicInteger acks = new AtomicInteger();
    List<String> acked = new CopyOnWriteArrayList<>();
    Flux<ChangeEvent> events = Flux.range(0, 10).map(i -> event("k" + i, "e" + i, acks, acked));
    StepVerifier.create(ConfirmedPublishing.publish(events, 3, broker::send))
        .then(() -> assertThat(broker.started).containsExactly("e0", "e1", "e2"))
        .then(() -> broker.confirm("e1"))
        .then(() -> assertThat(broker.started).containsExactly("e0", "e1", "e2", "e3"))
        .then(() -> assertThat(acks).hasValue(1))
        .then(() -> List.of("e0", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9").forEach(broker::confirm))
        .expectComplete()
        .verify(Duration.ofSeconds(10));
    assertThat(acks).hasValue(10);
  }

  @Test
  void aFailedPublishLetsThoseInFlightFinishSendsNothingMoreThenFails() {
    Broker broker = new Broker();
    AtomicInteger acks = new AtomicInteger();
    List<String> acked = new CopyOnWriteArrayList<>();
    Sinks.Many<ChangeEvent> feed = Sinks.many().unicast().onBackpressureBuffer();
    StepVerifier.create(ConfirmedPublishing.publish(feed.asFlux(), 16, broker::send))
        .then(() -> List.of(event("a", "a1", acks, acked), event("b", "b1", acks, acked), event("c", "c1", acks, acked), event("b", "b2", acks, acked)).forEach(feed::tryEmitNext))
        .then(() -> broker.confirm("a1"))
        .then(() -> broker.fail("b1"))
        .then(() -> feed.tryEmitNext(event("d", "d1", acks, acked))) // after the failure: not taken
        .then(() -> assertThat(broker.started).containsExactly("a1", "b1", "c1"))
        .then(() -> broker.confirm("c1")) // in flight when b1 failed: finishes, acknowledged
        .expectErrorMessage("rejected b1")
        .verify(Duration.ofSeconds(10));
    assertThat(acked).containsExactly("a1", "c1");
    assertThat(broker.started).as("b2 waited for b1, which failed: never sent").doesNotContain("b2", "d1");
  }
}
