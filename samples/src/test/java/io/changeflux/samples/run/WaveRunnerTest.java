package io.changeflux.samples.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WaveRunnerTest {

  static List<ChangeEvent> events(String... keys) {
    return java.util.Arrays.stream(keys).map(k -> ChangeEvent.of(ChangeKind.MODIFIED, k)).toList();
  }

  @Test
  void changesDuringAWaveAccumulateIntoTheNextOneAndWavesNeverOverlap() throws Exception {
    List<WaveRunner.Wave> waves = new CopyOnWriteArrayList<>();
    CountDownLatch firstStarted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    try (WaveRunner runner =
        new WaveRunner(
            "test",
            100,
            w -> {
              maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
              waves.add(w);
              firstStarted.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              running.decrementAndGet();
            })) {
      runner.offer(events("a"));
      firstStarted.await();
      runner.offer(events("b", "c"));
      runner.offer(events("b", "d"));
      release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> waves.size() == 2);
      assertThat(waves.get(0).keys()).containsExactly("a");
      assertThat(waves.get(1).keys()).containsExactly("b", "c", "d");
      assertThat(waves.get(1).overflow()).isFalse();
      assertThat(maxRunning).hasValue(1);
      assertThat(runner.waves()).isEqualTo(2);
    }
  }

  @Test
  void pastTheBoundTheNextWaveIsAnOverflow() throws Exception {
    List<WaveRunner.Wave> waves = new CopyOnWriteArrayList<>();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    try (WaveRunner runner =
        new WaveRunner("test", 3, w -> {
          waves.add(w);
          started.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        })) {
      runner.offer(events("first"));
      started.await();
      runner.offer(events("a", "b", "c", "d", "e"));
      release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> waves.size() == 2);
      assertThat(waves.get(1).overflow()).isTrue();
      assertThat(waves.get(1).keys().size()).isLessThanOrEqualTo(3);
    }
  }

  @Test
  void anOverflowEventAndForceMakeAnOverflowedWave() {
    List<WaveRunner.Wave> waves = new CopyOnWriteArrayList<>();
    try (WaveRunner runner = new WaveRunner("test", 10, waves::add)) {
      runner.offer(List.of(ChangeEvent.overflow("")));
      await().atMost(Duration.ofSeconds(10)).until(() -> waves.size() == 1);
      assertThat(waves.get(0).overflow()).isTrue();
      assertThat(waves.get(0).keys()).isEmpty();
      runner.force();
      await().atMost(Duration.ofSeconds(10)).until(() -> waves.size() == 2);
      assertThat(waves.get(1).overflow()).isTrue();
    }
  }

  @Test
  void aFailingActionDoesNotStopLaterWaves() {
    AtomicInteger calls = new AtomicInteger();
    try (WaveRunner runner = new WaveRunner("test", 10, w -> {
      if (calls.incrementAndGet() == 1) {
        throw new IllegalStateException("boom");
      }
    })) {
      runner.offer(events("a"));
      await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() == 1);
      runner.offer(events("b"));
      await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() == 2);
    }
  }

  @Test
  void changesDuringAWaveMergeByCoresTable() throws Exception {
    List<WaveRunner.Wave> waves = new CopyOnWriteArrayList<>();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (WaveRunner runner =
        new WaveRunner("test", 100, w -> {
          waves.add(w);
          started.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        })) {
      runner.offer(events("first"));
      started.await();
      runner.offer(List.of(
          ChangeEvent.of(ChangeKind.CREATED, "new"),
          ChangeEvent.of(ChangeKind.MODIFIED, "new"),
          ChangeEvent.of(ChangeKind.CREATED, "tmp"),
          ChangeEvent.of(ChangeKind.DELETED, "tmp"),
          ChangeEvent.of(ChangeKind.DELETED, "swap"),
          ChangeEvent.of(ChangeKind.CREATED, "swap"),
          ChangeEvent.of(ChangeKind.MODIFIED, "gone"),
          ChangeEvent.of(ChangeKind.DELETED, "gone")));
      release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> waves.size() == 2);
      List<ChangeEvent> merged = waves.get(1).events();
      assertThat(merged).extracting(ChangeEvent::key).containsExactly("new", "swap", "gone");
      assertThat(merged).extracting(ChangeEvent::kind)
          .containsExactly(ChangeKind.CREATED, ChangeKind.MODIFIED, ChangeKind.DELETED);
      assertThat(merged).extracting(ChangeEvent::count).containsExactly(2, 2, 2);
    }
  }
  @Test
  void aRedeliveredCreatedAndItsDeletionMakeADeletionInTheWave() throws Exception {
    List<WaveRunner.Wave> waves = new CopyOnWriteArrayList<>();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (WaveRunner runner =
        new WaveRunner("test", 100, w -> {
          waves.add(w);
          started.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        })) {
      runner.offer(events("first"));
      started.await();
      runner.offer(List.of(
          ChangeEvent.of(ChangeKind.CREATED, "again").toBuilder().header(io.changeflux.ChangeOps.REDELIVERED, "true").build(),
          ChangeEvent.of(ChangeKind.DELETED, "again"),
          ChangeEvent.of(ChangeKind.CREATED, "tmp"),
          ChangeEvent.of(ChangeKind.DELETED, "tmp")));
      release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> waves.size() == 2);
      List<ChangeEvent> merged = waves.get(1).events();
      assertThat(merged).extracting(ChangeEvent::key).containsExactly("again");
      assertThat(merged).extracting(ChangeEvent::kind).containsExactly(ChangeKind.DELETED);
    }
  }
}
