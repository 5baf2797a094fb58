package io.changeflux.poll.internal;

import static io.changeflux.testkit.Shell.sh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeOps;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * {@code poll:DIR?settle=vcs} with real git operations held open deterministically: a smudge
 * filter (checkout) or an {@code exec} step (rebase) that waits for the test's {@code release}
 * file, while the tree is half-applied. The test lets several scans run in that state, checks that
 * nothing arrived, releases, and expects exactly one batch with the whole switch.
 */
class PollVcsSettleTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @TempDir Path dir;
  /** Outside the polled tree: the blocking script and its {@code blocked} / {@code release} files. */
  @TempDir Path ctl;

  /** One received batch and whether it arrived before the test released the operation. */
  private record Got(List<ChangeEvent> events, boolean beforeRelease) {}

  private final List<Got> batches = new CopyOnWriteArrayList<>();
  private final AtomicInteger scans = new AtomicInteger();
  private Disposable subscription;
  private Process git;

  @AfterEach
  void dispose() throws Exception {
    if (subscription != null) {
      subscription.dispose();
    }
    DirectoryPoller.SCAN_HOOKS.clear();
    Files.writeString(ctl.resolve("release"), ""); // never leave a blocked git behind
    if (git != null) {
      git.waitFor(30, TimeUnit.SECONDS);
      git.destroyForcibly();
    }
  }

  /**
   * Subscribes: every event is noted as it arrives (in {@link #early} while the operation is not
   * released), and batched as a consumer would ({@code debounce} 100 ms).
   */
  private void poll(String query) throws InterruptedException {
    poll("50ms", query);
  }

  private void poll(String interval, String query) throws InterruptedException {
    DirectoryPoller.SCAN_HOOKS.put(dir.toAbsolutePath().normalize(), scans::incrementAndGet);
    CountDownLatch ready = new CountDownLatch(1);
    subscription =
        ChangeSources.open("poll:" + dir + "?interval=" + interval + query)
            .events()
            .doOnNext(
                e -> {
                  if (!released()) {
                    early.add(e);
                  }
                })
            .transform(ChangeOps.debounce(Duration.ofMillis(100), Duration.ofSeconds(10)))
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(b -> batches.add(new Got(b, !released())));
    assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
  }

  private final List<ChangeEvent> early = new CopyOnWriteArrayList<>();

  private boolean released() {
    return Files.exists(ctl.resolve("release"));
  }

  /**
   * A script that, once the test armed it, notes it was reached and waits (at most 60 s) for the
   * test's release; unarmed it returns at once.
   */
  private String blocker() throws Exception {
    Path script = ctl.resolve("block.sh");
    Files.writeString(
        script,
        "[ -e '" + ctl.resolve("armed") + "' ] || exit 0\n"
            + "touch '" + ctl.resolve("blocked") + "'\n"
            + "i=0; while [ ! -e '" + ctl.resolve("release") + "' ] && [ $i -lt 3000 ]; do sleep 0.02; i=$((i+1)); done\n");
    return "sh '" + script + "'";
  }

  /** Starts a git command in the background; it blocks in {@link #blocker()}. */
  private void startGit(String command) throws Exception {
    Files.writeString(ctl.resolve("armed"), "");
    git =
        new ProcessBuilder("bash", "-c", command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ctl.resolve("git.out").toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
  }

  /**
   * Waits until git is blocked and two whole scans ran after that (on a half-applied tree, which
   * {@code halfApplied} checks), then releases git and waits for it to finish.
   */
  private void holdThenRelease(String... halfApplied) throws Exception {
    await().atMost(PATIENCE).until(() -> Files.exists(ctl.resolve("blocked")) || !git.isAlive());
    assertThat(Files.exists(ctl.resolve("blocked"))).as("git reached the blocking step: %s", gitOutput()).isTrue();
    int seen = scans.get();
    await().atMost(PATIENCE).until(() -> scans.get() >= seen + 3);
    for (String p : halfApplied) {
      boolean absent = p.startsWith("!");
      assertThat(Files.exists(dir.resolve(absent ? p.substring(1) : p))).as("half-applied: %s", p).isEqualTo(!absent);
    }
    observedDuringOperation = List.copyOf(early);
    Files.writeString(ctl.resolve("release"), "");
    assertThat(git.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(git.exitValue()).as("%s", gitOutput()).isZero();
  }

  private List<ChangeEvent> observedDuringOperation = List.of();

  private String gitOutput() throws Exception {
    Path out = ctl.resolve("git.out");
    return Files.exists(out) ? Files.readString(out) : "";
  }

  /**
   * Once {@code arrived} holds, a later write: when it is reported, whatever else the operation
   * would bring has come. The batches before it.
   */
  private List<Got> batchesBeforeALaterWrite(java.util.concurrent.Callable<Boolean> arrived) throws Exception {
    await().atMost(PATIENCE).until(arrived);
    Path tmp = Files.createTempFile(ctl, "after", ".tmp");
    Files.move(tmp, dir.resolve("after"), StandardCopyOption.ATOMIC_MOVE);
    await().atMost(PATIENCE).until(() -> keys(ChangeKind.CREATED).contains("after"));
    List<Got> before = List.copyOf(batches);
    return before.subList(0, before.size() - 1);
  }

  private Set<String> keys(ChangeKind kind) {
    return batches.stream()
        .flatMap(g -> g.events().stream())
        .filter(e -> e.kind() == kind)
        .map(ChangeEvent::key)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static Set<String> keys(Got batch, ChangeKind kind) {
    return batch.events().stream()
        .filter(e -> e.kind() == kind)
        .map(ChangeEvent::key)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static Set<String> files(String dirName) {
    Set<String> s = new TreeSet<>();
    for (int i = 1; i <= 12; i++) {
      s.add(dirName + "/" + i + ".txt");
    }
    return s;
  }

  /**
   * main: common.txt and a/1..12.txt; branch b: common.txt changed, b/1..12.txt, no a/. Checking
   * out common.txt (after a/ is removed, b/ written and the old common.txt unlinked) runs a smudge
   * filter that blocks until released, under index.lock.
   */
  private void twoBranches() throws Exception {
    Path smudge = ctl.resolve("smudge.sh");
    Files.writeString(smudge, blocker() + "\nexec cat\n");
    io.changeflux.testkit.GitRepos.twoBranches(dir, "sh '" + smudge + "'", "common.txt");
  }

  @Test
  void aCheckoutIsOneBatchAfterItEnds() throws Exception {
    checkoutIsOneBatch("50ms");
  }

  /**
   * A scan longer after the checkout than the gate's quiet period (150 ms): the hold ends with the
   * first scan that saw the finished tree, not on a timer, so common.txt (written after the release)
   * is still in the one batch.
   */
  @Test
  void aCheckoutIsOneBatchAlsoWhenTheIntervalIsLongerThanTheQuietPeriod() throws Exception {
    checkoutIsOneBatch("600ms");
  }

  private void checkoutIsOneBatch(String interval) throws Exception {
    twoBranches();
    poll(interval, "&settle=vcs");
    startGit("git checkout -q b");
    holdThenRelease("!a/1.txt", "b/12.txt", "!common.txt", ".git/index.lock");
    assertThat(observedDuringOperation).as("nothing while git ran").isEmpty();

    List<Got> checkout =
        batchesBeforeALaterWrite(() -> keys(ChangeKind.DELETED).size() >= 12 && keys(ChangeKind.MODIFIED).contains("common.txt"));
    assertThat(checkout).hasSize(1);
    Got batch = checkout.get(0);
    assertThat(batch.beforeRelease()).isFalse();
    assertThat(keys(batch, ChangeKind.DELETED)).isEqualTo(files("a"));
    assertThat(keys(batch, ChangeKind.CREATED)).isEqualTo(files("b"));
    assertThat(keys(batch, ChangeKind.MODIFIED)).containsExactly("common.txt");
    assertThat(batch.events()).extracting(ChangeEvent::key).noneMatch(k -> k.startsWith(".git"));
  }

  /** The control: without settle the same checkout arrives in pieces, some while git runs. */
  @Test
  void withoutSettleTheSameCheckoutArrivesWhileGitRuns() throws Exception {
    twoBranches();
    poll("&exclude=.git/**");
    startGit("git checkout -q b");
    holdThenRelease("!a/1.txt", "b/12.txt", "!common.txt", ".git/index.lock");
    assertThat(observedDuringOperation).isNotEmpty();
    assertThat(observedDuringOperation).extracting(ChangeEvent::key).contains("a/1.txt", "b/12.txt");
    // unlinked during the checkout, written after it: a DELETED, then (in a later batch) a CREATED
    await().atMost(PATIENCE).until(() -> keys(ChangeKind.CREATED).contains("common.txt"));
    assertThat(keys(ChangeKind.DELETED)).containsAll(files("a"));
  }

  /**
   * topic has t1..t3 (one commit each) on base; main has m. Rebasing topic onto main removes
   * t1..t3, adds m, then picks them back; an exec step after the first pick blocks (rebase-merge/
   * exists, index.lock does not). After: one batch, m.txt created, nothing deleted (t2, t3 came
   * back).
   */
  @Test
  void aMultiCommitRebaseIsOneBatchAfterItEnds() throws Exception {
    sh(
        dir,
        "git init -q -b main && git config user.email t@example.invalid && git config user.name t"
            + " && echo base > base.txt && git add -A && git commit -q -m base"
            + " && git checkout -q -b topic"
            + " && echo t1 > t1.txt && git add -A && git commit -q -m t1"
            + " && echo t2 > t2.txt && git add -A && git commit -q -m t2"
            + " && echo t3 > t3.txt && git add -A && git commit -q -m t3"
            + " && git checkout -q main && echo m > m.txt && git add -A && git commit -q -m m"
            + " && git checkout -q topic");
    poll("&settle=vcs");
    String exec = blocker();
    startGit("git rebase -q -x \"" + exec.replace("\"", "\\\"") + "\" main");
    holdThenRelease("m.txt", "t1.txt", "!t2.txt", "!t3.txt", ".git/rebase-merge", "!.git/index.lock");
    assertThat(observedDuringOperation).as("nothing while the rebase ran").isEmpty();

    List<Got> rebase = batchesBeforeALaterWrite(() -> keys(ChangeKind.CREATED).contains("m.txt"));
    assertThat(rebase).hasSize(1);
    Got batch = rebase.get(0);
    assertThat(batch.beforeRelease()).isFalse();
    assertThat(keys(batch, ChangeKind.CREATED)).containsExactly("m.txt");
    assertThat(keys(batch, ChangeKind.DELETED)).isEmpty();
    assertThat(keys(batch, ChangeKind.MODIFIED)).isSubsetOf("t1.txt", "t2.txt", "t3.txt");
    assertThat(batch.events()).extracting(ChangeEvent::key).noneMatch(k -> k.startsWith(".git"));
  }

  /** A stale index.lock (git killed): held for settleMax, then events flow while it stays. */
  @Test
  void aStaleLockHoldsOnlyForSettleMax() throws Exception {
    sh(dir, "git init -q && touch .git/index.lock");
    poll("&settle=vcs&settleMax=500ms");
    Files.writeString(dir.resolve("one"), "1");
    await().atMost(PATIENCE).until(() -> keys(ChangeKind.CREATED).contains("one"));
    Files.writeString(dir.resolve("two"), "2");
    await().atMost(PATIENCE).until(() -> keys(ChangeKind.CREATED).contains("two"));
    assertThat(Files.exists(dir.resolve(".git/index.lock"))).isTrue();
    assertThat(keys(ChangeKind.CREATED)).doesNotContain(".git/index.lock");
  }

  @Test
  void badSettleOptionsAreErrorsNamingTheKey() {
    assertThatThrownBy(() -> ChangeSources.open("poll:" + dir + "?settle=vcs&settleMax=0s"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("settleMax")
        .hasMessageContaining("must be positive");
    assertThatThrownBy(() -> ChangeSources.open("poll:" + dir + "?settle=git"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("settle")
        .hasMessageContaining("git")
        .hasMessageContaining("vcs");
    assertThat(new io.changeflux.poll.PollProvider().options())
        .extracting(io.changeflux.OptionSpec::name)
        .contains("settle", "settleMax");
  }

}
