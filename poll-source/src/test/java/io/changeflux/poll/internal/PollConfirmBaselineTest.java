package io.changeflux.poll.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import io.changeflux.files.internal.ConfirmBaseline;
import io.changeflux.testkit.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * {@code poll:DIR?confirm=sha256}: the content at the first scan is the baseline of confirm (hashed
 * in the background once the source is ready).
 */
class PollConfirmBaselineTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void anIdenticalRewriteRightAfterStartEmitsNothingWhileARealChangeIsReported() throws Exception {
    Files.writeString(dir.resolve("same.txt"), "v1");
    Files.writeString(dir.resolve("real.txt"), "r1");
    List<ChangeEvent> events = new CopyOnWriteArrayList<>();
    CountDownLatch ready = new CountDownLatch(1);
    Disposable d =
        ChangeSources.open("poll:" + dir + "?interval=50ms&confirm=sha256")
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(events::add);
    try {
      assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
      // The baseline is hashed in the background after ready: an event before it reaches a file
      // is reported (as without a baseline), so the rewrites wait until it is done.
      await().atMost(PATIENCE).until(() -> ConfirmBaseline.running() == 0);
      // The same bytes with a new time: the scan sees a modification, confirm the same content.
      FileTime later = FileTime.from(Instant.now().plusSeconds(10));
      TestFiles.replace(dir.resolve("same.txt"), "v1", dir.getParent(), later);
      TestFiles.replace(dir.resolve("real.txt"), "r2", dir.getParent(), later);
      await().atMost(PATIENCE).until(() -> keys(events).contains("real.txt"));
      // A scan that starts after the first marker is reported began after the rewrites, and
      // confirm emits in arrival order: same.txt, had it passed, would come before the second.
      Files.writeString(dir.resolve("marker1"), "m");
      await().atMost(PATIENCE).until(() -> keys(events).contains("marker1"));
      Files.writeString(dir.resolve("marker2"), "m");
      await().atMost(PATIENCE).until(() -> keys(events).contains("marker2"));
      assertThat(keys(events)).containsExactly("real.txt", "marker1", "marker2");
      ChangeEvent real = events.get(0);
      assertThat(real.kind()).isEqualTo(ChangeKind.MODIFIED);
      assertThat(real.sha()).isNotNull();
      assertThat(real.headers()).doesNotContainKey(io.changeflux.ChangeOps.BASELINE_SHA_HEADER);
    } finally {
      d.dispose();
    }
  }

  @Test
  void initialCreatedEventsAreNotDroppedByTheBaseline() throws Exception {
    Files.writeString(dir.resolve("there.txt"), "x");
    List<ChangeEvent> events = new CopyOnWriteArrayList<>();
    Disposable d =
        ChangeSources.open("poll:" + dir + "?interval=50ms&confirm=sha256&initial=true")
            .events()
            .subscribe(events::add);
    try {
      await().atMost(PATIENCE).until(() -> keys(events).contains("there.txt"));
      assertThat(events.get(0).kind()).isEqualTo(ChangeKind.CREATED);
    } finally {
      d.dispose();
    }
  }

  private static List<String> keys(List<ChangeEvent> events) {
    return events.stream().map(ChangeEvent::key).toList();
  }

}
