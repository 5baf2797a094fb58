package io.changeflux.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** run --watch on a real tree: affected stages only, outputs ignored, bad pipeline edits kept out. */
class RunWatchCliTest {

  @TempDir Path tmp;

  private long lines(Path p) throws Exception {
    return Files.exists(p) ? Files.readAllLines(p).size() : 0;
  }

  @Test
  void reRunsOnlyAffectedStagesAndNeverLoopsOnItsOutputs() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("proj"));
    Files.createDirectories(dir.resolve("src"));
    Files.createDirectories(dir.resolve("docs"));
    Path pf = dir.resolve("pipeline.properties");
    Files.writeString(pf,
        "debounce=150ms\n"
            + "stage.build.inputs=src/**\n"
            + "stage.build.outputs=out/**\n"
            + "stage.build.command=mkdir -p out && echo built >> out/build.log && echo build >> ../ran-build\n"
            + "stage.check.inputs=x/**\n"
            + "stage.check.after=build\n"
            + "stage.check.command=echo check >> ../ran-check\n"
            + "stage.docs.inputs=docs/**\n"
            + "stage.docs.command=echo docs >> ../ran-docs\n");
    Path ranBuild = tmp.resolve("ran-build");
    Path ranCheck = tmp.resolve("ran-check");
    Path ranDocs = tmp.resolve("ran-docs");
    try (CliProcess p = CliProcess.start("run", pf.toString(), "--watch")) {
      p.awaitErr("watching ");
      // the first wave runs everything
      await().atMost(Duration.ofSeconds(30)).until(() -> lines(ranBuild) == 1 && lines(ranCheck) == 1 && lines(ranDocs) == 1);
      Files.writeString(dir.resolve("docs/index.md"), "x");
      await().atMost(Duration.ofSeconds(30)).until(() -> lines(ranDocs) == 2);
      Files.writeString(dir.resolve("src/A.java"), "x");
      await().atMost(Duration.ofSeconds(30)).until(() -> lines(ranBuild) == 2 && lines(ranCheck) == 2);
      // build wrote out/build.log: outputs are ignored, so nothing else runs; a docs change is the barrier
      Files.writeString(dir.resolve("docs/index.md"), "y");
      await().atMost(Duration.ofSeconds(30)).until(() -> lines(ranDocs) == 3);
      assertThat(lines(ranBuild)).isEqualTo(2);
      assertThat(lines(ranDocs)).isEqualTo(3);
      // an invalid edit of the pipeline keeps the last valid one
      Files.writeString(pf, Files.readString(pf) + "stage.broken.inputs=z/**\n");
      await().atMost(Duration.ofSeconds(30)).until(() -> p.errText().contains("keeping the last valid pipeline"));
      Files.writeString(dir.resolve("docs/index.md"), "z");
      await().atMost(Duration.ofSeconds(30)).until(() -> lines(ranDocs) == 4);
    }
  }

  @Test
  void onATerminalFForcesAFullRunAndQQuits() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("proj"));
    Path pf = dir.resolve("pipeline.properties");
    Files.writeString(pf, "stage.only.inputs=src/**\nstage.only.command=echo ran >> ../ran-only\n");
    Path ran = tmp.resolve("ran-only");
    try (CliProcess p = CliProcess.startInTerminal(dir, "run", pf.toString(), "--watch")) {
      await().atMost(Duration.ofSeconds(60)).until(() -> String.join("\n", p.out).contains("watching "));
      await().atMost(Duration.ofSeconds(30)).until(() -> lines(ran) == 1);
      p.type("f");
      await().atMost(Duration.ofSeconds(30)).until(() -> lines(ran) == 2);
      assertThat(String.join("\n", p.out)).contains("full run requested");
      p.type("q");
      assertThat(p.waitFor(Duration.ofSeconds(30))).isZero();
    }
  }
}
