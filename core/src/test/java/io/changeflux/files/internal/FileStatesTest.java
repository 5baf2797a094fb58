package io.changeflux.files.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.files.FileState;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A state whose path is made when first asked is the same as one made with that path. */
class FileStatesTest {

  private static final Path ROOT = Path.of("/srv/tree");

  @Test
  void aLazyStateHasThePathTextAndStatOfAnEagerOne() {
    PackedKey key = new PackedKey(0xfe00, 42);
    FileState lazy = FileStates.lazy(ROOT, "a/b/c.txt", 12, -1_500_000_000L, key);
    FileState eager = new FileState(ROOT.resolve("a/b/c.txt"), 12, -1_500_000_000L, null, key);
    assertThat(lazy.toString()).isEqualTo(eager.toString());
    assertThat(lazy.path()).isEqualTo(eager.path()).isEqualTo(Path.of("/srv/tree/a/b/c.txt"));
    assertThat(lazy.path()).isSameAs(lazy.path()); // made once
    assertThat(lazy.sameStat(eager)).isTrue();
    assertThat(eager.sameStat(lazy)).isTrue();
    assertThat(lazy.fileKey()).isEqualTo(key);
    assertThat(lazy.sha()).isNull();
    assertThat(lazy.version()).isEqualTo(eager.version());
  }

  @Test
  void aShaAddedToALazyStateKeepsItsPath() {
    FileState lazy = FileStates.lazy(ROOT, "x", 1, 2, null);
    FileState hashed = lazy.withSha("ab");
    assertThat(hashed.path()).isEqualTo(ROOT.resolve("x"));
    assertThat(hashed.sha()).isEqualTo("ab");
    assertThat(hashed.toString()).isEqualTo(new FileState(ROOT.resolve("x"), 1, 2, "ab").toString());
    assertThat(lazy.sha()).isNull();
  }
}
