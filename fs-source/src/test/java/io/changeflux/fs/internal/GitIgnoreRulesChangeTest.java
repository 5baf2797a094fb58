package io.changeflux.fs.internal;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * A real edit of {@code .gitignore} under a {@code gitignore=true} watch: each existing file it
 * un-ignores is reported CREATED (as if it had just appeared) and each file it newly ignores
 * DELETED (a consumer mirroring the tree drops it), then later changes follow the new rules.
 */
class GitIgnoreRulesChangeTest {

  @TempDir Path dir;

  @Test
  void filesUnIgnoredAreCreatedAndFilesNewlyIgnoredAreDeleted() throws Exception {
    FsFileTest.sh(
        dir,
        "git init -q && printf '*.log\\n' > .gitignore && mkdir sub && echo 1 > a.log && echo 2 > sub/c.log"
            + " && echo 3 > b.txt && echo 4 > sub/d.txt && echo 5 > keep.md");
    List<ChangeEvent> events = new CopyOnWriteArrayList<>();
    CountDownLatch ready = new CountDownLatch(1);
    Disposable d =
        ChangeSources.open("fs:" + dir + "?gitignore=true")
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(events::add);
    try {
      assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
      FsFileTest.sh(dir, "printf '*.txt\\n' > .gitignore");
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> kinds(events, "a.log").contains(ChangeKind.CREATED)
              && kinds(events, "sub/c.log").contains(ChangeKind.CREATED)
              && kinds(events, "b.txt").contains(ChangeKind.DELETED)
              && kinds(events, "sub/d.txt").contains(ChangeKind.DELETED));
      Files.writeString(dir.resolve("b.txt"), "ignored now");
      Files.writeString(dir.resolve("a.log"), "visible now");
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> kinds(events, "a.log").contains(ChangeKind.MODIFIED));
      Files.writeString(dir.resolve("keep.md"), "sync");
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !kinds(events, "keep.md").isEmpty());
      // Files.writeString truncates, then writes: an undebounced watch may honestly see two
      // modifications, so the rule is one CREATED (the un-ignore) and only MODIFIED after it.
      List<ChangeKind> aLog = kinds(events, "a.log");
      assertThat(aLog.get(0)).isEqualTo(ChangeKind.CREATED);
      assertThat(aLog.subList(1, aLog.size())).isNotEmpty().containsOnly(ChangeKind.MODIFIED);
      assertThat(kinds(events, "sub/c.log")).containsExactly(ChangeKind.CREATED);
      assertThat(kinds(events, "b.txt")).as("nothing after it became ignored").containsExactly(ChangeKind.DELETED);
      assertThat(kinds(events, "sub/d.txt")).containsExactly(ChangeKind.DELETED);
      assertThat(events).noneMatch(e -> e.kind() == ChangeKind.OVERFLOW);
    } finally {
      d.dispose();
    }
  }

  private static List<ChangeKind> kinds(List<ChangeEvent> events, String key) {
    return events.stream().filter(e -> e.key().equals(key)).map(ChangeEvent::kind).toList();
  }
}
