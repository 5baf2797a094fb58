package io.changeflux.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parts of {@code settle=vcs} that both file backends share: where the markers are (found
 * above the root, through a linked worktree's {@code .git} file), which keys are VCS internals,
 * and a poller's gate, released by a clean scan. The real git operations through a source are in
 * fs's {@code VcsSettleTest} and poll's {@code PollVcsSettleTest}.
 */
class VcsSettleMarkersTest {

  @TempDir Path dir;

  @Test
  void theRepositoryIsFoundAboveTheRootAndThroughAWorktreesGitFile() throws Exception {
    sh(
        dir,
        "mkdir repo && cd repo && git init -q && git config user.email t@example.invalid && git config user.name t"
            + " && mkdir -p sub/deeper && echo x > sub/x && git add -A && git commit -q -m x"
            + " && git worktree add -q ../wt");
    VcsSettle.Markers above = VcsSettle.Markers.find(dir.resolve("repo/sub/deeper"));
    assertThat(above.dir).isEqualTo(dir.resolve("repo/.git"));
    assertThat(above.git).isTrue();
    VcsSettle.Markers file = VcsSettle.Markers.find(dir.resolve("repo/sub/x"));
    assertThat(file.dir).isEqualTo(dir.resolve("repo/.git"));
    VcsSettle.Markers wt = VcsSettle.Markers.find(dir.resolve("wt"));
    assertThat(wt.dir).isEqualTo(dir.resolve("repo/.git/worktrees/wt"));
    assertThat(wt.inProgress()).isFalse();
    Files.writeString(dir.resolve("repo/.git/worktrees/wt/index.lock"), "", StandardCharsets.UTF_8);
    assertThat(wt.inProgress()).isTrue();
    assertThat(above.inProgress()).isFalse();
    Files.createDirectories(dir.resolve("hg/.hg"));
    VcsSettle.Markers hg = VcsSettle.Markers.find(dir.resolve("hg"));
    assertThat(hg.git).isFalse();
    assertThat(hg.inProgress()).isFalse();
    Files.writeString(dir.resolve("hg/.hg/wlock"), "");
    assertThat(hg.inProgress()).isTrue();
  }

  /**
   * A rebase's pick writes CHERRY_PICK_HEAD for a moment: a gate that first looks then (its event
   * processed late) must see an operation running, not one stopped for the user; the same marker
   * left for longer than the grace is a stop, whoever looked when.
   */
  @Test
  void aFreshStopMarkerIsAPickUnderWayAndAnOldOneAStopForTheUser() throws Exception {
    Files.createDirectories(dir.resolve(".git/rebase-merge"));
    VcsSettle.Markers m = VcsSettle.Markers.find(dir);
    assertThat(m.state()).as("rebase-merge alone").isEqualTo(VcsSettle.Markers.RUNNING);
    Path pick = Files.writeString(dir.resolve(".git/CHERRY_PICK_HEAD"), "0123\n");
    assertThat(m.state()).as("a pick just written").isEqualTo(VcsSettle.Markers.RUNNING);
    assertThat(m.inProgress()).isTrue();
    Files.setLastModifiedTime(
        pick, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - VcsSettle.STOPPED_GRACE.toMillis() - 500));
    assertThat(m.state()).as("the marker stayed").isEqualTo(VcsSettle.Markers.STOPPED);
    assertThat(m.inProgress()).isFalse();
    Files.writeString(dir.resolve(".git/REBASE_HEAD"), "4567\n");
    assertThat(m.state()).as("a newer marker written since").isEqualTo(VcsSettle.Markers.RUNNING);
  }

  /** One reading of a {@code .git} file for both users: the gate's markers and the ignore rules. */
  @Test
  void aLinkedWorktreesGitDirAndExcludeFileAreTheMainRepositorys() throws Exception {
    sh(
        dir,
        "mkdir repo && cd repo && git init -q && git config user.email t@example.invalid && git config user.name t"
            + " && echo x > x && git add -A && git commit -q -m x && git worktree add -q ../wt");
    Path gitDir = GitDirs.gitDir(dir.resolve("wt/.git"));
    assertThat(gitDir).isEqualTo(dir.resolve("repo/.git/worktrees/wt"));
    assertThat(GitDirs.commonDir(gitDir)).isEqualTo(dir.resolve("repo/.git"));
    assertThat(GitDirs.gitDir(dir.resolve("repo/.git"))).isEqualTo(dir.resolve("repo/.git"));
    assertThat(GitDirs.commonDir(dir.resolve("repo/.git"))).isEqualTo(dir.resolve("repo/.git"));
    assertThat(GitIgnore.forRoot(dir.resolve("wt")).excludeFile()).isEqualTo(dir.resolve("repo/.git/info/exclude"));
    assertThat(GitIgnore.forRoot(dir.resolve("repo"))).extracting(GitIgnore::excludeFile).isEqualTo(dir.resolve("repo/.git/info/exclude"));
    Files.writeString(dir.resolve("broken"), "not a gitdir line\n");
    assertThat(GitDirs.gitDir(dir.resolve("broken"))).isNull();
    assertThat(GitDirs.gitDir(dir.resolve("absent"))).isNull();
  }

  @Test
  void vcsInternalKeys() {
    assertThat(VcsSettle.isVcsInternal(".git")).isTrue();
    assertThat(VcsSettle.isVcsInternal(".git/index.lock")).isTrue();
    assertThat(VcsSettle.isVcsInternal("sub/.git")).isTrue();
    assertThat(VcsSettle.isVcsInternal("vendor/lib/.hg/wlock")).isTrue();
    assertThat(VcsSettle.isVcsInternal(".gitignore")).isFalse();
    assertThat(VcsSettle.isVcsInternal("a.git/x")).isFalse();
    assertThat(VcsSettle.isVcsInternal("x/.github/workflows/ci.yml")).isFalse();
    assertThat(VcsSettle.isVcsInternal(".hgignore")).isFalse();
    assertThat(VcsSettle.isVcsInternal("")).isFalse();
  }

  /**
   * A poller's gate: a scan that begins while a lock exists is held whole, even when the lock is
   * gone before its events arrive (a watch's gate would pass them), and what is held leaves
   * together at the end of the first scan that begins after the operation ended.
   */
  @Test
  void aScanThatBeganDuringAnOperationIsHeldUntilACleanScanEnds() throws Exception {
    Files.createDirectories(dir.resolve(".git"));
    Path lock = dir.resolve(".git/index.lock");
    Files.writeString(lock, "");
    List<ChangeEvent> out = new CopyOnWriteArrayList<>();
    VcsSettle gate = VcsSettle.forScans(dir, Duration.ofSeconds(30), out::add, 100, "poll:" + dir);
    try {
      gate.scanStarting();
      Files.delete(lock); // git finished while the scan ran
      gate.accept(ChangeEvent.of(ChangeKind.DELETED, "a/1.txt"));
      gate.accept(ChangeEvent.of(ChangeKind.CREATED, "b/1.txt"));
      gate.accept(ChangeEvent.of(ChangeKind.CREATED, ".git/index"));
      gate.scanDone();
      assertThat(out).isEmpty();
      gate.scanStarting();
      gate.accept(ChangeEvent.of(ChangeKind.MODIFIED, "common.txt"));
      gate.scanDone();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                gate.scanStarting();
                gate.scanDone();
                return !out.isEmpty();
              });
      assertThat(out).extracting(ChangeEvent::key).containsExactly("a/1.txt", "b/1.txt", "common.txt");
      // Idle again: events pass as they come.
      gate.scanStarting();
      gate.accept(ChangeEvent.of(ChangeKind.CREATED, "after"));
      assertThat(out).extracting(ChangeEvent::key).endsWith("after");
      gate.scanDone();
    } finally {
      gate.cancel();
    }
  }

  private static void sh(Path cwd, String script) throws Exception {
    Process p =
        new ProcessBuilder("bash", "-c", script)
            .directory(cwd.toFile())
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(script).isTrue();
    assertThat(p.exitValue()).as("%s: %s", script, out).isZero();
  }
}
