package io.changeflux.fs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A move within the tree: DELETED old + CREATED new, each naming the other. */
class FsRenameTest {

  @TempDir Path dir;

  @RegisterExtension final Recorder rec = new Recorder();

  @Test
  void gitMvIsAPairNamingEachOther() throws Exception {
    FsFileTest.sh(
        dir,
        "git init -q && git config user.email t@example.invalid && git config user.name t"
            + " && mkdir src && printf 'class A {}' > src/A.java && git add -A && git commit -q -m a");
    rec.watch("fs:" + dir + "?exclude=.git/**");
    FsFileTest.sh(dir, "git mv src/A.java src/B.java");
    ChangeEvent deleted = rec.awaitEvent(ChangeKind.DELETED, "src/A.java");
    ChangeEvent created = rec.awaitEvent(ChangeKind.CREATED, "src/B.java");
    assertThat(deleted.headers()).containsEntry("movedTo", "src/B.java");
    assertThat(created.headers()).containsEntry("movedFrom", "src/A.java");
  }

  @Test
  void movingADirectoryPairsEveryFileBelow() throws Exception {
    FsFileTest.sh(dir, "mkdir -p old/deep && printf 1 > old/a && printf 2 > old/deep/b && printf 3 > old/deep/c");
    rec.watch("fs:" + dir);
    FsFileTest.sh(dir, "mv old new");
    for (String f : List.of("a", "deep/b", "deep/c")) {
      assertThat(rec.awaitEvent(ChangeKind.DELETED, "old/" + f).headers()).containsEntry("movedTo", "new/" + f);
      assertThat(rec.awaitEvent(ChangeKind.CREATED, "new/" + f).headers()).containsEntry("movedFrom", "old/" + f);
    }
  }

  @Test
  void thePairKeepsItsHeadersThroughADebounceBatchAndAWriteAfterTheMove() throws Exception {
    Files.writeString(dir.resolve("a.txt"), "a");
    List<List<ChangeEvent>> batches = new CopyOnWriteArrayList<>();
    CountDownLatch ready = new CountDownLatch(1);
    rec.own(
        ChangeSources.open("fs:" + dir + "?debounce=300ms")
            .batches()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(batches::add));
    assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
    FsFileTest.sh(dir, "mv a.txt b.txt && printf more >> b.txt");
    await().atMost(Duration.ofSeconds(30)).until(() -> !batches.isEmpty());
    List<ChangeEvent> batch = batches.get(0);
    assertThat(batch).extracting(ChangeEvent::key).containsExactlyInAnyOrder("a.txt", "b.txt");
    for (ChangeEvent e : batch) {
      if (e.key().equals("a.txt")) {
        assertThat(e.kind()).isEqualTo(ChangeKind.DELETED);
        assertThat(e.headers()).containsEntry("movedTo", "b.txt");
      } else {
        assertThat(e.kind()).isEqualTo(ChangeKind.CREATED);
        assertThat(e.headers()).containsEntry("movedFrom", "a.txt");
      }
    }
  }
}
