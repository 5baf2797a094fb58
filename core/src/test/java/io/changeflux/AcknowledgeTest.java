package io.changeflux;

import static io.changeflux.ChangeKind.MODIFIED;
import static io.changeflux.Events.acked;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

class AcknowledgeTest {

  @Test
  void eachEventIsAcknowledgedRightAfterDownstreamTookIt() {
    List<String> log = Events.log();
    Flux.just(acked(MODIFIED, "a", "a", log), acked(MODIFIED, "b", "b", log))
        .transform(ChangeOps.acknowledge())
        .doOnNext(e -> log.add("next:" + e.key()))
        .blockLast();
    assertThat(log).containsExactly("next:a", "ack:a", "next:b", "ack:b");
  }

  @Test
  void anEventTheConsumerFailedOnIsNotAcknowledged() {
    List<String> log = Events.log();
    Flux<ChangeEvent> f =
        Flux.just(acked(MODIFIED, "a", "a", log))
            .transform(ChangeOps.acknowledge())
            .doOnNext(
                e -> {
                  throw new IllegalStateException("consumer failed");
                });
    org.assertj.core.api.Assertions.assertThatThrownBy(f::blockLast).hasMessageContaining("consumer failed");
    assertThat(log).isEmpty();
  }

  @Test
  void aFailingHandleIsLoggedNotAnError() {
    ChangeEvent bad =
        ChangeEvent.builder(MODIFIED, "a")
            .onAck(
                () -> {
                  throw new IllegalStateException("broker gone");
                })
            .build();
    assertThat(Flux.just(bad, bad).transform(ChangeOps.acknowledge()).count().block()).isEqualTo(2);
  }

  @Test
  void batchesAreAcknowledgedEventByEventAfterTheBatchWasDelivered() {
    List<String> log = Events.log();
    Flux.just(List.of(acked(MODIFIED, "a", "a", log), acked(MODIFIED, "b", "b", log)))
        .transform(ChangeOps.acknowledgeBatches())
        .doOnNext(b -> log.add("batch"))
        .blockLast();
    assertThat(log).containsExactly("batch", "ack:a", "ack:b");
  }

  @Test
  void mergedEventAcknowledgesEveryPart() {
    List<String> log = Events.log();
    Flux.just(acked(MODIFIED, "a", "1", log), acked(MODIFIED, "a", "2", log), acked(MODIFIED, "a", "3", log))
        .transform(ChangeOps.debounce(Duration.ofMillis(10), Duration.ofMillis(10)))
        .transform(ChangeOps.acknowledgeBatches())
        .doOnNext(b -> log.add("batch of " + b.size()))
        .blockLast();
    assertThat(log).hasSize(4).startsWith("batch of 1").contains("ack:1", "ack:2", "ack:3");
  }
}
