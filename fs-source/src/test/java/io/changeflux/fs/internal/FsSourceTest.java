package io.changeflux.fs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.changeflux.poll.internal.FsFixtures;
import io.changeflux.testkit.ChangeSourceTestKit;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FsSourceTest implements ChangeSourceTestKit {

  @TempDir Path dir;

  @AfterEach
  void resetHooks() {
    NativeWatch.failNativeStart = p -> false;
    NativeWatch.failRegister = p -> false;
  }

  @Override
  public String uri() {
    return "fs:" + dir;
  }

  @Override
  public String failingUri() {
    // Native watching fails for this directory (test hook) and the fallback is off.
    Path d = dir.resolve("no-native");
    try {
      Files.createDirectories(d);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    NativeWatch.failNativeStart = d::equals;
    return "fs:" + d + "?fallback=none";
  }

  @Override
  public String change(int i) throws Exception {
    String key = "kit/sub-" + (i % 7) + "/f-" + i + ".txt";
    Path f = dir.resolve(key);
    Files.createDirectories(f.getParent());
    Files.writeString(f, "change " + i);
    return key;
  }

  @Test
  void nestedCreateModifyDeleteHaveTheRightKindsAndKeys() throws Exception {
    Files.createDirectories(dir.resolve("a/b"));
    Files.writeString(dir.resolve("a/b/keep.txt"), "v1");
    Recorder r = subscribe(uri());
    try {
      Files.writeString(dir.resolve("a/b/new.txt"), "new");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("a/b/new.txt"));
      Files.writeString(dir.resolve("a/b/keep.txt"), "v2 longer");
      await().atMost(patience()).untilAsserted(() -> assertThat(kinds(r, "a/b/keep.txt")).contains(ChangeKind.MODIFIED));
      Files.delete(dir.resolve("a/b/new.txt"));
      await().atMost(patience()).untilAsserted(() -> assertThat(kinds(r, "a/b/new.txt")).contains(ChangeKind.DELETED));
      assertThat(kinds(r, "a/b/new.txt").get(0)).isEqualTo(ChangeKind.CREATED);
      assertThat(kinds(r, "a/b/new.txt")).endsWith(ChangeKind.DELETED);
      assertThat(kinds(r, "a/b/keep.txt")).containsOnly(ChangeKind.MODIFIED);
      ChangeEvent created = r.events.get(0);
      assertThat(created.path()).contains(dir.resolve("a/b/new.txt"));
      assertThat(created.source()).isEqualTo("fs:" + dir);
      assertThat(r.events).noneMatch(e -> e.key().startsWith("/") || e.key().contains("\\"));
      assertThat(r.keys()).doesNotContain("a", "a/b"); // directories are not entries
      assertThat(r.error.get()).isNull();
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void renamingADirectoryWithManyFilesReportsExactlyItsFilesDeletedUnderTheOldName()
      throws Exception {
    // Found by the reliability suite's tree storm: the subtree's entries were read after TreeMap
    // had reused them while deleting, so DELETED named the wrong files (and missed the right ones).
    for (int i = 0; i < 40; i++) {
      Files.createDirectories(dir.resolve("m/a" + i));
      Files.writeString(dir.resolve("m/a" + i + "/f"), "a");
      Files.writeString(dir.resolve("m/z" + i), "z");
    }
    Files.createDirectories(dir.resolve("m/mid"));
    for (int i = 0; i < 40; i++) {
      Files.writeString(dir.resolve("m/mid/f" + i), "m");
    }
    Recorder r = subscribe(uri());
    try {
      Files.move(dir.resolve("m/mid"), dir.resolve("m/renamed"));
      await().atMost(patience()).untilAsserted(() -> assertThat(r.events).hasSizeGreaterThanOrEqualTo(80));
      List<String> deleted = r.events.stream().filter(e -> e.kind() == ChangeKind.DELETED).map(ChangeEvent::key).sorted().toList();
      List<String> expected = java.util.stream.IntStream.range(0, 40).mapToObj(i -> "m/mid/f" + i).sorted().toList();
      assertThat(deleted).isEqualTo(expected);
      assertThat(r.events.stream().filter(e -> e.kind() == ChangeKind.CREATED).map(ChangeEvent::key))
          .containsExactlyInAnyOrderElementsOf(expected.stream().map(k -> k.replace("m/mid/", "m/renamed/")).toList());
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void deletingADirectoryReportsEveryFileInIt() throws Exception {
    Files.createDirectories(dir.resolve("gone/x"));
    Files.writeString(dir.resolve("gone/1"), "1");
    Files.writeString(dir.resolve("gone/x/2"), "2");
    Path away = Files.createTempDirectory("changeflux-away");
    Recorder r = subscribe(uri());
    try {
      // A move out of the tree: inotify reports only the directory.
      Files.move(dir.resolve("gone"), away.resolve("gone"));
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("gone/1", "gone/x/2"));
      assertThat(r.events).allMatch(e -> e.kind() == ChangeKind.DELETED);
    } finally {
      r.disposable.dispose();
      FsFixtures.shell(away.getParent(), "rm -rf '" + away + "'");
    }
  }

  @Test
  void changesToExistingDirectoriesThemselvesAreNotEntries() throws Exception {
    // Without hashing, the watch skips directory-watcher's listing walk, so the library flags
    // events on directories that existed at start as files: they must still not become entries,
    // trigger a rescan, or hide the files' own events.
    Files.createDirectories(dir.resolve("d/sub"));
    Files.writeString(dir.resolve("d/sub/f.txt"), "1");
    Recorder r = subscribe(uri());
    try {
      Files.setLastModifiedTime(dir.resolve("d/sub"), FileTime.fromMillis(1_000_000L));
      Files.setLastModifiedTime(dir.resolve("d"), FileTime.fromMillis(2_000_000L));
      dir.resolve("d/sub").toFile().setReadOnly();
      dir.resolve("d/sub").toFile().setWritable(true);
      Files.writeString(dir.resolve("marker.txt"), "after the directory changes");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("marker.txt"));
      assertThat(r.keys()).containsOnly("marker.txt");
      Files.delete(dir.resolve("d/sub/f.txt"));
      Files.delete(dir.resolve("d/sub"));
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("d/sub/f.txt"));
      Files.writeString(dir.resolve("marker2.txt"), "after the delete");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("marker2.txt"));
      assertThat(kinds(r, "d/sub/f.txt")).containsExactly(ChangeKind.DELETED);
      assertThat(r.keys()).containsOnly("marker.txt", "d/sub/f.txt", "marker2.txt");
      assertThat(r.events).noneMatch(e -> e.kind() == ChangeKind.OVERFLOW);
      assertThat(r.error.get()).isNull();
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void newSubdirectoriesAreWatchedAndFilesMadeBeforeTheirWatchAreReported() throws Exception {
    Recorder r = subscribe(uri());
    try {
      List<String> expected = new java.util.ArrayList<>();
      for (int d = 0; d < 30; d++) {
        Path sub = Files.createDirectories(dir.resolve("n" + d + "/deeper"));
        for (int f = 0; f < 5; f++) {
          Files.writeString(sub.resolve("f" + f), "x");
          expected.add("n" + d + "/deeper/f" + f);
        }
      }
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).containsAll(expected));
      // The new directories are watched: later changes in them are seen.
      Files.writeString(dir.resolve("n29/deeper/later"), "y");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("n29/deeper/later"));
      assertThat(r.events.stream().filter(e -> e.kind() == ChangeKind.CREATED).map(ChangeEvent::key))
          .doesNotHaveDuplicates();
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void initialTrueReportsExistingFilesFirst() throws Exception {
    Files.createDirectories(dir.resolve("x"));
    Files.writeString(dir.resolve("x/one"), "1");
    Files.writeString(dir.resolve("two"), "2");
    Recorder r = subscribe(uri() + "?initial=true");
    try {
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).containsExactlyInAnyOrder("x/one", "two"));
      assertThat(r.events).allMatch(e -> e.kind() == ChangeKind.CREATED);
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void recursiveFalseSeesOnlyTheRootsOwnFiles() throws Exception {
    Files.createDirectories(dir.resolve("deep"));
    Recorder r = subscribe(uri() + "?recursive=false");
    try {
      Files.writeString(dir.resolve("deep/hidden.txt"), "no");
      Files.createDirectories(dir.resolve("newdir"));
      Files.writeString(dir.resolve("newdir/hidden2.txt"), "no");
      Files.writeString(dir.resolve("top.txt"), "yes");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("top.txt"));
      assertThat(r.keys()).containsOnly("top.txt");
      assertThat(inotifyWatches()).isLessThan(3); // only the root is watched (plus other tests' leftovers)
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void hashTrueDropsTouchesThatChangeNoContent() throws Exception {
    Path f = dir.resolve("h.txt");
    Files.writeString(f, "same");
    Recorder plain = subscribe(uri());
    Recorder hashed = subscribe(uri() + "?hash=true");
    try {
      Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
      await().atMost(patience()).untilAsserted(() -> assertThat(kinds(plain, "h.txt")).contains(ChangeKind.MODIFIED));
      Files.writeString(dir.resolve("marker"), "m");
      await().atMost(patience()).untilAsserted(() -> assertThat(hashed.keys()).contains("marker"));
      assertThat(hashed.keys()).doesNotContain("h.txt");
      Files.writeString(f, "different");
      await().atMost(patience()).untilAsserted(() -> assertThat(kinds(hashed, "h.txt")).contains(ChangeKind.MODIFIED));
    } finally {
      plain.disposable.dispose();
      hashed.disposable.dispose();
    }
  }

  @Test
  void aFifoInTheTreeDoesNotBlockHashing() throws Exception {
    FsFixtures.shell(dir, "mkfifo pipe");
    Recorder r = subscribe(uri() + "?hash=true&initial=true");
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
    assertThatThrownBy(() -> ChangeSources.open("fs:/no/such/dir"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("fs:/no/such/dir")
        .hasMessageContaining("no such directory: /no/such/dir");
  }

  @Test
  void fallbackAutoPollsWhereNativeWatchingCannotStart() throws Exception {
    NativeWatch.failNativeStart = dir::equals;
    Files.writeString(dir.resolve("before"), "b");
    Recorder r = subscribe(uri() + "?pollInterval=100ms&initial=true");
    try {
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("before"));
      Files.createDirectories(dir.resolve("p"));
      Files.writeString(dir.resolve("p/after"), "a");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("p/after"));
      Files.delete(dir.resolve("before"));
      await().atMost(patience()).untilAsserted(() -> assertThat(kinds(r, "before")).containsExactly(ChangeKind.CREATED, ChangeKind.DELETED));
      assertThat(pollThreads()).isGreaterThan(0);
      assertThat(r.error.get()).isNull();
    } finally {
      r.disposable.dispose();
    }
    await().atMost(patience()).untilAsserted(() -> assertThat(pollThreads()).isZero());
  }

  @Test
  void watchLimitReachedLaterSwitchesToPollingWithoutLosingFiles() throws Exception {
    Path limit = dir.resolve("too-many");
    NativeWatch.failRegister = limit::equals;
    Recorder r = subscribe(uri() + "?pollInterval=100ms");
    try {
      Files.writeString(dir.resolve("native"), "n");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("native"));
      Files.createDirectories(limit);
      Files.writeString(limit.resolve("inside"), "i");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("too-many/inside"));
      assertThat(r.events).extracting(ChangeEvent::kind).contains(ChangeKind.OVERFLOW);
      await().atMost(patience()).untilAsserted(() -> assertThat(pollThreads()).isGreaterThan(0));
      Files.writeString(limit.resolve("later"), "l");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("too-many/later"));
      // Polling continued from the state native watching knew: "native" is not reported again.
      assertThat(kinds(r, "native")).containsOnlyOnce(ChangeKind.CREATED).doesNotContain(ChangeKind.DELETED);
      assertThat(r.error.get()).isNull();
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void watchLimitReachedLaterWithFallbackNoneIsAnError() throws Exception {
    Path limit = dir.resolve("too-many");
    NativeWatch.failRegister = limit::equals;
    Recorder r = subscribe(uri() + "?fallback=none");
    try {
      Files.createDirectories(limit);
      await().atMost(patience()).untilAsserted(() -> assertThat(r.error.get()).isNotNull());
      assertThat(r.error.get())
          .isInstanceOf(ChangeSourceException.class)
          .hasMessageContaining("fs:" + dir + "?fallback=none: native watching stopped")
          .hasMessageContaining("inotify watches");
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void fallbackPollPollsWithoutTryingNativeWatching() throws Exception {
    int watches = inotifyWatches();
    Recorder r = subscribe(uri() + "?fallback=poll&pollInterval=100ms");
    try {
      assertThat(inotifyWatches()).isEqualTo(watches);
      Files.writeString(dir.resolve("polled"), "p");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("polled"));
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void cancelReleasesEveryInotifyWatch() throws Exception {
    for (int i = 0; i < 50; i++) {
      Files.createDirectories(dir.resolve("w" + i + "/x"));
    }
    int before = inotifyWatches();
    Recorder r = subscribe(uri());
    assertThat(inotifyWatches()).isGreaterThanOrEqualTo(before + 101);
    r.disposable.dispose();
    await().atMost(patience()).untilAsserted(() -> assertThat(inotifyWatches()).isEqualTo(before));
    await().atMost(patience()).untilAsserted(() -> assertThat(fsThreads()).isZero());
  }

  @Test
  void unreadableDirectoryIsSkippedAndTheRestStillWatched() throws Exception {
    // We run as root, so chmod 000 does not stop reads. A directory whose absolute path is longer
    // than PATH_MAX (4096) cannot be opened or watched by anyone: a real unreadable directory.
    Path tooDeep = FsFixtures.makePathLongerThanPathMax(dir.resolve("long"));
    Recorder r = subscribe(uri() + "?initial=true");
    try {
      Files.writeString(dir.resolve("visible.txt"), "v");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("visible.txt"));
      assertThat(r.keys()).noneMatch(k -> k.endsWith("deep.txt"));
      assertThat(tooDeep.toString().length()).isGreaterThan(4096);
      assertThat(r.error.get()).isNull();
    } finally {
      r.disposable.dispose();
      FsFixtures.shell(dir, "rm -rf long"); // @TempDir cannot delete past PATH_MAX
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
      Recorder r = subscribe(uri() + "?followLinks=true&initial=true");
      try {
        await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("out/o.txt"));
        Files.writeString(a.resolve("in-a.txt"), "x");
        await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("a/in-a.txt"));
        // The linked directory is watched too, and named inside the root.
        Files.writeString(outside.resolve("o2.txt"), "o");
        await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("out/o2.txt"));
        assertThat(r.keys()).noneMatch(k -> k.contains("loop/a/loop"));
        // java.nio's startsWith compares names; AssertJ's would resolve the links.
        assertThat(r.events).allSatisfy(e -> assertThat(e.path().orElseThrow().startsWith(dir)).isTrue());
        assertThat(r.error.get()).isNull();
      } finally {
        r.disposable.dispose();
      }
    } finally {
      FsFixtures.shell(outside.getParent(), "rm -rf '" + outside + "'");
    }
  }

  @Test
  void aLinkToADirectoryMadeLaterIsFollowedAndWatched() throws Exception {
    Path outside = Files.createTempDirectory("changeflux-outside");
    try {
      Files.writeString(outside.resolve("o.txt"), "o");
      Recorder r = subscribe(uri() + "?followLinks=true");
      try {
        Files.createSymbolicLink(dir.resolve("later"), outside);
        await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("later/o.txt"));
        Files.writeString(outside.resolve("o2.txt"), "o");
        await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("later/o2.txt"));
        assertThat(r.events).extracting(ChangeEvent::kind).doesNotContain(ChangeKind.OVERFLOW);
      } finally {
        r.disposable.dispose();
      }
    } finally {
      FsFixtures.shell(outside.getParent(), "rm -rf '" + outside + "'");
    }
  }

  @Test
  void linksAreNotFollowedByDefault() throws Exception {
    Path outside = Files.createTempDirectory("changeflux-outside");
    try {
      Files.writeString(outside.resolve("o.txt"), "o");
      Files.createSymbolicLink(dir.resolve("out"), outside);
      Recorder r = subscribe(uri() + "?initial=true");
      try {
        await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("out"));
        Files.writeString(outside.resolve("o2.txt"), "o");
        Files.writeString(dir.resolve("marker"), "m");
        await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("marker"));
        assertThat(r.keys()).noneMatch(k -> k.startsWith("out/"));
      } finally {
        r.disposable.dispose();
      }
    } finally {
      FsFixtures.shell(outside.getParent(), "rm -rf '" + outside + "'");
    }
  }

  @Test
  void rootDeletedEmitsDeletedForItsFilesThenAClearError() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Files.writeString(root.resolve("a"), "a");
    Files.createDirectories(root.resolve("s"));
    Files.writeString(root.resolve("s/b"), "b");
    Recorder r = subscribe("fs:" + root);
    try {
      FsFixtures.shell(dir, "rm -rf root");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.error.get()).isNotNull());
      assertThat(r.error.get())
          .isInstanceOf(ChangeSourceException.class)
          .hasMessage("fs:" + root + ": watched root " + root + " was deleted");
      assertThat(r.events).extracting(ChangeEvent::kind).containsOnly(ChangeKind.DELETED);
      assertThat(r.keys()).containsExactlyInAnyOrder("a", "s/b");
    } finally {
      r.disposable.dispose();
    }
    await().atMost(patience()).untilAsserted(() -> assertThat(fsThreads()).isZero());
  }

  @Test
  void rootMovedAwayIsReportedLikeADeletedRoot() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Files.writeString(root.resolve("a"), "a");
    Recorder r = subscribe("fs:" + root);
    try {
      Files.move(root, dir.resolve("moved"));
      await().atMost(patience()).untilAsserted(() -> assertThat(r.error.get()).isNotNull());
      assertThat(r.error.get()).hasMessage("fs:" + root + ": watched root " + root + " was deleted");
      assertThat(r.events).extracting(ChangeEvent::kind).containsExactly(ChangeKind.DELETED);
      assertThat(r.keys()).containsExactly("a");
      // Nothing is reported from the old directory under the root's name.
      assertThat(r.events).allSatisfy(e -> assertThat(e.path()).contains(root.resolve("a")));
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void rootReplacedByANewDirectoryIsRewatched() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Files.writeString(root.resolve("old"), "o");
    Recorder r = subscribe("fs:" + root);
    try {
      Files.move(root, dir.resolve("old-root"));
      Files.createDirectories(root);
      Files.writeString(root.resolve("new"), "n");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("old", "new"));
      assertThat(kinds(r, "old")).containsExactly(ChangeKind.DELETED);
      assertThat(kinds(r, "new")).contains(ChangeKind.CREATED);
      Files.writeString(root.resolve("newer"), "n");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("newer"));
      Files.writeString(dir.resolve("old-root/ignored"), "x");
      Files.writeString(root.resolve("marker"), "m");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("marker"));
      assertThat(r.keys()).doesNotContain("ignored");
      assertThat(r.error.get()).isNull();
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void awaitRootWaitsForTheRootToComeBack() throws Exception {
    Path root = dir.resolve("later");
    Recorder r = subscribe("fs:" + root + "?awaitRoot=true&pollInterval=50ms");
    try {
      Files.createDirectories(root);
      Files.writeString(root.resolve("first"), "1");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("first"));
      FsFixtures.shell(dir, "rm -rf later");
      // (A MODIFIED between them when the engine saw the write apart from the create.)
      await().atMost(patience()).untilAsserted(() -> assertThat(kinds(r, "first")).endsWith(ChangeKind.DELETED));
      assertThat(kinds(r, "first")).startsWith(ChangeKind.CREATED).containsOnlyOnce(ChangeKind.CREATED, ChangeKind.DELETED);
      Files.createDirectories(root);
      Files.writeString(root.resolve("second"), "2");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("second"));
      Files.writeString(root.resolve("third"), "3");
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains("third"));
      assertThat(r.error.get()).isNull();
    } finally {
      r.disposable.dispose();
    }
  }

  static List<ChangeKind> kinds(Recorder r, String key) {
    return r.events.stream().filter(e -> e.key().equals(key)).map(ChangeEvent::kind).collect(Collectors.toList());
  }

  /** inotify watches this process holds (Linux: /proc/self/fdinfo). */
  static int inotifyWatches() throws IOException {
    int n = 0;
    File[] infos = new File("/proc/self/fdinfo").listFiles();
    if (infos == null) {
      return 0;
    }
    for (File info : infos) {
      try {
        for (String line : Files.readAllLines(info.toPath())) {
          if (line.startsWith("inotify wd:")) {
            n++;
          }
        }
      } catch (IOException gone) {
        // closed meanwhile
      }
    }
    return n;
  }

  static long fsThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("changeflux-fs-"))
        .count();
  }

  static long pollThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("changeflux-poll"))
        .count();
  }
}
