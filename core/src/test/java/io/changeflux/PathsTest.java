package io.changeflux;

import static io.changeflux.Events.acked;
import static io.changeflux.Events.modified;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changeflux.internal.Globs;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

class PathsTest {

  @ParameterizedTest(name = "{0} ~ {1} = {2}")
  @CsvSource({
    "**/*.java, A.java, true",
    "**/*.java, src/main/A.java, true",
    "**/*.java, src/main/A.javax, false",
    "*.java, A.java, true",
    "*.java, src/A.java, false",
    "target/**, target, true",
    "target/**, target/classes/A.class, true",
    "target/**, targets/x, false",
    "src/**/test/*.txt, src/test/a.txt, true",
    "src/**/test/*.txt, src/a/b/test/a.txt, true",
    "src/**/test/*.txt, src/a/b/test/x/a.txt, false",
    "file?.txt, file1.txt, true",
    "file?.txt, file12.txt, false",
    "'*.{java,kt}', B.kt, true",
    "'*.{java,kt}', B.scala, false",
    "[ab]*.md, a1.md, true",
    "[!ab]*.md, a1.md, false",
    "docs/a+b (1).md, docs/a+b (1).md, true",
    "/build/**, build/x, true",
    "**, any/thing/at/all, true"
  })
  void globs(String glob, String key, boolean matches) {
    assertThat(Globs.compile(glob).test(key)).isEqualTo(matches);
  }

  @Test
  void malformedGlobIsNamed() {
    assertThatThrownBy(() -> Globs.compile("src/{a,b")).hasMessageContaining("src/{a,b");
    assertThatThrownBy(() -> Globs.compile("[abc")).hasMessageContaining("[abc");
  }

  @Test
  void includeThenExcludeAndOverflowAlwaysPasses() {
    List<String> log = Events.log();
    List<String> kept =
        Flux.just(
                modified("src/A.java"),
                modified("target/gen/B.java"),
                modified("README.md"),
                ChangeEvent.overflow(""),
                acked(ChangeKind.CREATED, "target/x.java", "dropped", log))
            .transform(ChangeOps.paths(List.of("**/*.java"), List.of("target/**")))
            .map(ChangeEvent::key)
            .collectList()
            .block();
    assertThat(kept).containsExactly("src/A.java", "");
    assertThat(log).containsExactly("ack:dropped");
  }

  @Test
  void noIncludeMeansEverything() {
    assertThat(
            Flux.just(modified("a"), modified("b/c"))
                .transform(ChangeOps.paths(List.of(), List.of()))
                .count()
                .block())
        .isEqualTo(2);
  }

  @Test
  void ignoreDropsEventsUnderTheGivenPaths(@org.junit.jupiter.api.io.TempDir Path dir) {
    Path out = dir.resolve("out");
    ChangeEvent inOut = ChangeEvent.builder(ChangeKind.CREATED, "out/report.html").path(out.resolve("report.html")).build();
    ChangeEvent outItself = ChangeEvent.builder(ChangeKind.CREATED, "out").path(out).build();
    ChangeEvent sibling = ChangeEvent.builder(ChangeKind.CREATED, "output/x").path(dir.resolve("output/x")).build();
    ChangeEvent noPath = modified("channel");
    List<String> kept =
        Flux.just(inOut, outItself, sibling, noPath)
            .transform(ChangeOps.ignore(List.of(dir.resolve("x/../out"))))
            .map(ChangeEvent::key)
            .collect(Collectors.toList())
            .block();
    assertThat(kept).containsExactly("output/x", "channel");
  }
}
