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
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * {@code settle=vcs} with real git operations, held open deterministically: a smudge filter that
 * sleeps makes {@code git checkout} write its files one by one under {@code index.lock}, and {@code
 * git rebase -x 'sleep …'} keeps {@code rebase-merge/} between picks. A recorder notes, for every
 * batch it receives, whether the operation's marker existed at that moment. (The gate itself,
 * {@link io.changeflux.files.VcsSettle}, is core's, shared with {@code poll:}; its markers are
 * tested in core's {@code VcsSettleMarkersTest}.)
 */
class VcsSettleTest {

  @TempDir Path dir;

  /** One received batch and whether a marker of a running operation existed when it arrived. */
  private record Got(List<ChangeEvent> events, boolean duringOperation, String seen) {}

  private final List<Got> batches = new CopyOnWriteArrayList<>();
  private Disposable subscription;

  @AfterEach
  void dispose() {
    if (subscription != null) {
      subscription.dispose();
    }
  }

  private void watch(String uri, String... markers) throws InterruptedException {
    CountDownLatch ready = new CountDownLatch(1);
    subscription =
        ChangeSources.open(uri)
            .batches()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(
                b -> {
                  boolean during = false;
                  StringBuilder seen = new StringBuilder();
                  for (String m : markers) {
                    if (Files.exists(dir.resolve(m))) {
                      during = true;
                      seen.append(m).append(' ');
                    }
                  }
                  batches.add(new Got(b, during, seen.toString()));
                });
    assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
  }

  private Set<String> keys(ChangeKind kind) {
    return batches.stream()
        .flatMap(g -> g.events().stream())
        .filter(e -> e.kind() == kind)
        .map(ChangeEvent::key)
        .collect(Collectors.toSet());
  }

  /**
   * main: common.txt and a/1..12.txt; branch b: common.txt changed, b/1..12.txt, no a/. Every
   * checkout of a .txt file runs a smudge filter that sleeps 80 ms, under index.lock.
   */
  private void twoBranches() throws Exception {
    io.changeflux.testkit.GitRepos.twoBranches(dir, "sleep 0.08; cat", "*.txt");
  }

  @Test
  void aCheckoutIsOneBatchAfterItEnds() throws Exception {
    twoBranches();
    watch("fs:" + dir + "?settle=vcs&debounce=100ms", ".git/index.lock");
    FsFileTest.sh(dir, "git checkout -q b");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> keys(ChangeKind.CREATED).size() >= 12 && keys(ChangeKind.DELETED).size() >= 12);
    // Whatever else would come has come by the time a later write is reported.
    Files.writeString(dir.resolve("after"), "x");
    await().atMost(Duration.ofSeconds(30)).until(() -> keys(ChangeKind.CREATED).contains("after"));

    List<Got> checkout = batches.subList(0, batches.size() - 1);
    assertThat(checkout).hasSize(1);
    assertThat(checkout.get(0).duringOperation()).isFalse();
    Set<String> created = keys(ChangeKind.CREATED);
    Set<String> deleted = keys(ChangeKind.DELETED);
    for (int i = 1; i <= 12; i++) {
      assertThat(created).contains("b/" + i + ".txt");
      assertThat(deleted).contains("a/" + i + ".txt");
    }
    assertThat(keys(ChangeKind.MODIFIED)).contains("common.txt");
    assertThat(batches.stream().flatMap(g -> g.events().stream()).map(ChangeEvent::key))
        .noneMatch(k -> k.startsWith(".git"));
  }

  /** The control: the same checkout without settle arrives in pieces, some while git runs. */
  @Test
  void withoutSettleTheSameCheckoutArrivesInPiecesDuringIt() throws Exception {
    twoBranches();
    watch("fs:" + dir + "?exclude=.git/**&debounce=100ms", ".git/index.lock");
    FsFileTest.sh(dir, "git checkout -q b");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> keys(ChangeKind.CREATED).size() >= 12 && keys(ChangeKind.DELETED).size() >= 12);
    assertThat(batches.size()).isGreaterThan(1);
    assertThat(batches).anyMatch(Got::duringOperation);
  }

  @Test
  void aMultiCommitRebaseIsOneBatchAfterItEnds() throws Exception {
    FsFileTest.sh(
        dir,
        "git init -q -b main && git config user.email t@example.invalid && git config user.name t"
            + " && echo base > base.txt && git add -A && git commit -q -m base"
            + " && git checkout -q -b topic"
            + " && echo t1 > t1.txt && git add -A && git commit -q -m t1"
            + " && echo t2 > t2.txt && git add -A && git commit -q -m t2"
            + " && echo t3 > t3.txt && git add -A && git commit -q -m t3"
            + " && git checkout -q main && echo m > m.txt && git add -A && git commit -q -m m"
            + " && git checkout -q topic");
    watch("fs:" + dir + "?settle=vcs&debounce=100ms", ".git/rebase-merge", ".git/index.lock");
    // Between picks the rebase runs 'sleep': rebase-merge/ exists, index.lock does not.
    FsFileTest.sh(dir, "git rebase -q -x 'sleep 0.4' main");
    await().atMost(Duration.ofSeconds(30)).until(() -> keys(ChangeKind.CREATED).contains("m.txt"));
    Files.writeString(dir.resolve("after"), "x");
    await().atMost(Duration.ofSeconds(30)).until(() -> keys(ChangeKind.CREATED).contains("after"));

    List<Got> rebase = batches.subList(0, batches.size() - 1);
    assertThat(rebase).hasSize(1);
    assertThat(rebase.get(0).duringOperation()).as("%s", rebase).isFalse();
    assertThat(rebase.get(0).events()).extracting(ChangeEvent::key).contains("m.txt");
    assertThat(rebase.get(0).events()).extracting(ChangeEvent::key).noneMatch(k -> k.startsWith(".git"));
  }

  /** A rebase stopped at a conflict waits for the user: their edits are not held. */
  @Test
  void aRebaseStoppedAtAConflictDoesNotHold() throws Exception {
    FsFileTest.sh(
        dir,
        "git init -q -b main && git config user.email t@example.invalid && git config user.name t"
            + " && echo base > f.txt && git add -A && git commit -q -m base"
            + " && git checkout -q -b topic && echo topic > f.txt && git commit -q -am topic"
            + " && git checkout -q main && echo main > f.txt && git commit -q -am main"
            + " && git checkout -q topic && (git rebase -q main > /dev/null 2>&1; true)"
            + " && test -d .git/rebase-merge");
    watch("fs:" + dir + "?settle=vcs", ".git/rebase-merge");
    Files.writeString(dir.resolve("f.txt"), "resolved\n");
    await().atMost(Duration.ofSeconds(30)).until(() -> keys(ChangeKind.MODIFIED).contains("f.txt"));
    assertThat(batches.get(0).duringOperation()).isTrue();
  }

  /** A stale index.lock (git killed): held for settleMax, then events flow while it stays. */
  @Test
  void aStaleLockHoldsOnlyForSettleMax() throws Exception {
    FsFileTest.sh(dir, "git init -q && touch .git/index.lock");
    watch("fs:" + dir + "?settle=vcs&settleMax=500ms", ".git/index.lock");
    Files.writeString(dir.resolve("one"), "1");
    await().atMost(Duration.ofSeconds(30)).until(() -> keys(ChangeKind.CREATED).contains("one"));
    Files.writeString(dir.resolve("two"), "2");
    await().atMost(Duration.ofSeconds(30)).until(() -> keys(ChangeKind.CREATED).contains("two"));
    assertThat(batches).allMatch(Got::duringOperation);
  }
}
