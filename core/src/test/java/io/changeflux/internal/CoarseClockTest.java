package io.changeflux.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeOps;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;

class CoarseClockTest {

  private final AtomicLong source = new AtomicLong(1_000);
  private final CoarseClock clock = new CoarseClock(source::get, false);

  @Test
  void sparseReadingsAreExact() {
    CoarseClock.Reader r = clock.reader();
    for (int i = 0; i < 50; i++) {
      source.addAndGet(7);
      assertThat(r.now()).isEqualTo(source.get());
      clock.tick();
    }
  }

  @Test
  void denseReadingsReuseTheLastExactOneUntilTheNextTick() {
    CoarseClock.Reader r = clock.reader();
    r.now(); // starts the (here manual) ticker
    clock.tick();
    long last = 0;
    for (int i = 0; i < CoarseClock.EXACT_PER_TICK; i++) {
      source.incrementAndGet();
      last = r.now();
      assertThat(last).isEqualTo(source.get());
    }
    source.addAndGet(500);
    assertThat(r.now()).isEqualTo(last); // the same tick: the last reading
    clock.tick();
    assertThat(r.now()).isEqualTo(source.get()); // a new tick: exact again
  }

  @Test
  void aReadingIsNeverMoreThanEveryNthEventOldWhenTheTickerStalls() {
    CoarseClock.Reader r = clock.reader();
    r.now(); // starts the (here manual) ticker
    long maxAge = 0;
    for (int i = 0; i < 10_000; i++) {
      long t = source.incrementAndGet(); // one unit per event; no tick at all
      maxAge = Math.max(maxAge, t - r.now());
    }
    assertThat(maxAge).isPositive().isLessThan(CoarseClock.EXACT_EVERY);
  }

  @Test
  void readingsNeverRunAheadOfTheClockNorGoBackwards() {
    Random random = new Random(42);
    CoarseClock.Reader r = clock.reader();
    long previous = Long.MIN_VALUE;
    for (int i = 0; i < 100_000; i++) {
      source.addAndGet(random.nextInt(3));
      if (random.nextInt(50) == 0) {
        clock.tick();
      }
      long t = r.now();
      assertThat(t).isLessThanOrEqualTo(source.get()).isGreaterThanOrEqualTo(previous);
      previous = t;
    }
  }

  @Test
  void theTickerStopsWhenNobodyReadsAndAReadingStartsItAgain() {
    CoarseClock threaded = new CoarseClock(System::nanoTime, true);
    CoarseClock.Reader r = threaded.reader();
    long before = System.nanoTime();
    assertThat(r.now()).isGreaterThanOrEqualTo(before); // stopped: an exact reading
    assertThat(threaded.ticking()).isTrue();
    await().atMost(Duration.ofSeconds(30)).until(() -> !threaded.ticking());
    before = System.nanoTime();
    assertThat(r.now()).isGreaterThanOrEqualTo(before);
    assertThat(threaded.ticking()).isTrue();
  }

  @Test
  void otherSchedulersAreReadExactly() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    try {
      CoarseClock.Reader r = CoarseClock.reader(vts);
      for (int i = 0; i < 1_000; i++) {
        vts.advanceTimeBy(Duration.ofNanos(3));
        assertThat(r.now()).isEqualTo(vts.now(java.util.concurrent.TimeUnit.NANOSECONDS));
      }
      assertThat(CoarseClock.coarse(vts)).isFalse();
      assertThat(CoarseClock.coarse(Schedulers.parallel())).isTrue();
      assertThat(CoarseClock.coarse(Schedulers.boundedElastic())).isTrue();
    } finally {
      vts.dispose();
    }
  }

  @Test
  void aDebouncedBatchNeverClosesBeforeTheQuietTimeAfterItsLastEventOnCoarseReadings() {
    Duration quiet = Duration.ofMillis(3);
    for (int round = 0; round < 30; round++) {
      Sinks.Many<ChangeEvent> sink = Sinks.many().unicast().onBackpressureBuffer();
      AtomicLong lastArrival = new AtomicLong();
      sink.asFlux()
          .transform(ChangeOps.debounce(quiet, Duration.ofSeconds(10)))
          .subscribe(
              batch -> {
                if (batch.stream().anyMatch(e -> e.key().equals("last"))) {
                  lastArrival.set(System.nanoTime());
                }
              });
      for (int i = 0; i < 2_000; i++) { // dense: most readings are reused ones
        sink.tryEmitNext(event("k" + (i % 100)));
      }
      sink.tryEmitNext(event("last"));
      long lastEvent = System.nanoTime();
      await().atMost(Duration.ofSeconds(30)).until(() -> lastArrival.get() != 0);
      assertThat(lastArrival.get() - lastEvent).isGreaterThanOrEqualTo(quiet.toNanos());
      sink.tryEmitComplete();
    }
  }

  private static ChangeEvent event(String key) {
    return ChangeEvent.builder(ChangeKind.MODIFIED, key).source("t:").build();
  }
}
