package io.changeflux.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeKind;
import io.changeflux.testkit.LogCapture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File-system faults: the watched directory deleted and recreated; inotify's watch limit. Tagged
 * {@code machine-wide}: the watch limit it lowers is every process's, so the build runs it alone.
 */
@Tag("reliability")
@Tag("machine-wide")
class FsFaultsTest {

  static final Duration PATIENCE = Duration.ofSeconds(30);
  static final Path MAX_WATCHES = Paths.get("/proc/sys/fs/inotify/max_user_watches");

  @TempDir Path tmp;

  @BeforeAll
  static void capture() {
    LogCapture.install();
  }

  static void rmrf(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }

  @Test
  void watchedRootDeletedAndRecreatedThreeTimesIsWatchedAgain() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root"));
    Files.writeString(root.resolve("a"), "a");
    try (Recorder r = new Recorder("fs:" + root + "?awaitRoot=true&pollInterval=100ms")) {
      long t0 = System.nanoTime();
      for (int round = 1; round <= 3; round++) {
        String name = "r" + round;
        rmrf(root);
        int deletedSoFar = round == 1 ? 1 : 1 + 2 * (round - 1);
        await().atMost(PATIENCE).until(() -> r.keys(ChangeKind.DELETED).size() >= deletedSoFar);
        Files.createDirectories(root.resolve("sub"));
        Files.writeString(root.resolve("sub/" + name), name);
        await().atMost(PATIENCE).until(() -> r.keys(ChangeKind.CREATED).contains("sub/" + name));
        // live again: a change after the comeback is seen
        Files.writeString(root.resolve(name + "-live"), name);
        await().atMost(PATIENCE).until(() -> r.keys(ChangeKind.CREATED).contains(name + "-live"));
      }
      Rel.report(
          "faults-fs-root-recreated",
          "watched root deleted and recreated 3 times: %d events (%d DELETED, %d CREATED, %d OVERFLOW),"
              + " watching again each time, no error (%s), in %s",
          r.events.size(), r.keys(ChangeKind.DELETED).size(), r.keys(ChangeKind.CREATED).size(),
          r.overflows(), r.error.get(), Rel.seconds(System.nanoTime() - t0));
      assertThat(r.error.get()).isNull();
      assertThat(r.keys(ChangeKind.DELETED)).contains("a", "sub/r1", "r1-live", "sub/r2");
    }
  }

  @Test
  void subdirectoryDeletedAndRecreatedIsWatchedAgain() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("root2"));
    Files.createDirectories(root.resolve("sub/deep"));
    Files.writeString(root.resolve("sub/deep/x"), "x");
    try (Recorder r = new Recorder("fs:" + root)) {
      for (int round = 1; round <= 5; round++) {
        rmrf(root.resolve("sub"));
        Files.createDirectories(root.resolve("sub/deep"));
        Files.writeString(root.resolve("sub/deep/y" + round), "y");
        int k = round;
        await().atMost(PATIENCE).until(() -> r.keys(ChangeKind.CREATED).contains("sub/deep/y" + k));
      }
      Files.writeString(root.resolve("sub/deep/last"), "z");
      await().atMost(PATIENCE).until(() -> r.keys(ChangeKind.CREATED).contains("sub/deep/last"));
      FileModel m = new FileModel(root);
      r.events.forEach(m::apply);
      assertThat(m.files).isEqualTo(FileModel.scan(root));
      Rel.report("faults-fs-subdir-recreated", "a sub-directory deleted and recreated 5 times: %d events,"
          + " the state applied from them equals the disk", r.events.size());
    }
  }

  /**
   * The sysctl's value in one read: an integer sysctl answers EOF to a read at a non-zero offset,
   * so Files.readString (which probes with a one-byte read first) sees only the first digit.
   */
  static String readSysctl() throws IOException {
    try (var in = Files.newInputStream(MAX_WATCHES)) {
      byte[] buf = new byte[64];
      int n = in.read(buf);
      return new String(buf, 0, Math.max(0, n), java.nio.charset.StandardCharsets.US_ASCII).trim();
    }
  }

  @Test
  void inotifyWatchLimitReachedFallsBackToPollingWithAWarning() throws Exception {
    Assumptions.assumeTrue(Rel.linux(), "inotify is Linux only");
    Assumptions.assumeTrue(
        Files.isWritable(MAX_WATCHES),
        "skipped: " + MAX_WATCHES + " is not writable (run as root to lower the watch limit)");
    String original = readSysctl();
    Assumptions.assumeTrue(
        Integer.parseInt(original) >= 1000,
        "skipped: max_user_watches is already " + original + " (lowered by someone else?); not touching it");
    Path root = Files.createDirectory(tmp.resolve("limit"));
    for (int i = 0; i < 60; i++) {
      Files.createDirectories(root.resolve("d" + i));
    }
    int logFrom = LogCapture.text().length();
    Recorder atStart;
    Recorder later;
    Path root2 = Files.createDirectory(tmp.resolve("limit-later"));
    int used;
    String lowered = null;
    try {
      // the limit is per user and machine-wide: keep the window short, restore in finally
      used = Rel.inotifyWatchesAllProcesses();
      lowered = String.valueOf(used + 20);
      Files.writeString(MAX_WATCHES, lowered);
      atStart = new Recorder("fs:" + root + "?pollInterval=200ms");
      later = new Recorder("fs:" + root2 + "?pollInterval=200ms");
      for (int i = 0; i < 60; i++) {
        Files.createDirectories(root2.resolve("n" + i));
        Files.writeString(root2.resolve("n" + i + "/f"), "f");
      }
      await().atMost(PATIENCE).until(() -> later.events.stream().anyMatch(e -> "fallback".equals(e.headers().get("reason"))));
    } finally {
      // restore unless someone else changed it meanwhile (theirs to restore then)
      if (lowered == null || readSysctl().equals(lowered)) {
        Files.writeString(MAX_WATCHES, original);
      }
    }
    try {
      Files.writeString(root.resolve("d5/new"), "n");
      await().atMost(PATIENCE).until(() -> atStart.keys(ChangeKind.CREATED).contains("d5/new"));
      await().atMost(PATIENCE).until(() -> later.keys(ChangeKind.CREATED).containsAll(
          java.util.stream.IntStream.range(0, 60).mapToObj(i -> "n" + i + "/f").toList()));
      String logs = LogCapture.text().substring(logFrom);
      String warning = logs.lines().filter(l -> l.contains("WARN") && l.contains(root.toString())).findFirst().orElse("");
      String warning2 = logs.lines().filter(l -> l.contains("WARN") && l.contains(root2.toString())).findFirst().orElse("");
      Rel.report(
          "faults-fs-watch-limit",
          "max_user_watches lowered to %d (in use %d, restored to %s): at start -> polling, warning"
              + " \"%s\"; reached later -> OVERFLOW(fallback) then polling, all 60 new files reported,"
              + " warning \"%s\"",
          used + 20, used, original, warning.replaceAll(".*WARN ", ""), warning2.replaceAll(".*WARN ", ""));
      assertThat(warning).containsIgnoringCase("poll");
      assertThat(warning2).isNotEmpty();
      assertThat(atStart.error.get()).isNull();
      assertThat(later.error.get()).isNull();
    } finally {
      atStart.close();
      later.close();
    }
  }
}
