package io.changeflux.fs.internal;

import static io.changeflux.testkit.Shell.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.Disposable;

/**
 * {@code gitignore=true} on {@code fs:} and {@code poll:} against ignore files and links that are
 * not what they seem: FIFOs named {@code .gitignore} or {@code .ignore} (at start and created while
 * watching) never stall the watch, its re-registration or the scan; a link inside an ignored
 * directory that leads out of the root is never reported, and a link out of the root that a
 * negation re-includes is reported, if at all, by its path inside the root.
 */
class GitIgnoreSeamsTest {

  private static final Duration AT_MOST = Duration.ofSeconds(60);

  @TempDir Path base;

  private Disposable subscribe(String uri, List<ChangeEvent> events) throws InterruptedException {
    CountDownLatch ready = new CountDownLatch(1);
    Disposable d = ChangeSources.open(uri).events().contextWrite(ChangeSources.onReady(ready::countDown)).subscribe(events::add);
    assertThat(ready.await(30, TimeUnit.SECONDS)).as("%s ready", uri).isTrue();
    return d;
  }

  private static String uri(String scheme, Path root, String query) {
    return scheme.equals("poll")
        ? "poll:" + root + "?interval=50ms&gitignore=true" + query
        : "fs:" + root + "?gitignore=true" + query;
  }

  @ParameterizedTest
  @ValueSource(strings = {"fs", "poll"})
  void fifoIgnoreFilesNeverStallTheWatchOrTheScan(String scheme) throws Exception {
    Path root = Files.createDirectories(base.resolve("root"));
    sh(root, "git init -q && mkdir sub later && mkfifo .gitignore sub/.ignore && printf '*.log\\n' > sub/.gitignore");
    List<ChangeEvent> events = new CopyOnWriteArrayList<>();
    assertTimeoutPreemptively(
        AT_MOST,
        () -> {
          Disposable d = subscribe(uri(scheme, root, ""), events);
          try {
            // A FIFO ignore file appearing while watching: read again (and, fs, the tree
            // registered again) — neither may block on it.
            sh(root, "mkfifo later/.gitignore later/.ignore");
            Files.writeString(root.resolve("later/a.log"), "x");
            Files.writeString(root.resolve("sub/a.log"), "ignored");
            Files.writeString(root.resolve("sub/b.txt"), "kept");
            Files.writeString(root.resolve("later/c.txt"), "kept");
            Awaitility.await()
                .atMost(AT_MOST)
                .until(() -> keys(events).containsAll(List.of("sub/b.txt", "later/c.txt", "later/a.log")));
            // After the FIFOs were re-read: a later change is still seen.
            Files.writeString(root.resolve("sub/d.txt"), "kept");
            Awaitility.await().atMost(AT_MOST).until(() -> keys(events).contains("sub/d.txt"));
          } finally {
            d.dispose();
          }
        });
    assertThat(keys(events)).doesNotContain("sub/a.log").noneMatch(k -> k.startsWith(".git/"));
  }

  @ParameterizedTest
  @CsvSource({"fs, false", "fs, true", "poll, false", "poll, true"})
  void linksOutOfTheRootAreNeverReportedByTheirTarget(String scheme, boolean followLinks) throws Exception {
    Path root = Files.createDirectories(base.resolve("root"));
    Path outside = Files.createDirectories(base.resolve("outside"));
    Files.writeString(outside.resolve("secret.txt"), "s");
    sh(root, "git init -q && mkdir build && printf 'build/\\ne*\\n!ext\\n' > .gitignore");
    // In an ignored directory, out of the root; and re-included by a negation, out of the root.
    Files.createSymbolicLink(root.resolve("build/out"), outside);
    Files.createSymbolicLink(root.resolve("ext"), outside);
    Files.createSymbolicLink(root.resolve("build/secret-link.txt"), outside.resolve("secret.txt"));
    List<ChangeEvent> events = new CopyOnWriteArrayList<>();
    Disposable d = subscribe(uri(scheme, root, "&initial=true&followLinks=" + followLinks), events);
    try {
      Files.writeString(outside.resolve("new.txt"), "written outside");
      Files.writeString(outside.resolve("secret.txt"), "changed outside");
      Files.writeString(root.resolve("marker.txt"), "m");
      Awaitility.await().atMost(AT_MOST).until(() -> keys(events).contains("marker.txt"));
      // A scan (poll) or a moment (fs) after the writes outside: had they counted, they are in.
      Files.writeString(root.resolve("marker2.txt"), "m");
      Awaitility.await().atMost(AT_MOST).until(() -> keys(events).contains("marker2.txt"));
    } finally {
      d.dispose();
    }
    assertThat(keys(events)).noneMatch(k -> k.startsWith("build/") || k.contains("..") || k.startsWith("/"));
    for (ChangeEvent e : events) {
      if (e.kind() == ChangeKind.OVERFLOW) {
        continue;
      }
      Optional<Path> p = e.path();
      assertThat(p).as("%s", e).isPresent();
      assertThat(p.get()).as("named inside the root: %s", e).isEqualTo(root.resolve(e.key()));
      assertThat(p.get().normalize().startsWith(outside)).as("%s", e).isFalse();
    }
    if (!followLinks) {
      assertThat(keys(events)).as("links are not followed").noneMatch(k -> k.startsWith("ext/"));
    }
  }

  /**
   * An edit that changes only which files are ignored keeps the registrations (no re-registration
   * of the tree); one that ignores a directory still takes its watches away.
   */
  @org.junit.jupiter.api.Test
  void anEditThatIgnoresADirectoryStillRemovesItsWatches() throws Exception {
    Path root = Files.createDirectories(base.resolve("root"));
    sh(root, "git init -q && mkdir -p gen/x src && echo 1 > gen/x/old.txt && echo 2 > a.log && printf 'build/\\n' > .gitignore");
    List<ChangeEvent> events = new CopyOnWriteArrayList<>();
    Disposable d = subscribe(uri("fs", root, ""), events);
    try {
      long genX = (Long) Files.getAttribute(root.resolve("gen/x"), "unix:ino");
      assertThat(FsPruneTest.watchedInodes()).contains(genX);
      io.changeflux.testkit.TestFiles.replace(root.resolve(".gitignore"), "*.log\n", base);
      Awaitility.await().atMost(AT_MOST).until(() -> events.stream().anyMatch(e -> e.key().equals("a.log") && e.kind() == ChangeKind.DELETED));
      Files.writeString(root.resolve("gen/x/new.txt"), "watched");
      Awaitility.await().atMost(AT_MOST).until(() -> keys(events).contains("gen/x/new.txt"));
      io.changeflux.testkit.TestFiles.replace(root.resolve(".gitignore"), "*.log\ngen/\n", base);
      Awaitility.await().atMost(AT_MOST).until(() -> events.stream().anyMatch(e -> e.key().equals("gen/x/old.txt") && e.kind() == ChangeKind.DELETED));
      Awaitility.await().atMost(AT_MOST).until(() -> !FsPruneTest.watchedInodes().contains(genX));
      int from = events.size();
      Files.writeString(root.resolve("gen/x/later.txt"), "ignored");
      Files.writeString(root.resolve("src/marker.txt"), "m");
      Awaitility.await().atMost(AT_MOST).until(() -> keys(events).contains("src/marker.txt"));
      assertThat(keys(events.subList(from, events.size()))).containsOnly("src/marker.txt");
    } finally {
      d.dispose();
    }
  }

  private static List<String> keys(List<ChangeEvent> events) {
    return events.stream().map(ChangeEvent::key).toList();
  }
}
