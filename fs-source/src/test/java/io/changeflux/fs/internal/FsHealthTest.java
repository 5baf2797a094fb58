package io.changeflux.fs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSources;
import io.changeflux.HealthState;
import io.changeflux.SourceHealth;
import io.changeflux.SourceListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/** Health of fs: watches: polling fallback, a rescan after lost events, a failed start. */
class FsHealthTest {

  private static final Duration PATIENCE = Duration.ofSeconds(20);

  @TempDir Path dir;

  @AfterEach
  void resetHooks() {
    NativeWatch.failNativeStart = p -> false;
    NativeWatch.failRegister = p -> false;
    NativeWatch.beforeHandOff = null;
  }

  static final class Listener implements SourceListener {
    final List<SourceHealth> states = new CopyOnWriteArrayList<>();
    final List<Duration> rescans = new CopyOnWriteArrayList<>();

    @Override
    public void onHealth(SourceHealth h) {
      states.add(h);
    }

    @Override
    public void onRescan(Duration took) {
      rescans.add(took);
    }
  }

  @Test
  void pollingAsAFallbackFromTheStartIsDegradedAndStillDelivers() throws Exception {
    NativeWatch.failNativeStart = dir::equals;
    ChangeSource s = ChangeSources.open("fs:" + dir + "?pollInterval=100ms");
    List<ChangeEvent> got = new CopyOnWriteArrayList<>();
    Disposable d = s.events().subscribe(got::add);
    try {
      await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.DEGRADED);
      assertThat(s.health().current().reason()).startsWith("polling fallback: ");
      Files.writeString(dir.resolve("a"), "a");
      await().atMost(PATIENCE).until(() -> got.stream().anyMatch(e -> e.key().equals("a")));
      assertThat(s.health().current().state()).isEqualTo(HealthState.DEGRADED);
    } finally {
      d.dispose();
    }
    assertThat(s.health().current().state()).isEqualTo(HealthState.STOPPED);
  }

  @Test
  void fallbackPollAsConfiguredIsUp() throws Exception {
    ChangeSource s = ChangeSources.open("fs:" + dir + "?fallback=poll&pollInterval=100ms");
    Disposable d = s.events().subscribe();
    try {
      await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.UP);
    } finally {
      d.dispose();
    }
  }

  @Test
  void aWatchLimitReachedLaterGoesFromUpToDegraded() throws Exception {
    Path limit = dir.resolve("too-many");
    NativeWatch.failRegister = limit::equals;
    ChangeSource s = ChangeSources.open("fs:" + dir + "?pollInterval=100ms");
    Listener l = new Listener();
    Disposable d = s.events().contextWrite(ChangeSources.observe(l)).subscribe();
    try {
      await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.UP);
      Files.createDirectories(limit);
      await()
          .atMost(PATIENCE)
          .untilAsserted(() -> assertThat(s.health().current().reason()).contains("polling fallback: "));
      assertThat(s.health().current().reason()).contains("OVERFLOW (fallback) in the last 1m");
      assertThat(l.states)
          .extracting(SourceHealth::state)
          .containsSubsequence(HealthState.STARTING, HealthState.UP, HealthState.DEGRADED);
    } finally {
      d.dispose();
    }
  }

  @Test
  void lostEventsAreAnOverflowAndATimedRescanWhileDegraded() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean held = new AtomicBoolean();
    NativeWatch.beforeHandOff =
        () -> {
          if (held.compareAndSet(false, true)) {
            try {
              release.await(60, TimeUnit.SECONDS); // hold the watcher thread up
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    ChangeSource s = ChangeSources.open("fs:" + dir);
    Listener l = new Listener();
    List<ChangeEvent> got = new CopyOnWriteArrayList<>();
    Disposable d = s.events().contextWrite(ChangeSources.observe(l)).subscribe(got::add);
    try {
      await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.UP);
      Files.write(dir.resolve("first"), new byte[] {1});
      await().atMost(PATIENCE).until(held::get);
      for (int i = 0, n = TestEngine.toLose(1_000); i < n; i++) { // more than the engine can hold
        Files.write(dir.resolve("new" + i), new byte[] {1});
      }
      release.countDown();
      await().atMost(PATIENCE).until(() -> got.stream().anyMatch(e -> e.kind() == ChangeKind.OVERFLOW));
      await().atMost(PATIENCE).until(() -> !l.rescans.isEmpty());
      assertThat(l.rescans.get(0)).isPositive();
      assertThat(l.states).extracting(SourceHealth::reason).anySatisfy(r -> assertThat(r).contains("rescanning"));
      await()
          .atMost(PATIENCE)
          .untilAsserted(() -> assertThat(s.health().current().reason()).isEqualTo("OVERFLOW (overflow) in the last 1m"));
    } finally {
      release.countDown();
      d.dispose();
    }
  }

  @Test
  void nativeWatchingThatCannotStartWithFallbackNoneIsDown() throws Exception {
    NativeWatch.failNativeStart = dir::equals;
    ChangeSource s = ChangeSources.open("fs:" + dir + "?fallback=none");
    Disposable d = s.events().subscribe(e -> {}, e -> {});
    try {
      await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.DOWN);
      assertThat(s.health().current().reason()).contains("cannot watch").contains("fallback=none");
    } finally {
      d.dispose();
    }
    assertThat(s.health().current().state()).isEqualTo(HealthState.DOWN);
  }
}
