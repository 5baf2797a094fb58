package io.changeflux;

import static io.changeflux.ChangeKind.CREATED;
import static io.changeflux.ChangeKind.MODIFIED;
import static io.changeflux.Events.acked;
import static io.changeflux.Events.modified;
import static io.changeflux.Events.show;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.changeflux.mem.InMemory;
import io.changeflux.mem.InMemoryChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;
import reactor.test.scheduler.VirtualTimeScheduler;

class ChangePipelineTest {

  @BeforeAll
  static void timeout() {
    StepVerifier.setDefaultTimeout(Duration.ofSeconds(10));
  }

  @AfterEach
  void reset() {
    VirtualTimeScheduler.reset();
  }

  static ChangePipeline pipeline(String uri) {
    return ChangePipeline.of(SourceOptions.parse(uri));
  }

  @Test
  void contradictoryOrBadOptionsNameTheKey() {
    assertThatThrownBy(() -> pipeline("mem:x?maxWait=5s"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("maxWait")
        .hasMessageContaining("debounce")
        .satisfies(e -> assertThat(((ChangeSourceException) e).option()).contains("maxWait"));
    assertThatThrownBy(() -> pipeline("mem:x?debounce=1s&maxWait=100ms"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("maxWait")
        .hasMessageContaining("100ms");
    assertThatThrownBy(() -> pipeline("mem:x?debounce=0"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("debounce");
    assertThatThrownBy(() -> pipeline("mem:x?dedup=0"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("dedup");
    assertThatThrownBy(() -> pipeline("mem:x?include=src/{a,b"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("include")
        .hasMessageContaining("src/{a,b");
    assertThatThrownBy(() -> pipeline("mem:x?debounce=PT999999999H"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("debounce")
        .hasMessageContaining("too long");
    assertThatThrownBy(() -> ChangeSources.open("mem:x?confirm=md5"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("confirm")
        .hasMessageContaining("sha256");
  }

  @Test
  void defaultMaxWaitIsTenfoldDebounceAtMostFiveSecondsAtLeastDebounce() {
    assertThat(ChangePipeline.defaultMaxWait(Duration.ofMillis(200))).isEqualTo(Duration.ofSeconds(2));
    assertThat(ChangePipeline.defaultMaxWait(Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(5));
    assertThat(ChangePipeline.defaultMaxWait(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(30));
    assertThat(pipeline("mem:x?debounce=100ms").maxWait()).isEqualTo(Duration.ofSeconds(1));
    assertThat(pipeline("mem:x?debounce=100ms&maxWait=3s").maxWait()).isEqualTo(Duration.ofSeconds(3));
    assertThat(pipeline("mem:x").maxWait()).isNull();
  }

  @Test
  void debouncedPipelineFiltersThenBatchesThenDedups() {
    TestPublisher<ChangeEvent> tp = TestPublisher.create();
    StepVerifier.withVirtualTime(
            () ->
                pipeline("mem:x?debounce=100ms&include=**/*.java&exclude=target/**&dedup=10s")
                    .on(Schedulers.parallel())
                    .batches(tp.flux()))
        .expectSubscription()
        .then(() -> tp.next(modified("src/A.java"), modified("target/B.java"), modified("README.md"), modified("src/A.java")))
        .expectNoEvent(Duration.ofMillis(99))
        .thenAwait(Duration.ofMillis(1))
        .assertNext(b -> assertThat(show(b)).containsExactly("MODIFIED src/A.java x2"))
        // the same merged event again within the dedup window: the batch would be empty, so none
        .then(() -> tp.next(modified("src/A.java"), modified("src/A.java")))
        .expectNoEvent(Duration.ofSeconds(1))
        .then(() -> tp.next(ChangeEvent.of(CREATED, "src/C.java")))
        .thenAwait(Duration.ofMillis(100))
        .assertNext(b -> assertThat(show(b)).containsExactly("CREATED src/C.java"))
        .then(tp::complete)
        .verifyComplete();
  }

  @Test
  void eventsOfADebouncedSourceAreTheBatchesFlattened() {
    StepVerifier.withVirtualTime(
            () ->
                pipeline("mem:x?debounce=100ms&maxWait=1s")
                    .on(Schedulers.parallel())
                    .events(reactor.core.publisher.Flux.just(modified("a"), modified("b"), modified("a"))))
        .assertNext(e -> assertThat(show(e)).isEqualTo("MODIFIED a x2"))
        .assertNext(e -> assertThat(show(e)).isEqualTo("MODIFIED b"))
        .verifyComplete();
  }

  @Test
  void slowEventsConsumerOfADebouncedSourceFindsChangesMergedNotQueued() {
    TestPublisher<ChangeEvent> tp = TestPublisher.create();
    StepVerifier.withVirtualTime(
            () -> pipeline("mem:x?debounce=100ms").on(Schedulers.parallel()).events(tp.flux()), 1)
        .expectSubscription()
        .then(() -> tp.next(modified("a")))
        .thenAwait(Duration.ofMillis(100))
        .assertNext(e -> assertThat(show(e)).isEqualTo("MODIFIED a"))
        // the consumer is busy: three separate quiet periods pass
        .then(() -> tp.next(modified("b")))
        .thenAwait(Duration.ofMillis(200))
        .then(() -> tp.next(modified("c")))
        .thenAwait(Duration.ofMillis(200))
        .then(() -> tp.next(modified("d")))
        .thenAwait(Duration.ofMillis(200))
        .then(() -> tp.next(modified("c")))
        .thenAwait(Duration.ofMillis(200))
        .thenRequest(10)
        // one batch is prefetched; everything after it merged into the next one
        .assertNext(e -> assertThat(show(e)).isEqualTo("MODIFIED b"))
        .assertNext(e -> assertThat(show(e)).isEqualTo("MODIFIED c x2"))
        .assertNext(e -> assertThat(show(e)).isEqualTo("MODIFIED d"))
        .thenCancel()
        .verify();
  }

  @Test
  void openedSourceRunsOnVirtualTimeWhenBuiltInsideWithVirtualTime() {
    InMemoryChannel ch = InMemory.channel("pipeline-vt");
    StepVerifier.withVirtualTime(() -> ChangeSources.open("mem:pipeline-vt?debounce=1m").batches())
        .expectSubscription()
        .then(() -> ch.emit(MODIFIED, "a"))
        .then(() -> ch.emit(MODIFIED, "a"))
        .expectNoEvent(Duration.ofSeconds(59))
        .thenAwait(Duration.ofSeconds(1))
        .assertNext(b -> assertThat(show(b)).containsExactly("MODIFIED a x2"))
        .thenCancel()
        .verify();
    assertThat(ch.subscriberCount()).isZero();
  }

  @Test
  void withoutDebounceBatchesAreBatchesOfOne() {
    StepVerifier.create(pipeline("mem:x").batches(reactor.core.publisher.Flux.just(modified("a"), modified("a"))))
        .assertNext(b -> assertThat(show(b)).containsExactly("MODIFIED a"))
        .assertNext(b -> assertThat(show(b)).containsExactly("MODIFIED a"))
        .verifyComplete();
  }

  @Test
  void pipelineAcknowledgesAfterDeliveryUnlessAckIsManual() {
    List<String> log = Events.log();
    pipeline("mem:x?exclude=skip")
        .events(
            reactor.core.publisher.Flux.just(
                acked(MODIFIED, "a", "a", log), acked(MODIFIED, "skip", "skip", log)))
        .doOnNext(e -> log.add("next:" + e.key()))
        .blockLast();
    assertThat(log).containsExactly("next:a", "ack:a", "ack:skip");

    List<String> manual = Events.log();
    ChangePipeline p = pipeline("mem:x?ack=manual&exclude=skip");
    assertThat(p.manualAck()).isTrue();
    List<ChangeEvent> got =
        p.events(
                reactor.core.publisher.Flux.just(
                    acked(MODIFIED, "a", "a", manual), acked(MODIFIED, "skip", "skip", manual)))
            .collectList()
            .block();
    // the consumer acknowledges what it got; what the pipeline dropped it acknowledged itself
    assertThat(manual).containsExactly("ack:skip");
    got.forEach(ChangeEvent::ack);
    assertThat(manual).containsExactly("ack:skip", "ack:a");
  }

  @Test
  void batchesAreAcknowledgedAfterTheBatchWasDelivered() {
    List<String> log = Events.log();
    StepVerifier.withVirtualTime(
            () ->
                pipeline("mem:x?debounce=100ms")
                    .on(Schedulers.parallel())
                    .batches(
                        reactor.core.publisher.Flux.just(
                            acked(MODIFIED, "a", "a1", log), acked(MODIFIED, "a", "a2", log)))
                    .doOnNext(b -> log.add("batch")))
        .expectNextCount(1)
        .verifyComplete();
    assertThat(log).hasSize(3).startsWith("batch").contains("ack:a1", "ack:a2");
  }

  @Test
  void memSourceWithDebounceAndConfirmEndToEnd(@TempDir Path dir) throws Exception {
    String name = "pipeline-e2e";
    InMemoryChannel ch = InMemory.channel(name);
    Path f = dir.resolve("data.txt");
    Files.writeString(f, "v1");
    List<List<ChangeEvent>> batches = new CopyOnWriteArrayList<>();
    CountDownLatch ready = new CountDownLatch(1);
    Disposable d =
        ChangeSources.open("mem:" + name + "?debounce=200ms&confirm=sha256&include=*.txt")
            .batches()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(batches::add);
    try {
      assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
      for (int i = 0; i < 50; i++) { // a file written 50 times: one batch, hashed once
        ch.emit(ChangeEvent.builder(MODIFIED, "data.txt").path(f).build());
      }
      ch.emit(ChangeEvent.builder(MODIFIED, "ignored.bin").path(dir.resolve("ignored.bin")).build());
      await().atMost(Duration.ofSeconds(10)).until(() -> batches.size() == 1);
      ChangeEvent e = batches.get(0).get(0);
      assertThat(batches.get(0)).hasSize(1);
      assertThat(e.count()).isEqualTo(50);
      assertThat(e.sha()).contains(ConfirmTest.sha256sum(f));
      assertThat(e.source()).isEqualTo("mem:" + name + "?debounce=200ms&confirm=sha256&include=*.txt");

      // rewrite with the same bytes: confirmed away; the sentinel in the same batch shows it
      Files.writeString(f, "v1");
      ch.emit(ChangeEvent.builder(MODIFIED, "data.txt").path(f).build());
      ch.emit(ChangeEvent.builder(ChangeKind.DELETED, "sentinel.txt").build());
      await().atMost(Duration.ofSeconds(10)).until(() -> batches.size() == 2);
      assertThat(batches.get(1)).extracting(ChangeEvent::key).containsExactly("sentinel.txt");

      Files.writeString(f, "v2", StandardCharsets.UTF_8);
      ch.emit(ChangeEvent.builder(MODIFIED, "data.txt").path(f).build());
      await().atMost(Duration.ofSeconds(10)).until(() -> batches.size() == 3);
      assertThat(batches.get(2)).extracting(ChangeEvent::key).containsExactly("data.txt");
      assertThat(batches.get(2).get(0).sha()).contains(ConfirmTest.sha256sum(f));
    } finally {
      d.dispose();
    }
  }
}
