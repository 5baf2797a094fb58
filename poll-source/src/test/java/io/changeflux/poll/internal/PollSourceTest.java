package io.changeflux.poll.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.changeflux.ShaResolvers;
import io.changeflux.testkit.ChangeSourceTestKit;
import io.changeflux.testkit.TestFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PollSourceTest implements ChangeSourceTestKit {

  @TempDir Path dir;

  @AfterEach
  void clearHooks() {
    DirectoryPoller.SCAN_HOOKS.clear();
  }

  @Override
  public String uri() {
    return "poll:" + dir + "?interval=100ms";
  }

  @Override
  public String failingUri() {
    // Exists (so open() accepts it) but is a file, not a directory: the start fails.
    Path file = dir.resolve("plain-file");
    try {
      Files.writeString(file, "x");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return "poll:" + file + "?interval=100ms";
  }

  @Override
  public String change(int i) throws Exception {
    Path f = dir.resolve("kit/sub-" + (i % 7) + "/f-" + i + ".txt");
    Files.createDirectories(f.getParent());
    Files.writeString(f, "change " + i);
    return "kit/sub-" + (i % 7) + "/f-" + i + ".txt";
  }


  @Test
  void nestedCreateModifyDeleteHaveTheRightKindsAndKeys() throws Exception {
    Files.createDirectories(dir.resolve("a/b"));
    Files.writeString(dir.resolve("a/b/keep.txt"), "v1");
    Recorder r = subscribe(uri());
    try {
      Files.writeString(dir.resolve("a/b/new.txt"), "new");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("a/b/new.txt"));
      TestFiles.replace(dir.resolve("a/b/keep.txt"), "v2 longer", dir.getParent());
      await().atMost(patience()).untilAsserted(() -> assertThat(kinds(r, "a/b/keep.txt")).contains(ChangeKind.MODIFIED));
      Files.delete(dir.resolve("a/b/new.txt"));
      await().atMost(patience()).untilAsserted(() -> assertThat(kinds(r, "a/b/new.txt")).contains(ChangeKind.DELETED));
      assertThat(kinds(r, "a/b/new.txt")).containsExactly(ChangeKind.CREATED, ChangeKind.DELETED);
      assertThat(kinds(r, "a/b/keep.txt")).containsExactly(ChangeKind.MODIFIED);
      ChangeEvent created = r.events.get(0);
      assertThat(created.path()).contains(dir.resolve("a/b/new.txt"));
      assertThat(created.source()).isEqualTo("poll:" + dir + "?interval=100ms");
      assertThat(r.events).noneMatch(e -> e.key().startsWith("/") || e.key().contains("\\"));
      assertThat(r.error.get()).isNull();
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void initialTrueReportsExistingFilesFirst() throws Exception {
    Files.createDirectories(dir.resolve("x"));
    Files.writeString(dir.resolve("x/one"), "1");
    Files.writeString(dir.resolve("two"), "2");
    Recorder r = subscribe(uri() + "&initial=true");
    try {
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).containsExactlyInAnyOrder("x/one", "two"));
      assertThat(r.events).allMatch(e -> e.kind() == ChangeKind.CREATED);
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void eventsOfOneScanComeInKeyOrderThoughTheScanIsUnordered() throws Exception {
    for (String k : List.of("z", "a", "m/x", "b")) {
      Files.createDirectories(dir.resolve(k).getParent());
      Files.writeString(dir.resolve(k), k);
    }
    // A directory moved in appears in one scan, all at once.
    Path outside = Files.createTempDirectory("changeflux-batch");
    for (String k : List.of("q", "c", "k/y")) {
      Files.createDirectories(outside.resolve(k).getParent());
      Files.writeString(outside.resolve(k), k);
    }
    Recorder r = subscribe(uri() + "&initial=true");
    try {
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).hasSize(4));
      assertThat(r.keys()).containsExactly("a", "b", "m/x", "z");
      Files.move(outside, dir.resolve("batch"));
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).hasSize(7));
      assertThat(r.keys().subList(4, 7)).containsExactly("batch/c", "batch/k/y", "batch/q");
      assertThat(r.events).allMatch(e -> e.kind() == ChangeKind.CREATED);
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void recursiveFalseSeesOnlyTheRootsOwnFiles() throws Exception {
    Files.createDirectories(dir.resolve("deep"));
    Recorder r = subscribe(uri() + "&recursive=false");
    try {
      Files.writeString(dir.resolve("deep/hidden.txt"), "no");
      Files.writeString(dir.resolve("top.txt"), "yes");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("top.txt"));
      // One more full interval: the deep file would have been seen by now.
      Files.writeString(dir.resolve("top2.txt"), "yes");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("top2.txt"));
      assertThat(r.keys()).doesNotContain("deep/hidden.txt");
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void compareContentIgnoresTouchesThatChangeNoContent() throws Exception {
    Path f = dir.resolve("c.txt");
    Files.writeString(f, "aaaa");
    Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
    Recorder r = subscribe(uri() + "&compare=content");
    try {
      // A touch: the time changes, the content does not.
      Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() - 30_000));
      Files.writeString(dir.resolve("marker1"), "m"); // seen => a scan after the touch ran
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("marker1"));
      assertThat(r.keys()).doesNotContain("c.txt");
      TestFiles.replace(f, "bbbbb", dir.getParent());
      await().atMost(patience()).untilAsserted(() -> assertThat(kinds(r, "c.txt")).containsExactly(ChangeKind.MODIFIED));
      ChangeEvent e = r.events.stream().filter(x -> x.key().equals("c.txt")).findFirst().orElseThrow();
      assertThat(e.sha()).contains(ShaResolvers.sha256("bbbbb".getBytes(StandardCharsets.UTF_8)));
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void compareContentSeesARewriteThatKeepsSizeAndTimeWhileTheTimeIsRecent() throws Exception {
    // A coarse-timestamp file system: two writes in the same tick leave size and time equal.
    // Files whose time is within a second of the scan are hashed anyway.
    FileTime tick = FileTime.fromMillis(System.currentTimeMillis() + 1_500);
    Path f = dir.resolve("coarse.txt");
    Files.writeString(f, "aaaa");
    Files.setLastModifiedTime(f, tick);
    Recorder r = subscribe(uri() + "&compare=content");
    try {
      TestFiles.replace(f, "bbbb", dir.getParent(), tick); // the same size, the same time
      // Scans run every 100 ms; those within a second of `tick` hash the file.
      await().atMost(patience()).untilAsserted(() -> assertThat(kinds(r, "coarse.txt")).containsExactly(ChangeKind.MODIFIED));
      assertThat(r.events.get(0).sha()).contains(ShaResolvers.sha256("bbbb".getBytes(StandardCharsets.UTF_8)));
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void slowScansSkipTicksInsteadOfPilingUp() throws Exception {
    Duration interval = Duration.ofMillis(50);
    List<Long> starts = new java.util.concurrent.CopyOnWriteArrayList<>();
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    DirectoryPoller.SCAN_HOOKS.put(
        dir,
        () -> {
          starts.add(System.nanoTime());
          maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
          try {
            if (starts.size() == 2) {
              Thread.sleep(400); // one scan 8 intervals long
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            running.decrementAndGet();
          }
        });
    Recorder r = subscribe("poll:" + dir + "?interval=50ms");
    try {
      await().atMost(patience()).until(() -> starts.size() >= 8);
      assertThat(maxRunning.get()).isEqualTo(1);
      List<Long> s = new ArrayList<>(starts);
      for (int i = 1; i < s.size(); i++) {
        // With a backlog, the ticks missed during the slow scan would run back to back.
        assertThat(s.get(i) - s.get(i - 1))
            .as("gap before scan %d", i)
            .isGreaterThanOrEqualTo(interval.toNanos() * 9 / 10);
      }
      assertThat(s.get(2) - s.get(1)).isGreaterThanOrEqualTo(Duration.ofMillis(400).toNanos());
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void aFifoInTheTreeDoesNotBlockContentHashing() throws Exception {
    FsFixtures.shell(dir, "mkfifo pipe");
    Recorder r = subscribe(uri() + "&compare=content&initial=true");
    try {
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("pipe"));
      Files.writeString(dir.resolve("after"), "a");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("after"));
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void missingPathFailsAtOpenNamingThePath() {
    assertThatThrownBy(() -> ChangeSources.open("poll:/no/such/dir"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("/no/such/dir")
        .hasMessageContaining("no such directory");
  }

  @Test
  void rootDeletedEmitsDeletedThenAClearError() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Files.writeString(root.resolve("a"), "a");
    Files.createDirectories(root.resolve("s"));
    Files.writeString(root.resolve("s/b"), "b");
    Recorder r = subscribe("poll:" + root + "?interval=100ms");
    try {
      deleteTree(root);
      await().atMost(patience()).untilAsserted(() -> assertThat(r.error.get()).isNotNull());
      assertThat(r.error.get()).isInstanceOf(ChangeSourceException.class).hasMessageContaining("was deleted").hasMessageContaining(root.toString());
      assertThat(r.events).extracting(ChangeEvent::kind).containsOnly(ChangeKind.DELETED);
      assertThat(r.keys()).containsExactlyInAnyOrder("a", "s/b");
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void awaitRootWaitsForTheRootToComeBack() throws Exception {
    Path root = dir.resolve("later");
    Recorder r = subscribe("poll:" + root + "?interval=100ms&awaitRoot=true");
    try {
      Files.createDirectories(root);
      Files.writeString(root.resolve("first"), "1");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("first"));
      deleteTree(root);
      await().atMost(patience()).untilAsserted(() -> assertThat(kinds(r, "first")).containsExactly(ChangeKind.CREATED, ChangeKind.DELETED));
      Files.createDirectories(root);
      Files.writeString(root.resolve("second"), "2");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("second"));
      assertThat(r.error.get()).isNull();
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void unreadableDirectoryIsSkippedAndTheRestStillWatched() throws Exception {
    // We run as root, so chmod 000 does not stop reads. A directory whose absolute path is longer
    // than PATH_MAX (4096) cannot be opened by anyone: a real unreadable directory.
    Path tooDeep = FsFixtures.makePathLongerThanPathMax(dir.resolve("long"));
    Recorder r = subscribe(uri());
    try {
      Files.writeString(dir.resolve("visible.txt"), "v");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("visible.txt"));
      Files.writeString(dir.resolve("visible2.txt"), "v");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("visible2.txt"));
      assertThat(r.error.get()).isNull();
      assertThat(r.keys()).noneMatch(k -> k.endsWith("deep.txt"));
      assertThat(tooDeep.toString().length()).isGreaterThan(4096);
    } finally {
      r.disposable.dispose();
      deleteTree(dir.resolve("long")); // @TempDir cannot delete past PATH_MAX
    }
  }

  @Test
  void nonUtf8AndVeryLongNamesDoNotCrash() throws Exception {
    Recorder r = subscribe(uri());
    try {
      FsFixtures.shell(dir, "printf x > \"$(printf 'bad-\\377\\376.txt')\"");
      String longName = "n".repeat(250) + ".txt";
      Files.writeString(dir.resolve(longName), "long");
      Files.writeString(dir.resolve("after.txt"), "a");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains(longName, "after.txt"));
      assertThat(r.keys()).anyMatch(k -> k.startsWith("bad-"));
      ChangeEvent bad = r.events.stream().filter(e -> e.key().startsWith("bad-")).findFirst().orElseThrow();
      assertThat(Files.exists(bad.path().orElseThrow())).isTrue();
      assertThat(r.error.get()).isNull();
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void symlinkLoopWithFollowLinksIsNotFollowedForever() throws Exception {
    Path a = Files.createDirectories(dir.resolve("a"));
    Files.createSymbolicLink(a.resolve("loop"), dir); // a/loop -> root
    Path outside = Files.createTempDirectory("changeflux-outside");
    try {
      Files.writeString(outside.resolve("o.txt"), "o");
      Files.createSymbolicLink(dir.resolve("out"), outside);
      Recorder r = subscribe(uri() + "&followLinks=true&initial=true");
      try {
        await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("out/o.txt"));
        Files.writeString(a.resolve("in-a.txt"), "x");
        await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("a/in-a.txt"));
        assertThat(r.keys()).noneMatch(k -> k.contains("loop/a/loop"));
        // java.nio's startsWith compares names; AssertJ's would resolve the links.
        assertThat(r.events).allSatisfy(e -> assertThat(e.path().orElseThrow().startsWith(dir)).isTrue());
        assertThat(r.error.get()).isNull();
      } finally {
        r.disposable.dispose();
      }
    } finally {
      deleteTree(outside);
    }
  }

  @Test
  void linksAreNotFollowedByDefault() throws Exception {
    Path outside = Files.createTempDirectory("changeflux-outside");
    try {
      Files.writeString(outside.resolve("o.txt"), "o");
      Files.createSymbolicLink(dir.resolve("out"), outside);
      Recorder r = subscribe(uri() + "&initial=true");
      try {
        await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("out"));
        assertThat(r.keys()).doesNotContain("out/o.txt");
      } finally {
        r.disposable.dispose();
      }
    } finally {
      deleteTree(outside);
    }
  }

  static List<ChangeKind> kinds(Recorder r, String key) {
    return r.events.stream().filter(e -> e.key().equals(key)).map(ChangeEvent::kind).collect(Collectors.toList());
  }

  static void deleteTree(Path p) throws IOException, InterruptedException {
    FsFixtures.shell(p.getParent(), "rm -rf '" + p + "'");
  }

  @Test
  void anErrorDuringAScanEndsTheStreamWithOnError() throws Exception {
    AtomicInteger scans = new AtomicInteger();
    DirectoryPoller.SCAN_HOOKS.put(
        dir,
        () -> {
          if (scans.incrementAndGet() == 3) {
            throw new AssertionError("scan invariant broken");
          }
        });
    Recorder r = subscribe(uri());
    try {
      await().atMost(patience()).untilAsserted(() -> assertThat(r.error.get()).isNotNull());
      assertThat(r.error.get())
          .isInstanceOf(ChangeSourceException.class)
          .hasCauseInstanceOf(AssertionError.class)
          .hasMessageContaining("scan invariant broken");
      await()
          .atMost(patience())
          .untilAsserted(
              () ->
                  assertThat(Thread.getAllStackTraces().keySet())
                      .noneMatch(t -> t.isAlive() && t.getName().startsWith("changeflux-poll")));
      assertThat(scans.get()).isEqualTo(3);
    } finally {
      r.disposable.dispose();
    }
  }
}
