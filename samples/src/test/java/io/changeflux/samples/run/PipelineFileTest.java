package io.changeflux.samples.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changeflux.ChangeSourceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineFileTest {

  @TempDir Path dir;

  private PipelineFile write(String text) throws Exception {
    Path f = dir.resolve("pipeline.properties");
    Files.writeString(f, text);
    return PipelineFile.read(f);
  }

  private static List<String> names(List<PipelineFile.Stage> stages) {
    return stages.stream().map(PipelineFile.Stage::name).collect(Collectors.toList());
  }

  static final String THREE_STAGES =
      "debounce=100ms\n"
          + "stage.gen.inputs=schema/**\n"
          + "stage.gen.outputs=src/generated/**\n"
          + "stage.gen.command=true\n"
          + "stage.compile.inputs=src/**/*.java\n"
          + "stage.compile.outputs=build/classes/**\n"
          + "stage.compile.command=true\n"
          + "stage.docs.inputs=docs/**\n"
          + "stage.docs.command=true\n"
          + "stage.test.inputs=test/**\n"
          + "stage.test.after=compile\n"
          + "stage.test.command=true\n";

  @Test
  void readsStagesInDeclarationOrderWithDefaults() throws Exception {
    PipelineFile pf = write(THREE_STAGES);
    assertThat(names(pf.stages())).containsExactly("gen", "compile", "docs", "test");
    assertThat(pf.debounce()).isEqualTo(Duration.ofMillis(100));
    assertThat(pf.maxWait()).isEqualTo(Duration.ofSeconds(5));
    assertThat(pf.root()).isEqualTo(dir.toAbsolutePath());
    assertThat(pf.outputs()).containsExactly("src/generated/**", "build/classes/**");
  }

  @Test
  void aChangeRunsOnlyTheStagesThatUseItAndThoseDownstream() throws Exception {
    PipelineFile pf = write(THREE_STAGES);
    assertThat(names(pf.affected(List.of("docs/index.md")))).containsExactly("docs");
    assertThat(names(pf.affected(List.of("src/main/A.java")))).containsExactly("compile", "test");
    // gen's outputs are under compile's inputs: gen → compile → test
    assertThat(names(pf.affected(List.of("schema/a.json")))).containsExactly("gen", "compile", "test");
    assertThat(names(pf.affected(List.of("README.md")))).isEmpty();
    assertThat(names(pf.affected(List.of("test/ATest.java", "docs/x")))).containsExactly("docs", "test");
    assertThat(names(pf.all())).containsExactly("gen", "compile", "docs", "test");
  }

  @Test
  void doubleStarSlashMatchesAtTheTopToo() {
    assertThat(PipelineFile.globMatches("**/*.java", "A.java")).isTrue();
    assertThat(PipelineFile.globMatches("**/*.java", "a/b/A.java")).isTrue();
    assertThat(PipelineFile.globMatches("src/**", "src/a/b")).isTrue();
    assertThat(PipelineFile.globMatches("src/**", "srcx/a")).isFalse();
  }

  @Test
  void invalidFilesAreOneLineErrorsNamingTheProblem() throws Exception {
    assertThatThrownBy(() -> write("stage.a.inputs=x\n"))
        .isInstanceOf(ChangeSourceException.class).hasMessageContaining("stage 'a' has no command");
    assertThatThrownBy(() -> write("stage.a.command=true\n"))
        .hasMessageContaining("stage 'a' has no inputs");
    assertThatThrownBy(() -> write("stage.a.inputs=x\nstage.a.command=true\nstage.a.afterr=b\n"))
        .hasMessageContaining("unknown stage key 'stage.a.afterr'");
    assertThatThrownBy(() -> write("stage.a.inputs=x\nstage.a.command=true\nstage.a.after=zzz\n"))
        .hasMessageContaining("unknown stage 'zzz'");
    assertThatThrownBy(() -> write("bogus=1\nstage.a.inputs=x\nstage.a.command=true\n"))
        .hasMessageContaining("unknown key 'bogus'");
    assertThatThrownBy(() -> write("debounce=soon\nstage.a.inputs=x\nstage.a.command=true\n"))
        .hasMessageContaining("bad value 'soon' for 'debounce'");
    assertThatThrownBy(() -> write("root=nope\nstage.a.inputs=x\nstage.a.command=true\n"))
        .hasMessageContaining("root 'nope' is not a directory");
    assertThatThrownBy(() -> write("# nothing\n")).hasMessageContaining("no stages");
    assertThatThrownBy(
            () -> write("stage.a.inputs=x\nstage.a.after=b\nstage.a.command=true\nstage.b.inputs=y\nstage.b.after=a\nstage.b.command=true\n"))
        .hasMessageContaining("cycle");
    assertThatThrownBy(() -> PipelineFile.read(dir.resolve("missing.properties")))
        .hasMessageContaining("pipeline file not found");
  }
}
