package io.changeflux.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunCommandTest {

  @TempDir Path dir;

  @Test
  void runsEveryStageInOrderAndExitsZero() throws Exception {
    Path pf = dir.resolve("p.properties");
    Files.writeString(pf,
        "stage.a.inputs=src/**\nstage.a.outputs=out/**\nstage.a.command=echo a >> log.txt\n"
            + "stage.b.inputs=out/**\nstage.b.command=echo b-$CHANGEFLUX_STAGE >> log.txt\n");
    CliProcess p = CliProcess.run("run", pf.toString());
    assertThat(p.exitValue()).as(p.errText()).isZero();
    assertThat(Files.readAllLines(dir.resolve("log.txt"))).containsExactly("a", "b-b");
    assertThat(p.errText()).contains("[a] ok", "[b] ok");
  }

  @Test
  void aFailingStageSkipsWhatDependsOnItAndExitsOne() throws Exception {
    Path pf = dir.resolve("p.properties");
    Files.writeString(pf,
        "stage.a.inputs=src/**\nstage.a.command=exit 3\n"
            + "stage.b.inputs=x/**\nstage.b.after=a\nstage.b.command=touch b-ran\n"
            + "stage.c.inputs=y/**\nstage.c.command=touch c-ran\n");
    CliProcess p = CliProcess.run("run", pf.toString());
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(p.errText()).contains("[a] FAILED with status 3", "[b] skipped: a failed", "[c] ok");
    assertThat(dir.resolve("b-ran")).doesNotExist();
    assertThat(dir.resolve("c-ran")).exists();
  }

  @Test
  void anInvalidPipelineFileExitsTwo() throws Exception {
    Path pf = dir.resolve("p.properties");
    Files.writeString(pf, "stage.a.inputs=src/**\n");
    CliProcess p = CliProcess.run("run", pf.toString());
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(p.err).singleElement().asString().contains("stage 'a' has no command");
  }
}
