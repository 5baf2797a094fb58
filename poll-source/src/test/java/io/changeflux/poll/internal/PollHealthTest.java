package io.changeflux.poll.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangePipeline;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSources;
import io.changeflux.HealthState;
import io.changeflux.SourceOptions;
import io.changeflux.poll.PollSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/** Health of poll: sources: a scan (or a value read) that fails is DEGRADED until it works again. */
class PollHealthTest {

  private static final Duration PATIENCE = Duration.ofSeconds(20);

  @TempDir Path dir;

  @AfterEach
  void clearHooks() {
    DirectoryPoller.SCAN_HOOKS.clear();
  }

  @Test
  void aFailingScanIsDegradedThenUpWhenScansWorkAgain() throws Exception {
    AtomicBoolean failing = new AtomicBoolean();
    DirectoryPoller.SCAN_HOOKS.put(
        dir,
        () -> {
          if (failing.get()) {
            throw new UncheckedIOException(new IOException("Input/output error (test)"));
          }
        });
    ChangeSource s = ChangeSources.open("poll:" + dir + "?interval=50ms");
    List<ChangeEvent> got = new CopyOnWriteArrayList<>();
    Disposable d = s.events().subscribe(got::add);
    try {
      await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.UP);
      failing.set(true);
      await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.DEGRADED);
      assertThat(s.health().current().reason()).isEqualTo("scan failing");
      failing.set(false);
      await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.UP);
      Files.writeString(dir.resolve("x"), "x");
      await().atMost(PATIENCE).until(() -> got.stream().anyMatch(e -> e.key().equals("x")));
    } finally {
      d.dispose();
    }
  }

  @Test
  void aFailingValueReadIsDegradedThenUp() {
    AtomicBoolean failing = new AtomicBoolean();
    ChangeSource raw =
        PollSource.value(
            "v",
            () -> {
              if (failing.get()) {
                throw new IOException("connection refused (test)");
              }
              return "1";
            },
            Duration.ofMillis(50));
    ChangeSource s = ChangePipeline.of(SourceOptions.parse("poll:value")).apply(raw);
    Disposable d = s.events().subscribe();
    try {
      await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.UP);
      failing.set(true);
      await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.DEGRADED);
      assertThat(s.health().current().reason()).isEqualTo("reading the value failing");
      failing.set(false);
      await().atMost(PATIENCE).until(() -> s.health().current().state() == HealthState.UP);
    } finally {
      d.dispose();
    }
  }
}
