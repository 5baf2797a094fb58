package io.changeflux.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.internal.StateCodec;
import io.changeflux.poll.PollProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run --watch --state FILE}: the first start runs everything; a restart after edits made
 * while it was stopped (SIGKILLed or stopped) runs the stages those edits affect at start, and
 * only those.
 */
class RunWatchStateCliTest {

  @TempDir Path tmp;

  private long lines(Path p) throws Exception {
    return Files.exists(p) ? Files.readAllLines(p).size() : 0;
  }

  @Test
  void aRestartRunsTheStagesThatEditsMadeWhileStoppedAffect() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("pro j#%"));
    Files.createDirectories(dir.resolve("src"));
    Files.createDirectories(dir.resolve("docs"));
    Files.writeString(dir.resolve("src/A.java"), "a");
    Path pf = dir.resolve("pipeline.properties");
    Files.writeString(
        pf,
        "debounce=100ms\n"
            + "state=../run.state\n"
            + "stage.build.inputs=src/**\n"
            + "stage.build.command=echo build >> ../ran-build\n"
            + "stage.docs.inputs=docs/**\n"
            + "stage.docs.command=echo docs >> ../ran-docs\n");
    Path ranBuild = tmp.resolve("ran-build");
    Path ranDocs = tmp.resolve("ran-docs");
    try (CliProcess p = CliProcess.start("run", pf.toString(), "--watch")) {
      p.awaitErr("watching ");
      // no state yet: the first wave runs everything
      await().atMost(Duration.ofSeconds(30)).until(() -> lines(ranBuild) == 1 && lines(ranDocs) == 1);
      // a live change, so the state has something acknowledged beyond the baseline
      Files.writeString(dir.resolve("docs/index.md"), "1");
      await().atMost(Duration.ofSeconds(30)).until(() -> lines(ranDocs) == 2);
      // the wave ran and was acknowledged: wait for a checkpoint that holds it, then SIGKILL
      await().atMost(Duration.ofSeconds(30)).until(() -> checkpointed(dir, tmp.resolve("run.state"), "docs/index.md"));
      p.kill();
    }
    // edits while stopped: src only
    Files.writeString(dir.resolve("src/A.java"), "changed while stopped");
    Files.writeString(dir.resolve("src/B.java"), "new while stopped");
    try (CliProcess p = CliProcess.start("run", pf.toString(), "--watch")) {
      p.awaitErr("watching ");
      await().atMost(Duration.ofSeconds(30)).until(() -> lines(ranBuild) == 2);
      // a docs change is the barrier: once it ran, the start-up wave is long over
      Files.writeString(dir.resolve("docs/index.md"), "2");
      await().atMost(Duration.ofSeconds(30)).until(() -> lines(ranDocs) == 3);
      assertThat(lines(ranBuild)).as("build ran once at start, for the edits made while stopped").isEqualTo(2);
      assertThat(lines(ranDocs)).as("docs did not run at start").isEqualTo(3);
      p.signal("TERM");
      assertThat(p.waitFor(Duration.ofSeconds(30))).isZero();
    }
    // stopped cleanly, nothing edited: a restart runs nothing until something changes
    try (CliProcess p = CliProcess.start("run", pf.toString(), "--watch", "--state", tmp.resolve("run.state").toString())) {
      p.awaitErr("watching ");
      Files.writeString(dir.resolve("docs/index.md"), "3");
      await().atMost(Duration.ofSeconds(30)).until(() -> lines(ranDocs) == 4);
      assertThat(lines(ranBuild)).isEqualTo(2);
    }
  }

  /** Whether the state file holds {@code key} as acknowledged and nothing handed out unacknowledged. */
  private static boolean checkpointed(Path root, Path state, String key) {
    for (Path r : new Path[] {root.toAbsolutePath().normalize(), root}) {
      try {
        StateCodec.Decoded d = StateCodec.decodeAll(Files.readAllBytes(state), PollProvider.STATE_KIND, PollProvider.stateRoot(r));
        return d.entries().containsKey(key) && d.pending().isEmpty();
      } catch (Exception notYet) {
        // not written yet, or another spelling of the root
      }
    }
    return false;
  }

  @Test
  void aStateFileInsideTheWatchedRootIsRefusedInOneLine() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("proj"));
    Path pf = dir.resolve("pipeline.properties");
    Files.writeString(pf, "stage.only.inputs=src/**\nstage.only.command=true\n");
    CliProcess p = CliProcess.run("run", pf.toString(), "--watch", "--state", dir.resolve("run.state").toString());
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(p.err).hasSize(1);
    assertThat(p.err.get(0)).contains("state file", "inside the watched root", "--state ../proj.run.state");
  }
  @Test
  void aStateFileInsideTheRootOfAPlainFsOrPollSourceIsRefusedInOneLineExitingTwo() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("tree"));
    for (String scheme : new String[] {"fs", "poll"}) {
      CliProcess p = CliProcess.run("watch", scheme + ":" + dir + "?state=" + dir.resolve("w.state"));
      assertThat(p.exitValue()).as(scheme).isEqualTo(2);
      assertThat(p.err).as(scheme).singleElement().asString().contains("option 'state'", "inside the watched root");
    }
    assertThat(dir.resolve("w.state")).doesNotExist();
  }
}
