package io.changeflux.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/** git: on a real repository: one event per new head, nothing for gc, other branches or HEAD switches. */
class GitSourceTest {

  @TempDir Path tmp;
  private final List<ChangeEvent> events = new CopyOnWriteArrayList<>();
  private Disposable subscription;

  @AfterEach
  void stop() {
    if (subscription != null) {
      subscription.dispose();
    }
  }

  private void watch(String uri) throws InterruptedException {
    CountDownLatch ready = new CountDownLatch(1);
    subscription =
        ChangeSources.open(uri)
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(events::add);
    assertThat(ready.await(30, TimeUnit.SECONDS)).as("git: source ready").isTrue();
  }

  private void awaitEvents(int n) {
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(events).hasSizeGreaterThanOrEqualTo(n));
  }

  @Test
  void eachCommitAndAmendIsOneModifiedEventWithTheCommitId() throws Exception {
    GitRepo repo = GitRepo.init(tmp.resolve("r"));
    watch("git:" + repo.dir + "?branch=main");
    String second = repo.commit("second");
    awaitEvents(1);
    repo.git("commit", "-q", "--amend", "-m", "amended");
    String amended = repo.head();
    awaitEvents(2);
    assertThat(events).extracting(ChangeEvent::kind).containsExactly(ChangeKind.MODIFIED, ChangeKind.MODIFIED);
    assertThat(events).extracting(ChangeEvent::key).containsOnly("main");
    assertThat(events.get(0).sha()).contains(second);
    assertThat(events.get(1).sha()).contains(amended);
  }

  @Test
  void gcOtherBranchesAndHeadSwitchesEmitNothing() throws Exception {
    GitRepo repo = GitRepo.init(tmp.resolve("r"));
    repo.git("branch", "other");
    watch("git:" + repo.dir + "?branch=main");
    repo.git("gc", "-q");
    repo.git("checkout", "-q", "other");
    repo.commit("on other");
    repo.git("pack-refs", "--all");
    repo.git("checkout", "-q", "main");
    // A commit on main is the barrier: it must be the first and only event.
    String barrier = repo.commit("barrier");
    awaitEvents(1);
    await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(events).hasSize(1));
    assertThat(events.get(0).sha()).contains(barrier);
  }

  @Test
  void followsTheBranchOfALinkedWorktree() throws Exception {
    GitRepo repo = GitRepo.init(tmp.resolve("r"));
    Path wt = tmp.resolve("wt");
    repo.git("worktree", "add", "-q", "-b", "side", wt.toString());
    watch("git:" + wt); // the branch HEAD points at: side
    String onSide = new GitRepo(wt).commit("on side");
    awaitEvents(1);
    assertThat(events.get(0).key()).isEqualTo("side");
    assertThat(events.get(0).sha()).contains(onSide);
  }

  @Test
  void initialEmitsTheCurrentHeadAndDeletingTheBranchIsDeleted() throws Exception {
    GitRepo repo = GitRepo.init(tmp.resolve("r"));
    repo.git("branch", "topic");
    watch("git:" + repo.dir + "?branch=topic&initial=true");
    awaitEvents(1);
    assertThat(events.get(0).kind()).isEqualTo(ChangeKind.CREATED);
    assertThat(events.get(0).sha()).contains(repo.revParse("topic"));
    repo.git("branch", "-D", "topic");
    awaitEvents(2);
    assertThat(events.get(1).kind()).isEqualTo(ChangeKind.DELETED);
  }

  @Test
  void notARepositoryFailsAtOpen() {
    assertThatThrownBy(() -> ChangeSources.open("git:" + tmp))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("not a git repository");
  }
}
