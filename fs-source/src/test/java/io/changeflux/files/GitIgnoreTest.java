package io.changeflux.files;

import static io.changeflux.testkit.Shell.sh;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GitIgnore} against git itself: random patterns in nested {@code .gitignore} files and
 * {@code .git/info/exclude}, a few hundred random paths created on disk, and {@code git
 * check-ignore --stdin -z --no-index} as the oracle.
 */
class GitIgnoreTest {

  @TempDir Path dir;

  private static final String[] NAMES = {
    "a", "b", "c", "ab", "ba", "x.log", "e.log", "y.txt", "d1", "#h", "!n", "é", "sp ace", "q?", "a[b]"
  };
  private static final String[] GLOBS = {
    "a", "b", "c", "ab", "*.log", "*", "?", "[ab]", "[!a]*", "**", "d*", "*b", "\\#h", "#h", "y.txt",
    "[a-c]?", "\\!n", "é", "sp ace", "sp\\ ace", "[[:alpha:]]", "q\\?", "a\\[b]", "*.txt", "x.*",
    "a**", "**b", "*a*", "[]a]", "[a-]", "[^b]?", "[b-a]", "a[", "***", "[[:digit:]]1", "\\a"
  };

  @Test
  void agreesWithGitCheckIgnoreOnRandomPatternsAndPaths() throws Exception {
    Random random = new Random(Long.getLong("seed", 13));
    int ignoredTotal = 0;
    int keptTotal = 0;
    for (int round = 0; round < Integer.getInteger("rounds", 6); round++) {
      Path repo = dir.resolve("r" + round);
      Files.createDirectories(repo);
      sh(repo, "git init -q");
      Set<String> files = paths(random, repo, 300);
      StringBuilder shown = new StringBuilder();
      for (String where : new String[] {"", "a/", "a/b/", "c/", "ab/a/", ".git/info/exclude"}) {
        Path file = where.endsWith("exclude") ? repo.resolve(where) : repo.resolve(where + ".gitignore");
        boolean blocked = false;
        for (Path up = file.getParent(); up != null && up.startsWith(repo); up = up.getParent()) {
          blocked |= Files.isRegularFile(up);
        }
        if (blocked) {
          continue; // that directory is a file in this round
        }
        Files.createDirectories(file.getParent());
        StringBuilder text = new StringBuilder();
        int lines = 1 + random.nextInt(6);
        for (int i = 0; i < lines; i++) {
          text.append(pattern(random)).append('\n');
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
        shown.append("--- ").append(where).append('\n').append(text);
      }
      Set<String> expected = checkIgnore(repo, files);
      GitIgnore ignore = GitIgnore.forRoot(repo);
      List<String> wrong = new ArrayList<>();
      for (String f : files) {
        if (ignore.ignored(f) != expected.contains(f)) {
          wrong.add(f + (expected.contains(f) ? " (git: ignored)" : " (git: not ignored)"));
        }
      }
      assertThat(wrong).as("round %d, ignore files:%n%s", round, shown).isEmpty();
      ignoredTotal += expected.size();
      keptTotal += files.size() - expected.size();
    }
    assertThat(ignoredTotal).as("the rounds ignore something").isPositive();
    assertThat(keptTotal).as("the rounds keep something").isPositive();
  }

  @Test
  void hardCasesAgreeWithGit() throws Exception {
    Path repo = dir.resolve("hard");
    Files.createDirectories(repo);
    sh(repo, "git init -q");
    Files.writeString(
        repo.resolve(".gitignore"),
        String.join(
            "\n",
            "# a comment",
            "build/",
            "*.log",
            "!keep.log",
            "/rooted.txt",
            "docs/**/gen/",
            "deep/**",
            "!deep/keep",
            "**/node_modules",
            "trail   ",
            "esc\\ ",
            "lib/*.o",
            ""));
    Files.createDirectories(repo.resolve("sub"));
    Files.writeString(repo.resolve("sub/.gitignore"), "!*.log\n/only-here\nbuild\n");
    Set<String> files =
        new TreeSet<>(
            List.of(
                "build/x", "a/build/x", "build.txt", "x.log", "keep.log", "sub/x.log", "rooted.txt",
                "a/rooted.txt", "docs/gen/x", "docs/a/b/gen/x", "docs/gen.txt", "deep/a", "deep/keep",
                "deep/x/keep", "a/node_modules/p/i.js", "node_modules/q", "trail", "trail   x", "esc ",
                "lib/a.o", "lib/x/a.o", "a/lib/a.o", "sub/only-here", "only-here", "sub/a/only-here",
                "sub/build", "sub/x/build/y"));
    for (String f : files) {
      Path p = repo.resolve(f);
      if (!Files.isDirectory(p)) {
        Files.createDirectories(p.getParent());
        if (!Files.exists(p)) {
          Files.writeString(p, "");
        }
      }
    }
    files.removeIf(f -> Files.isDirectory(repo.resolve(f)));
    Set<String> expected = checkIgnore(repo, files);
    GitIgnore ignore = GitIgnore.forRoot(repo);
    for (String f : files) {
      assertThat(ignore.ignored(f)).as(f).isEqualTo(expected.contains(f));
    }
    assertThat(expected).contains("build/x", "x.log", "deep/x/keep", "a/node_modules/p/i.js").doesNotContain("keep.log");
  }

  @Test
  void dotIgnoreWinsOverGitignoreAndChangesAreReadAgain() throws Exception {
    Files.createDirectories(dir.resolve(".git"));
    Files.writeString(dir.resolve(".gitignore"), "*.tmp\n");
    Files.writeString(dir.resolve(".ignore"), "!keep.tmp\n");
    GitIgnore ignore = GitIgnore.forRoot(dir);
    assertThat(ignore.ignored("a.tmp")).isTrue();
    assertThat(ignore.ignored("keep.tmp")).isFalse();
    assertThat(ignore.ignored(".git/index")).isTrue();
    assertThat(ignore.ignored("x/.git/HEAD")).isTrue();
    assertThat(ignore.ignored("x.txt")).isFalse();
    Files.writeString(dir.resolve(".gitignore"), "*.txt\n");
    assertThat(ignore.ignored("x.txt")).as("cached until told").isFalse();
    assertThat(ignore.changed(".gitignore")).isTrue();
    assertThat(ignore.ignored("x.txt")).isTrue();
    assertThat(ignore.ignored("a.tmp")).isFalse();
    Files.createDirectories(dir.resolve(".git/info"));
    Files.writeString(dir.resolve(".git/info/exclude"), "secret\n");
    assertThat(ignore.changed(".git/info/exclude")).isTrue();
    assertThat(ignore.ignored("d/secret")).isTrue();
    assertThat(ignore.changed("src/Main.java")).isFalse();
  }

  @Test
  void aRootBelowTheRepositoryTopSeesTheFilesAboveIt() throws Exception {
    sh(dir, "git init -q && mkdir -p app/src && printf '/app/src/gen/\\n*.class\\n' > .gitignore");
    Files.writeString(dir.resolve("app/.gitignore"), "/local.txt\n");
    GitIgnore ignore = GitIgnore.forRoot(dir.resolve("app/src"));
    assertThat(ignore.ignored("gen/A.java")).isTrue();
    assertThat(ignore.ignored("A.class")).isTrue();
    assertThat(ignore.ignored("A.java")).isFalse();
    GitIgnore app = GitIgnore.forRoot(dir.resolve("app"));
    assertThat(app.ignored("local.txt")).isTrue();
    assertThat(app.ignored("src/local.txt")).isFalse();
    assertThat(app.changed(".gitignore")).isTrue();
  }

  /** fs:DIR?gitignore=true end to end: ignored files are not reported; a changed .gitignore applies at once. */
  @Test
  void aWatchDropsIgnoredFilesAndFollowsTheIgnoreFile() throws Exception {
    sh(dir, "git init -q && printf '*.log\\nbuild/\\n' > .gitignore && mkdir -p src/build");
    List<io.changeflux.ChangeEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
    reactor.core.Disposable d =
        io.changeflux.ChangeSources.open("fs:" + dir + "?gitignore=true")
            .events()
            .contextWrite(io.changeflux.ChangeSources.onReady(ready::countDown))
            .subscribe(events::add);
    try {
      assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
      Files.writeString(dir.resolve("a.log"), "x");
      Files.writeString(dir.resolve("src/build/B.class"), "x");
      sh(dir, "git add .gitignore");
      Files.writeString(dir.resolve("src/Main.java"), "x");
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(30))
          .until(() -> events.stream().anyMatch(e -> e.key().equals("src/Main.java")));
      Files.writeString(dir.resolve(".gitignore"), "build/\n");
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(30))
          .until(() -> events.stream().anyMatch(e -> e.key().equals(".gitignore")));
      Files.writeString(dir.resolve("b.log"), "x");
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(30))
          .until(() -> events.stream().anyMatch(e -> e.key().equals("b.log"))
              && events.stream().anyMatch(e -> e.key().equals("a.log")));
      assertThat(events)
          .extracting(io.changeflux.ChangeEvent::key)
          .doesNotContain("src/build/B.class")
          .noneMatch(k -> k.startsWith(".git/"));
      // a.log, written while ignored, is reported once the edit un-ignores it: CREATED, after it.
      int edit = events.stream().map(io.changeflux.ChangeEvent::key).toList().indexOf(".gitignore");
      assertThat(events.subList(0, edit)).extracting(io.changeflux.ChangeEvent::key).doesNotContain("a.log");
      assertThat(events)
          .filteredOn(e -> e.key().equals("a.log"))
          .extracting(io.changeflux.ChangeEvent::kind)
          .containsExactly(io.changeflux.ChangeKind.CREATED);
    } finally {
      d.dispose();
    }
  }

  /** Random paths, created as files (a path whose prefix is a file, or that is a directory, is skipped). */
  private static Set<String> paths(Random random, Path repo, int n) throws Exception {
    Set<String> files = new LinkedHashSet<>();
    Set<String> dirs = new HashSet<>();
    while (files.size() < n) {
      int depth = 1 + random.nextInt(4);
      StringBuilder b = new StringBuilder();
      boolean ok = true;
      for (int i = 0; i < depth; i++) {
        if (i > 0) {
          String d = b.toString();
          if (files.contains(d)) {
            ok = false;
            break;
          }
          b.append('/');
        }
        b.append(NAMES[random.nextInt(NAMES.length)]);
      }
      String f = b.toString();
      if (!ok || dirs.contains(f) || files.contains(f)) {
        continue;
      }
      for (int s = f.indexOf('/'); s >= 0; s = f.indexOf('/', s + 1)) {
        dirs.add(f.substring(0, s));
      }
      Path p = repo.resolve(f);
      Files.createDirectories(p.getParent());
      Files.writeString(p, "");
      files.add(f);
    }
    return files;
  }

  private static String pattern(Random random) {
    StringBuilder p = new StringBuilder();
    if (random.nextInt(5) == 0) {
      p.append('!');
    }
    int form = random.nextInt(10);
    if (form == 0) {
      p.append("**/");
    } else if (form < 3) {
      p.append('/');
    }
    int segs = 1 + (random.nextInt(3) == 0 ? 1 + random.nextInt(2) : 0);
    for (int i = 0; i < segs; i++) {
      if (i > 0) {
        p.append('/');
      }
      p.append(GLOBS[random.nextInt(GLOBS.length)]);
    }
    if (random.nextInt(8) == 0) {
      p.append("/**");
    } else if (random.nextInt(5) == 0) {
      p.append('/');
    }
    if (random.nextInt(12) == 0) {
      p.append("  ");
    }
    return p.toString();
  }

  /** The paths git ignores, by {@code git check-ignore --stdin -z --no-index}. */
  static Set<String> checkIgnore(Path repo, Set<String> paths) throws Exception {
    return checkIgnore(repo, paths, java.util.Map.of());
  }

  /** As above, with {@code env} set for git ({@code HOME}, {@code XDG_CONFIG_HOME}). */
  static Set<String> checkIgnore(Path repo, Set<String> paths, java.util.Map<String, String> env) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder("git", "check-ignore", "--stdin", "-z", "--no-index")
            .directory(repo.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().putAll(env);
    Process p = pb.start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Thread reader =
        new Thread(
            () -> {
              try {
                p.getInputStream().transferTo(out);
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    reader.start();
    try (OutputStream in = p.getOutputStream()) {
      for (String f : paths) {
        in.write(f.getBytes(StandardCharsets.UTF_8));
        in.write(0);
      }
    }
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    reader.join();
    assertThat(p.exitValue()).as("git check-ignore exit status").isIn(0, 1);
    Set<String> ignored = new HashSet<>();
    for (String s : out.toString(StandardCharsets.UTF_8).split("\0")) {
      if (!s.isEmpty()) {
        ignored.add(s);
      }
    }
    return ignored;
  }
}
