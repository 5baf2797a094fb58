package io.changeflux.files;

import static io.changeflux.testkit.Shell.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ignore files that are not what they seem — FIFOs (whose open blocks until a writer comes),
 * links, directories, huge files, patterns that make a backtracking matcher explode — never hang
 * or flood {@link GitIgnore}: each is skipped or capped with one warning naming it, and where git
 * has a rule for it (a linked {@code .gitignore} is not followed, a file of 100 MiB or more is
 * skipped, a byte order mark only counts at the start) the verdicts are git's.
 */
class GitIgnoreHostileFilesTest {

  private static final Duration AT_MOST = Duration.ofSeconds(20);

  @TempDir Path dir;
  private Path repo;
  private Map<String, String> env;

  @BeforeEach
  void repo() throws Exception {
    repo = dir.resolve("repo");
    Files.createDirectories(repo.resolve("sub"));
    sh(repo, "git init -q");
    // git and GitIgnore see the same (empty) user configuration.
    Path home = Files.createDirectories(dir.resolve("home"));
    env = Map.of("HOME", home.toString(), "XDG_CONFIG_HOME", home.resolve(".config").toString());
    GitIgnore.env = env::get;
  }

  @AfterEach
  void restore() {
    GitIgnore.env = System::getenv;
  }

  @Test
  void fifoIgnoreFilesAreSkippedWithOneWarningEachAndNeverBlock() throws Exception {
    Path fifoExcludes = dir.resolve("excludes.fifo");
    sh(repo, "mkfifo .gitignore sub/.ignore && rm -f .git/info/exclude && mkfifo .git/info/exclude && mkfifo " + fifoExcludes);
    Files.writeString(dir.resolve("home/.gitconfig"), "[core]\n\texcludesFile = " + fifoExcludes + "\n");
    Files.writeString(repo.resolve("sub/.gitignore"), "*.log\n");
    GitIgnore ignore =
        assertTimeoutPreemptively(
            AT_MOST,
            () -> {
              GitIgnore g = GitIgnore.forRoot(repo);
              for (int i = 0; i < 3; i++) {
                assertThat(g.ignored("sub/a.log")).isTrue();
                assertThat(g.ignored("a.txt")).isFalse();
                assertThat(g.ignored("sub/deeper/b.log")).isTrue();
                g.changed(".gitignore"); // read again: still skipped, still not blocking
                g.changed("sub/.ignore");
                g.changed(".git/info/exclude");
              }
              return g;
            });
    for (Path fifo : List.of(repo.resolve(".gitignore"), repo.resolve("sub/.ignore"), repo.resolve(".git/info/exclude"), fifoExcludes)) {
      assertThat(ignore.warnings()).as("one warning for %s", fifo).filteredOn(w -> w.startsWith(fifo + " ")).hasSize(1);
    }
    assertThat(ignore.warnings()).allMatch(w -> w.contains("not a regular file"));
  }

  /** git itself blocks reading a FIFO config: GitIgnore must not wait for it to ask for core.excludesFile. */
  @Test
  void aFifoRepositoryConfigDoesNotBlockTheStart() throws Exception {
    sh(repo, "mv .git/config .git/config.real && mkfifo .git/config");
    Files.writeString(repo.resolve(".gitignore"), "*.log\n");
    GitIgnore ignore =
        assertTimeoutPreemptively(
            AT_MOST,
            () -> {
              GitIgnore g = GitIgnore.forRoot(repo);
              assertThat(g.ignored("a.log")).isTrue();
              assertThat(g.ignored("a.txt")).isFalse();
              return g;
            });
    assertThat(ignore.warnings()).singleElement().asString().startsWith(repo.resolve(".git/config") + " ");
  }

  @Test
  void aGitignoreThatIsALinkOutOfTheTreeIsNotFollowedAsGitDoesNot() throws Exception {
    Path outside = dir.resolve("outside-ignore");
    Files.writeString(outside, "*.log\nsecret\n");
    Files.createSymbolicLink(repo.resolve(".gitignore"), outside);
    Files.createSymbolicLink(repo.resolve("sub/.ignore"), outside);
    Files.writeString(repo.resolve("sub/.gitignore"), "*.tmp\n");
    Set<String> files = new TreeSet<>(List.of("a.log", "secret", "sub/b.log", "sub/c.tmp", "sub/secret", "x.txt"));
    Set<String> expected = GitIgnoreTest.checkIgnore(repo, files, env);
    assertThat(expected).as("git does not follow the links").containsExactly("sub/c.tmp");
    GitIgnore ignore = GitIgnore.forRoot(repo);
    for (String f : files) {
      assertThat(ignore.ignored(f)).as(f).isEqualTo(expected.contains(f));
    }
    assertThat(ignore.warnings()).hasSize(2).allMatch(w -> w.contains("symbolic link"));
  }

  @Test
  void aDirectoryNamedGitignoreIsSkipped() throws Exception {
    Files.createDirectories(repo.resolve(".gitignore"));
    Files.writeString(repo.resolve(".gitignore/inner"), "*\n");
    Files.writeString(repo.resolve("sub/.gitignore"), "*.log\n");
    Set<String> files = new TreeSet<>(List.of("a.log", "sub/b.log", "x.txt", ".gitignore/inner"));
    Set<String> expected = GitIgnoreTest.checkIgnore(repo, files, env);
    GitIgnore ignore = GitIgnore.forRoot(repo);
    for (String f : files) {
      assertThat(ignore.ignored(f)).as(f).isEqualTo(expected.contains(f));
    }
    assertThat(expected).containsExactly("sub/b.log");
    assertThat(ignore.warnings()).singleElement().asString().contains("is a directory");
  }

  /**
   * 200 MB (sparse): at git's limit or above, skipped whole, as git does since its {@code
   * PATTERN_MAX_FILE_SIZE} (git 2.39, on some CI images, still reads it whole) — and never read.
   */
  @Test
  void anIgnoreFileOverGitsLimitIsSkippedWholeWithoutBeingRead() throws Exception {
    Path big = repo.resolve(".gitignore");
    try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
      f.write("*.log\n".getBytes(StandardCharsets.US_ASCII));
      f.setLength(200L * 1024 * 1024);
    }
    Files.writeString(repo.resolve("sub/.gitignore"), "*.tmp\n");
    Set<String> files = new TreeSet<>(List.of("a.log", "sub/b.tmp", "x.txt"));
    Set<String> expected = Set.of("sub/b.tmp");
    long before = allocated();
    GitIgnore ignore = GitIgnore.forRoot(repo);
    for (String f : files) {
      assertThat(ignore.ignored(f)).as(f).isEqualTo(expected.contains(f));
    }
    assertThat(allocated() - before).as("bytes allocated reading it").isLessThan(16L * 1024 * 1024);
    assertThat(ignore.warnings()).singleElement().asString().startsWith(big + " ").contains("100 MiB");
  }

  /** Under git's limit but over the cap: the first MAX_READ_BYTES are applied, the rest not, with one warning. */
  @Test
  void aLargeIgnoreFileIsReadUpToTheCapWithOneWarning() throws Exception {
    Path big = repo.resolve(".gitignore");
    StringBuilder text = new StringBuilder("first.log\n");
    String filler = "#" + "x".repeat(98) + "\n";
    while (text.length() < GitIgnore.MAX_READ_BYTES * 20) {
      text.append(filler);
    }
    text.append("last.log\n");
    Files.writeString(big, text, StandardCharsets.US_ASCII);
    long before = allocated();
    GitIgnore ignore = GitIgnore.forRoot(repo);
    assertThat(ignore.ignored("first.log")).isTrue();
    assertThat(ignore.ignored("last.log")).as("past the cap").isFalse();
    assertThat(ignore.ignored("x.txt")).isFalse();
    assertThat(allocated() - before).as("bytes allocated reading it").isLessThan(8L * GitIgnore.MAX_READ_BYTES);
    ignore.changed(".gitignore");
    assertThat(ignore.ignored("first.log")).isTrue();
    assertThat(ignore.warnings()).singleElement().asString().startsWith(big + " ").contains(String.valueOf(GitIgnore.MAX_READ_BYTES));
  }

  @Test
  void patternsPastTheCapAreDroppedWithOneWarning() throws Exception {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 100_000; i++) {
      text.append(String.format("p%05d%n", i));
    }
    Files.writeString(repo.resolve(".gitignore"), text, StandardCharsets.US_ASCII);
    GitIgnore ignore = GitIgnore.forRoot(repo);
    assertThat(ignore.ignored("p00005")).isTrue();
    assertThat(ignore.ignored("sub/p09999")).isTrue();
    assertThat(ignore.ignored("p10000")).as("the first past the cap").isFalse();
    assertThat(ignore.ignored("p99999")).isFalse();
    assertThat(ignore.warnings()).singleElement().asString().contains(String.valueOf(GitIgnore.MAX_RULES));
  }

  /**
   * {@code *a*a*a*a*a*a*b} against a 200-byte name of {@code a}s: a backtracking regular
   * expression takes minutes (four stars already 38 s; git's own wildmatch over a minute); the
   * NFA matcher answers at once.
   */
  @Test
  void aBacktrackingPatternDoesNotStallTheMatcher() throws Exception {
    Files.writeString(repo.resolve(".gitignore"), "*a*a*a*a*a*a*b\n/**/a*a*a*a*a*a*c/\n");
    String name = "a".repeat(200);
    assertTimeoutPreemptively(
        AT_MOST,
        () -> {
          GitIgnore ignore = GitIgnore.forRoot(repo);
          assertThat(ignore.ignored(name)).isFalse();
          assertThat(ignore.ignored("sub/" + name)).isFalse();
          assertThat(ignore.ignored("sub/" + name + "/x", true)).isFalse();
          assertThat(ignore.ignored(name + "b")).isTrue();
          assertThat(ignore.ignored("sub/" + name + "c/x")).isTrue();
          assertThat(ignore.ignored("sub/" + name + "c", false)).as("a directory pattern, a file").isFalse();
        });
  }

  @Test
  void aByteOrderMarkCountsOnlyAtTheStartOfTheFile() throws Exception {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    b.write(bom);
    b.write("a.log\n".getBytes(StandardCharsets.US_ASCII));
    b.write(bom);
    b.write("b.log\n".getBytes(StandardCharsets.US_ASCII));
    Files.write(repo.resolve(".gitignore"), b.toByteArray());
    Set<String> files = new TreeSet<>(List.of("a.log", "b.log", "\uFEFFb.log"));
    Set<String> expected = GitIgnoreTest.checkIgnore(repo, files, env);
    assertThat(expected).containsExactlyInAnyOrder("a.log", "\uFEFFb.log");
    GitIgnore ignore = GitIgnore.forRoot(repo);
    for (String f : files) {
      assertThat(ignore.ignored(f)).as(f).isEqualTo(expected.contains(f));
    }
  }

  /** Bytes this thread allocated so far (HotSpot's per-thread counter). */
  private static long allocated() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getThreadAllocatedBytes(Thread.currentThread().getId());
  }
}
