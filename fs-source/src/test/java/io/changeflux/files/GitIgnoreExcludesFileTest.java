package io.changeflux.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code core.excludesFile} (the user's global ignore file) as git reads it, below {@code
 * .git/info/exclude} and every {@code .gitignore}: compared with {@code git check-ignore} on a real
 * repository, git and {@link GitIgnore} given the same {@code HOME} and {@code XDG_CONFIG_HOME}.
 */
class GitIgnoreExcludesFileTest {

  @TempDir Path dir;

  @AfterEach
  void restore() {
    GitIgnore.env = System::getenv;
  }

  private static final List<String> FILES =
      List.of(
          "a.secret", "keep.secret", "sub/b.secret", "sub/c.secret", "top-only", "sub/top-only",
          "x.bak", "sub/y.bak", "plain.txt", "info.secret");

  @Test
  void theDefaultXdgIgnoreFileIsTheLowestPrecedenceSource() throws Exception {
    Path home = dir.resolve("home");
    Path xdg = dir.resolve("xdg");
    Files.createDirectories(xdg.resolve("git"));
    Files.writeString(xdg.resolve("git/ignore"), "*.secret\n/top-only\n!keep.secret\n*.bak\n");
    Map<String, String> env = Map.of("HOME", home.toString(), "XDG_CONFIG_HOME", xdg.toString());
    Path repo = repo(env);
    Set<String> expected = GitIgnoreTest.checkIgnore(repo, new TreeSet<>(FILES), env);
    assertThat(expected)
        .as("git sees the global file, and the repository's own files win over it")
        .contains("a.secret", "sub/b.secret", "top-only", "x.bak", "info.secret", "sub/y.bak")
        .doesNotContain("keep.secret", "sub/c.secret", "sub/top-only", "plain.txt");
    agree(repo, env, expected);
  }

  @Test
  void coreExcludesFileInTheGlobalConfigIsReadWithItsTilde() throws Exception {
    Path home = dir.resolve("home");
    Files.createDirectories(home);
    Files.writeString(home.resolve(".gitconfig"), "[core]\n\texcludesFile = ~/my-ignore\n");
    Files.writeString(home.resolve("my-ignore"), "*.secret\n");
    // An XDG file that git does not read once core.excludesFile is set.
    Path xdg = dir.resolve("xdg");
    Files.createDirectories(xdg.resolve("git"));
    Files.writeString(xdg.resolve("git/ignore"), "*.bak\n");
    Map<String, String> env = Map.of("HOME", home.toString(), "XDG_CONFIG_HOME", xdg.toString());
    Path repo = repo(env);
    Set<String> expected = GitIgnoreTest.checkIgnore(repo, new TreeSet<>(FILES), env);
    assertThat(expected).contains("a.secret", "keep.secret").doesNotContain("x.bak", "sub/c.secret");
    agree(repo, env, expected);
  }

  @Test
  void noGlobalFileChangesNothing() throws Exception {
    Map<String, String> env = Map.of("HOME", dir.resolve("empty-home").toString(), "XDG_CONFIG_HOME", dir.resolve("none").toString());
    Path repo = repo(env);
    Set<String> expected = GitIgnoreTest.checkIgnore(repo, new TreeSet<>(FILES), env);
    assertThat(expected).containsOnly("sub/y.bak", "info.secret");
    agree(repo, env, expected);
  }

  /** A repository whose own files re-include some of what the global file ignores. */
  private Path repo(Map<String, String> env) throws Exception {
    Path repo = dir.resolve("repo");
    Files.createDirectories(repo.resolve("sub"));
    io.changeflux.testkit.Shell.sh(repo, "git init -q");
    Files.writeString(repo.resolve("sub/.gitignore"), "!c.secret\n!y.bak\ny.bak\n");
    Files.writeString(repo.resolve(".git/info/exclude"), "info.secret\n");
    for (String f : FILES) {
      Files.writeString(repo.resolve(f), "");
    }
    return repo;
  }

  private void agree(Path repo, Map<String, String> env, Set<String> expected) {
    GitIgnore.env = env::get;
    GitIgnore ignore = GitIgnore.forRoot(repo);
    for (String f : FILES) {
      assertThat(ignore.ignored(f)).as(f).isEqualTo(expected.contains(f));
    }
  }
}
