package io.changeflux.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import io.changeflux.ShaResolvers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

class ValuePollingTest {

  @Test
  void emitsModifiedWithTheSha256OfTheNewValueOnlyWhenItChanges() throws Exception {
    AtomicReference<String> value = new AtomicReference<>("v1");
    AtomicInteger calls = new AtomicInteger();
    List<ChangeEvent> got = new CopyOnWriteArrayList<>();
    CountDownLatch ready = new CountDownLatch(1);
    Disposable d =
        PollSource.value(
                "ref",
                () -> {
                  calls.incrementAndGet();
                  return value.get();
                },
                Duration.ofMillis(20))
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(got::add);
    try {
      assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
      int before = calls.get();
      await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() >= before + 5);
      assertThat(got).isEmpty(); // the same value, polled again and again: nothing
      value.set("v2");
      await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 1);
      ChangeEvent e = got.get(0);
      assertThat(e.kind()).isEqualTo(ChangeKind.MODIFIED);
      assertThat(e.key()).isEqualTo("ref");
      assertThat(e.sha()).contains(ShaResolvers.sha256("v2".getBytes(StandardCharsets.UTF_8)));
      assertThat(e.sha()).contains("fb04dcb6970e4c3d1873de51fd5a50d7bb46b3383113602665c350ec40b5f990"); // printf v2 | sha256sum
      value.set("v3");
      await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 2);
      assertThat(got.get(1).sha()).contains(ShaResolvers.sha256("v3".getBytes(StandardCharsets.UTF_8)));
    } finally {
      d.dispose();
    }
  }

  @Test
  void aFailingCallIsRetriedAndNeverEndsTheStream() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    AtomicReference<Throwable> error = new AtomicReference<>();
    List<ChangeEvent> got = new CopyOnWriteArrayList<>();
    Disposable d =
        PollSource.value(
                () -> {
                  int n = calls.incrementAndGet();
                  if (n >= 2 && n <= 4) {
                    throw new IllegalStateException("flaky " + n);
                  }
                  return n < 2 ? "a" : "b";
                },
                Duration.ofMillis(20))
            .events()
            .subscribe(got::add, error::set);
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 1);
      assertThat(got.get(0).key()).isEqualTo("value");
      assertThat(got.get(0).sha()).contains(ShaResolvers.sha256("b".getBytes(StandardCharsets.UTF_8)));
      assertThat(error.get()).isNull();
    } finally {
      d.dispose();
    }
  }

  @Test
  void cancelStopsPolling() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    Disposable d = PollSource.value(() -> "x" + calls.incrementAndGet(), Duration.ofMillis(10)).events().subscribe();
    await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() >= 3);
    d.dispose();
    int after = calls.get();
    // At most the tick that was running may finish; no tick runs after that.
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .until(() -> calls.get() <= after + 1);
  }

  @Test
  void anErrorFromTheValueEndsTheStreamWithOnErrorAndStopsThePoller() {
    for (Error thrown : new Error[] {new StackOverflowError("deep"), new AssertionError("broken invariant")}) {
      AtomicInteger calls = new AtomicInteger();
      reactor.test.StepVerifier.create(
              PollSource.value(
                      "boom",
                      () -> {
                        if (calls.incrementAndGet() == 3) {
                          throw thrown;
                        }
                        return "v";
                      },
                      Duration.ofMillis(20))
                  .events())
          .expectErrorSatisfies(
              e -> {
                assertThat(e).isInstanceOf(io.changeflux.ChangeSourceException.class).hasCause(thrown);
                assertThat(e.getMessage()).contains("poll:value:boom");
              })
          .verify(Duration.ofSeconds(30));
      int stoppedAt = calls.get();
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(Thread.getAllStackTraces().keySet())
                      .noneMatch(t -> t.isAlive() && t.getName().startsWith("changeflux-poll-value")));
      assertThat(calls.get()).isEqualTo(stoppedAt).isEqualTo(3);
    }
  }
}
