package io.changeflux.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.changeflux.internal.StateCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

/**
 * {@code git:REPO?state=PATH} on a real repository: a restart after commits made while stopped
 * emits the branch's move once (nothing when it did not move), an unacknowledged move comes again,
 * and a foreign state file gives OVERFLOW and the current commit (or an error with {@code
 * stateMismatch=fail}).
 */
class GitStateTest {

  static final Duration PATIENCE = Duration.ofSeconds(30);

  @TempDir Path tmp;

  /** One subscription until closed. */
  static final class Run implements AutoCloseable {
    final List<ChangeEvent> events = new CopyOnWriteArrayList<>();
    final Disposable d;

    Run(String uri) throws InterruptedException {
      CountDownLatch ready = new CountDownLatch(1);
      d = ChangeSources.open(uri).events().contextWrite(ChangeSources.onReady(ready::countDown)).subscribe(events::add);
      assertThat(ready.await(30, TimeUnit.SECONDS)).as("ready").isTrue();
    }

    @Override
    public void close() {
      d.dispose();
    }
  }

  String storedCommit(Path state, GitRepo repo) throws Exception {
    var entries =
        StateCodec.decode(
            Files.readAllBytes(state), "git", repo.dir.resolve(".git").toRealPath().toString());
    var e = entries.get("main");
    return e == null ? null : e.id();
  }

  @Test
  void restartEmitsTheMoveSinceOnceAndNothingWhenTheBranchStayed() throws Exception {
    GitRepo repo = GitRepo.init(tmp.resolve("repo"));
    Path state = tmp.resolve("git.state");
    String uri = "git:" + repo.dir + "?branch=main&state=" + state + "&checkpoint=50ms";
    String first = repo.head();
    try (Run r = new Run(uri)) {
      await().atMost(PATIENCE).until(() -> Files.exists(state) && first.equals(storedCommit(state, repo)));
      assertThat(r.events).isEmpty();
    }
    repo.commit("while stopped 1");
    String second = repo.commit("while stopped 2");
    try (Run r = new Run(uri)) {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.events).hasSize(1));
      assertThat(r.events.get(0).kind()).isEqualTo(ChangeKind.MODIFIED);
      assertThat(r.events.get(0).sha()).contains(second);
      await().atMost(PATIENCE).until(() -> second.equals(storedCommit(state, repo)));
      String live = repo.commit("live");
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.events).hasSize(2));
      assertThat(r.events.get(1).sha()).contains(live);
      await().atMost(PATIENCE).until(() -> live.equals(storedCommit(state, repo)));
    }
    try (Run r = new Run(uri)) {
      String marker = repo.commit("marker");
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.events).isNotEmpty());
      assertThat(r.events).as("the branch had not moved while stopped: only the live commit").hasSize(1);
      assertThat(r.events.get(0).sha()).contains(marker);
    }
  }

  @Test
  void anUnacknowledgedMoveComesAgain() throws Exception {
    GitRepo repo = GitRepo.init(tmp.resolve("repo"));
    Path state = tmp.resolve("git.state");
    String uri = "git:" + repo.dir + "?branch=main&state=" + state + "&checkpoint=50ms&ack=manual";
    try (Run r = new Run(uri)) {
      await().atMost(PATIENCE).until(() -> Files.exists(state));
    }
    String moved = repo.commit("while stopped");
    try (Run r = new Run(uri)) {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.events).hasSize(1));
      // not acknowledged
    }
    try (Run r = new Run(uri)) {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.events).hasSize(1));
      assertThat(r.events.get(0).sha()).contains(moved);
      r.events.get(0).ack();
      await().atMost(PATIENCE).until(() -> moved.equals(storedCommit(state, repo)));
    }
    try (Run r = new Run(uri)) {
      String marker = repo.commit("marker");
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.events).isNotEmpty());
      assertThat(r.events).hasSize(1);
      assertThat(r.events.get(0).sha()).contains(marker);
    }
  }

  @Test
  void aForeignStateFileGivesOverflowAndTheCurrentCommitOrFails() throws Exception {
    GitRepo repo = GitRepo.init(tmp.resolve("repo"));
    Path state = tmp.resolve("git.state");
    Files.write(state, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    StepVerifier.create(
            ChangeSources.open("git:" + repo.dir + "?branch=main&state=" + state + "&stateMismatch=fail").events())
        .expectErrorSatisfies(
            e -> assertThat(e).isInstanceOf(ChangeSourceException.class).hasMessageContaining(state.toString()))
        .verify(PATIENCE);
    try (Run r = new Run("git:" + repo.dir + "?branch=main&state=" + state + "&checkpoint=50ms")) {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.events).hasSize(2));
      assertThat(r.events.get(0).kind()).isEqualTo(ChangeKind.OVERFLOW);
      assertThat(r.events.get(1).kind()).isEqualTo(ChangeKind.CREATED);
      assertThat(r.events.get(1).sha()).contains(repo.head());
      await().atMost(PATIENCE).until(() -> repo.head().equals(storedCommit(state, repo)));
    }
  }
}
