package io.changeflux.poll.internal;

import static io.changeflux.testkit.Shell.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import io.changeflux.testkit.TestFiles;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/** {@code poll:DIR?gitignore=true}: the scan leaves out what git ignores, as git decides it. */
class PollGitIgnoreTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @TempDir Path dir;

  /** A small real repository: a root and a nested .gitignore, info/exclude, a negation. */
  private Set<String> repo() throws Exception {
    sh(dir, "git init -q");
    Files.writeString(dir.resolve(".gitignore"), "*.log\n!keep.log\nbuild/\n/rooted.txt\n");
    Files.createDirectories(dir.resolve("sub"));
    Files.writeString(dir.resolve("sub/.gitignore"), "*.tmp\n!important.log\n");
    Files.writeString(dir.resolve(".git/info/exclude"), "secret*\n");
    Set<String> files =
        new TreeSet<>(
            List.of(
                "a.txt", "x.log", "keep.log", "rooted.txt", "sub/rooted.txt", "build/out.bin",
                "sub/build/deep/o", "sub/a.tmp", "sub/b.txt", "sub/important.log", "a.tmp",
                "secret.txt", "sub/secret-2", "docs/readme.md"));
    for (String f : files) {
      Path p = dir.resolve(f);
      Files.createDirectories(p.getParent());
      Files.writeString(p, f);
    }
    files.add(".gitignore");
    files.add("sub/.gitignore");
    return files;
  }

  @Test
  void initialFilesAreThoseGitDoesNotIgnore() throws Exception {
    Set<String> files = repo();
    Set<String> ignored = checkIgnore(dir, files);
    assertThat(ignored).contains("x.log", "build/out.bin", "sub/a.tmp", "secret.txt").doesNotContain("keep.log");
    List<ChangeEvent> events = new CopyOnWriteArrayList<>();
    CountDownLatch ready = new CountDownLatch(1);
    Disposable d = subscribe("&initial=true", events, ready);
    try {
      assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
      Set<String> expected = new TreeSet<>(files);
      expected.removeAll(ignored);
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(keys(events)).isEqualTo(expected));
      assertThat(events).allMatch(e -> e.kind() == ChangeKind.CREATED);
    } finally {
      d.dispose();
    }
  }

  @Test
  void anIgnoredFilesChangeIsNotReportedWhileOthersAre() throws Exception {
    repo();
    List<ChangeEvent> events = new CopyOnWriteArrayList<>();
    CountDownLatch ready = new CountDownLatch(1);
    Disposable d = subscribe("", events, ready);
    try {
      assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
      TestFiles.replace(dir.resolve("x.log"), "changed, ignored", dir.getParent());
      Files.writeString(dir.resolve("build/new.bin"), "new, ignored");
      TestFiles.replace(dir.resolve("a.txt"), "changed, kept", dir.getParent());
      await().atMost(PATIENCE).until(() -> keys(events).contains("a.txt"));
      // A scan that starts after the event began after the ignored writes: had they counted, it
      // would report them.
      Files.writeString(dir.resolve("marker"), "m");
      await().atMost(PATIENCE).until(() -> keys(events).contains("marker"));
      assertThat(keys(events)).containsExactlyInAnyOrder("a.txt", "marker");
      assertThat(events).filteredOn(e -> e.key().equals("a.txt")).extracting(ChangeEvent::kind).containsExactly(ChangeKind.MODIFIED);
    } finally {
      d.dispose();
    }
  }

  @Test
  void aChangedIgnoreFileAppliesAtOnce() throws Exception {
    repo();
    List<ChangeEvent> events = new CopyOnWriteArrayList<>();
    CountDownLatch ready = new CountDownLatch(1);
    Disposable d = subscribe("", events, ready);
    try {
      assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
      // *.log no longer ignored, a.txt now is.
      TestFiles.replace(dir.resolve(".gitignore"), "build/\n/rooted.txt\na.txt\n", dir.getParent());
      await().atMost(PATIENCE).until(() -> keys(events).containsAll(List.of("x.log", "a.txt")));
      assertThat(kinds(events, "x.log")).containsExactly(ChangeKind.CREATED);
      assertThat(kinds(events, "a.txt")).containsExactly(ChangeKind.DELETED);
      assertThat(kinds(events, ".gitignore")).containsExactly(ChangeKind.MODIFIED);
      // info/exclude is followed too: secret.txt becomes visible.
      TestFiles.replace(dir.resolve(".git/info/exclude"), "# nothing\n", dir.getParent());
      await().atMost(PATIENCE).until(() -> keys(events).contains("secret.txt"));
      assertThat(kinds(events, "secret.txt")).containsExactly(ChangeKind.CREATED);
      assertThat(keys(events)).noneMatch(k -> k.startsWith(".git/"));
    } finally {
      d.dispose();
    }
  }

  /**
   * A linked worktree ({@code git worktree add}): its {@code .git} is a file naming {@code
   * repo/.git/worktrees/wt}, and the exclude file git reads is the main repository's ({@code
   * $GIT_COMMON_DIR/info/exclude}), as for {@code fs:}; a change of it applies at the next scan
   * although it lies outside the polled tree.
   */
  @Test
  void aLinkedWorktreeFollowsTheMainRepositorysExcludeFile() throws Exception {
    sh(
        dir,
        "mkdir repo && cd repo && git init -q && git config user.email t@example.invalid && git config user.name t"
            + " && echo x > tracked.txt && echo '*.log' > .gitignore && git add -A && git commit -q -m x"
            + " && git worktree add -q ../wt");
    Path wt = dir.resolve("wt");
    Path exclude = dir.resolve("repo/.git/info/exclude");
    Files.createDirectories(exclude.getParent());
    Files.writeString(exclude, "secret*\n*.bak\n");
    Set<String> files =
        new TreeSet<>(List.of("a.txt", "x.log", "secret.txt", "sub/secret-2", "b.bak", "sub/keep.txt"));
    for (String f : files) {
      Path p = wt.resolve(f);
      Files.createDirectories(p.getParent());
      Files.writeString(p, f);
    }
    files.add("tracked.txt");
    files.add(".gitignore");
    Set<String> ignored = checkIgnore(wt, files);
    assertThat(ignored).containsExactlyInAnyOrder("x.log", "secret.txt", "sub/secret-2", "b.bak");
    List<ChangeEvent> events = new CopyOnWriteArrayList<>();
    CountDownLatch ready = new CountDownLatch(1);
    Disposable d = subscribe(wt, "&initial=true", events, ready);
    try {
      assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
      Set<String> expected = new TreeSet<>(files);
      expected.removeAll(ignored);
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(keys(events)).isEqualTo(expected));

      TestFiles.replace(exclude, "*.bak\n", dir.getParent());
      Set<String> now = checkIgnore(wt, files);
      assertThat(now).containsExactlyInAnyOrder("x.log", "b.bak");
      await().atMost(PATIENCE).until(() -> keys(events).containsAll(List.of("secret.txt", "sub/secret-2")));
      assertThat(kinds(events, "secret.txt")).containsExactly(ChangeKind.CREATED);
      Set<String> visible = new TreeSet<>(files);
      visible.removeAll(now);
      assertThat(keys(events)).isEqualTo(visible);
    } finally {
      d.dispose();
    }
  }

  private Disposable subscribe(String query, List<ChangeEvent> events, CountDownLatch ready) {
    return subscribe(dir, query, events, ready);
  }

  private static Disposable subscribe(Path root, String query, List<ChangeEvent> events, CountDownLatch ready) {
    return ChangeSources.open("poll:" + root + "?interval=50ms&gitignore=true" + query)
        .events()
        .contextWrite(ChangeSources.onReady(ready::countDown))
        .subscribe(events::add);
  }

  private static Set<String> keys(List<ChangeEvent> events) {
    return events.stream().map(ChangeEvent::key).collect(Collectors.toCollection(TreeSet::new));
  }

  private static List<ChangeKind> kinds(List<ChangeEvent> events, String key) {
    return events.stream().filter(e -> e.key().equals(key)).map(ChangeEvent::kind).toList();
  }

  /** The paths git ignores, by {@code git check-ignore --stdin -z --no-index}. */
  private static Set<String> checkIgnore(Path repo, Set<String> paths) throws Exception {
    Process p =
        new ProcessBuilder("git", "check-ignore", "--stdin", "-z", "--no-index")
            .directory(repo.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try (OutputStream in = p.getOutputStream()) {
      for (String f : paths) {
        in.write(f.getBytes(StandardCharsets.UTF_8));
        in.write(0);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String s = out.toString(StandardCharsets.UTF_8);
    return s.isEmpty() ? Set.of() : new HashSet<>(Arrays.asList(s.split("\0")));
  }
}
