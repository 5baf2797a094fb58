package io.changeflux.fs.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fs's polling fallback ({@code fallback=poll} here, as after an inotify watch limit) leaves out
 * what native watching leaves out: the directories git ignores ({@code gitignore=true}) and those
 * {@code exclude=X/**} drops whole are never listed. Observed through the state file, which holds
 * every file the first scan listed, and through the events.
 */
class FsFallbackPruningTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @TempDir Path tmp;

  private Path tree() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root"));
    Files.writeString(root.resolve("keep.txt"), "k");
    Files.createDirectories(root.resolve("build/deep"));
    Files.writeString(root.resolve("build/old.txt"), "o");
    Files.writeString(root.resolve("build/deep/older.txt"), "o");
    return root;
  }

  @Test
  void anIgnoredDirectoryIsNeverListedNorItsDeletionsReported() throws Exception {
    Path root = tree();
    Files.writeString(root.resolve(".gitignore"), "build/\n");
    Path state = tmp.resolve("s.state");
    try (StateRun r = new StateRun("fs:" + root + "?fallback=poll&pollInterval=100ms&gitignore=true&state=" + state + "&checkpoint=50ms")) {
      await().atMost(PATIENCE).until(() -> StateRun.storedKeysAre(state, root, Set.of("keep.txt", ".gitignore")));
      Files.delete(root.resolve("build/old.txt")); // a file no one saw: its DELETED is not news
      Files.writeString(root.resolve("build/new.txt"), "n");
      Files.writeString(root.resolve("marker"), "m");
      await().atMost(PATIENCE).until(() -> r.changes().contains("CREATED marker"));
      Files.writeString(root.resolve("marker2"), "m"); // a later scan: build/ had its chance
      await().atMost(PATIENCE).until(() -> r.changes().contains("CREATED marker2"));
      assertThat(r.changes()).noneMatch(c -> c.contains("build/"));
      assertThat(StateRun.stored(state, root).keySet()).noneMatch(k -> k.startsWith("build/"));
    }
  }

  @Test
  void aDirectoryExcludedWholeIsNeverListed() throws Exception {
    Path root = tree();
    Path state = tmp.resolve("s.state");
    try (StateRun r = new StateRun("fs:" + root + "?fallback=poll&pollInterval=100ms&exclude=build/**&state=" + state + "&checkpoint=50ms")) {
      await().atMost(PATIENCE).until(() -> StateRun.storedKeysAre(state, root, Set.of("keep.txt")));
      Files.writeString(root.resolve("build/new.txt"), "n");
      Files.writeString(root.resolve("marker"), "m");
      await().atMost(PATIENCE).until(() -> r.changes().contains("CREATED marker"));
      Files.writeString(root.resolve("marker2"), "m");
      await().atMost(PATIENCE).until(() -> r.changes().contains("CREATED marker2"));
      assertThat(r.changes()).noneMatch(c -> c.contains("build/"));
      // acknowledged, then checkpointed: the state file follows shortly
      await().atMost(PATIENCE).until(() -> StateRun.storedKeysAre(state, root, Set.of("keep.txt", "marker", "marker2")));
    }
  }
}
