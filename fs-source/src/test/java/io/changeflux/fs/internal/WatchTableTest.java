package io.changeflux.fs.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class WatchTableTest {

  @Test
  void randomPutsAndRemovalsAgreeWithAHashMap() {
    Random rnd = new Random(18);
    WatchTable t = new WatchTable();
    Map<Integer, Path> ref = new HashMap<>();
    for (int step = 0; step < 200_000; step++) {
      int wd = rnd.nextInt(step < 100_000 ? 5_000 : 300);
      int op = rnd.nextInt(3);
      if (op == 0) {
        Path p = Path.of("/w", "d" + (wd % 7), "e" + wd);
        t.put(wd, p);
        ref.put(wd, p);
      } else if (op == 1) {
        assertThat(t.remove(wd)).isEqualTo(ref.remove(wd));
      } else {
        assertThat(t.get(wd)).isEqualTo(ref.get(wd));
      }
      assertThat(t.size()).isEqualTo(ref.size());
    }
    for (int wd = 0; wd < 5_000; wd++) {
      assertThat(t.get(wd)).isEqualTo(ref.get(wd));
    }
    assertThat(t.paths()).containsExactlyInAnyOrderElementsOf(ref.values());
    Path d3 = Path.of("/w", "d3");
    assertThat(IntStream.of(t.under(d3)).boxed().collect(Collectors.toSet()))
        .isEqualTo(
            ref.entrySet().stream()
                .filter(e -> e.getValue().startsWith(d3))
                .map(Map.Entry::getKey)
                .collect(Collectors.toSet()));
  }
}
