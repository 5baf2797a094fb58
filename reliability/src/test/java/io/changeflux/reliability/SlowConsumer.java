package io.changeflux.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSources;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A subscriber that takes {@code 1 ms} per event (its own thread, one event requested at a time),
 * fed by a producer that is much faster. Live heap is sampled while the producer runs; at the end
 * the consumer's state (events applied, plus a rescan of the truth on every OVERFLOW that asks for
 * one) must equal the truth.
 */
final class SlowConsumer {

  /** Nanoseconds the consumer spends per event. */
  static final long COST_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  final FileModel model;
  final AtomicReference<Throwable> error = new AtomicReference<>();
  long heapBefore;
  long heapPeak;
  int samples;

  SlowConsumer(FileModel model) {
    this.model = model;
  }

  /** Subscribes to {@code uri}; returns once the source is ready. */
  Disposable subscribe(String uri, Scheduler consumerThread) throws InterruptedException {
    Flux<ChangeEvent> events = ChangeSources.open(uri).events();
    CountDownLatch ready = new CountDownLatch(1);
    heapBefore = Rel.heapLive();
    Disposable d =
        events
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .publishOn(consumerThread, 1)
            .subscribe(
                e -> {
                  model.apply(e);
                  LockSupport.parkNanos(COST_NANOS);
                },
                error::set);
    assertThat(ready.await(60, TimeUnit.SECONDS)).as("ready").isTrue();
    return d;
  }

  /** Samples live heap (after a GC): call from the producer every so often. */
  void sample() {
    heapPeak = Math.max(heapPeak, Rel.heapLive());
    samples++;
  }

  long growth() {
    return Math.max(0, heapPeak - heapBefore);
  }

  /** Waits for the consumer to catch up with the truth; returns the nanoseconds it took. */
  long awaitConverged(Supplier<Set<String>> truth, Duration atMost) {
    long t0 = System.nanoTime();
    Set<String> finalTruth = truth.get();
    await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () -> {
              assertThat(error.get()).isNull();
              assertThat(model.files.equals(finalTruth))
                  .as(() -> "consumer vs truth: " + FileModel.diff(model.files, finalTruth))
                  .isTrue();
            });
    return System.nanoTime() - t0;
  }

  static Scheduler thread(String name) {
    return Schedulers.newSingle(name);
  }
}
