package io.changeflux;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.internal.Globs;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link ChangeOps#excludedDirectories}: a directory is pruned only when the exclude glob drops
 * everything below it, so that a file source that never looks inside it loses nothing.
 */
class ExcludedDirectoriesTest {

  @ParameterizedTest(name = "{0}: {1} pruned = {2}")
  @CsvSource({
    "target/**, target, true",
    "target/**, a/target, false",
    "target/**, targets, false",
    "/build/**, build, true",
    "**/node_modules/**, node_modules, true",
    "**/node_modules/**, web/app/node_modules, true",
    "**/node_modules/**, node_modules_x, false",
    "**/*.tmp, tmp, false",
    "*.log, logs, false",
    "'{a,b}/**', b, true",
    "'{a,b}/**', c, false",
    "gen/*/**, gen/x, true",
    "gen/*/**, gen, false",
  })
  void prunesOnlyWhatTheGlobDropsWhole(String glob, String dir, boolean pruned) {
    Predicate<String> p = ChangeOps.excludedDirectories(List.of(glob));
    assertThat(p.test(dir)).isEqualTo(pruned);
    if (pruned) {
      Predicate<String> excluded = Globs.compile(glob);
      for (String below : List.of("f", "x/y.java", "deep/er/z")) {
        assertThat(excluded.test(dir + "/" + below)).as("%s/%s is excluded", dir, below).isTrue();
      }
    }
  }
}
