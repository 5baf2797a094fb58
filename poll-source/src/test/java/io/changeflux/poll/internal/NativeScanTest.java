package io.changeflux.poll.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changeflux.files.FileState;
import io.changeflux.files.TreeScanner;
import io.changeflux.files.internal.NativeWalk;
import io.changeflux.files.internal.PackedKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poll scan on the native walk returns exactly what {@link TreeScanner#scan()} returns of the
 * same real tree — keys, paths (raw bytes included), sizes, times, file keys by text — in every
 * mode, on a tree of hostile and undecodable names, links (followed or not, a loop), a FIFO,
 * pruned, deep and unreadable directories and times before 1970; and a native walk that fails
 * mid-way is done by the scanner, with nothing changed for the poller's diff.
 */
class NativeScanTest {

  @TempDir Path dir;
  private Path built;

  @BeforeEach
  void linuxOnly() {
    Assumptions.assumeTrue(NativeScan.available(), "native walk: " + NativeScan.unavailableReason());
  }

  @AfterEach
  void cleanUp() throws Exception {
    NativeWalk.failAt = p -> false;
    NativeWalk.enableAfterTestHook();
    if (built != null) {
      HostileTrees.open(built);
    }
  }

  /** One line per entry, in key order: key, raw path, size, time, file key's text. */
  private static List<String> lines(Map<String, FileState> scan) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, FileState> e : new TreeMap<>(scan).entrySet()) {
      FileState f = e.getValue();
      out.add(e.getKey() + " | " + raw(f.path()) + " | " + f.size() + " " + f.mtimeNanos() + " " + f.fileKey() + " " + f.sha() + " | " + f);
    }
    return out;
  }

  /** A path's raw bytes, percent-encoded where not plain (two names that decode alike differ here). */
  private static String raw(Path p) {
    return p.toUri().getRawPath();
  }

  @Test
  void returnsWhatTheScannerReturnsInEveryMode() throws Exception {
    Path root = built = HostileTrees.build(dir);
    for (boolean recursive : new boolean[] {true, false}) {
      for (boolean follow : new boolean[] {false, true}) {
        for (boolean gitignore : new boolean[] {false, true}) {
          TreeScanner scanner =
              gitignore ? HostileTrees.gitignoreScanner(root, recursive, follow) : new TreeScanner(root, recursive, follow);
          NativeScan scan = new NativeScan(scanner);
          assertThat(scan.walksNatively()).isTrue();
          String mode = "recursive=" + recursive + " followLinks=" + follow + " gitignore=" + gitignore;
          Map<String, FileState> ours = scan.scan();
          Map<String, FileState> theirs = scanner.scan();
          List<String> want = lines(theirs);
          assertThat(lines(ours)).as(mode).containsExactlyElementsOf(want);
          theirs.forEach((k, f) -> assertThat(ours.get(k).path()).as(k).isEqualTo(f.path()));
          assertThat(ours.values()).as(mode).allMatch(f -> f.fileKey() instanceof PackedKey);
          assertThat(want).as(mode).anyMatch(l -> l.startsWith("fifo |"));
          assertThat(want).as(mode).anyMatch(l -> l.startsWith("bad\uFFFD.txt | ") && l.contains("%FF"));
          assertThat(want).as(mode).anyMatch(l -> l.startsWith("dangling |"));
          if (!follow) {
            assertThat(want).as(mode).anyMatch(l -> l.startsWith("link-file |") && l.contains(" -500000000 "));
          }
          assertThat(want).as(mode).anyMatch(l -> l.startsWith("plain.txt |") && l.contains(" 1700000000123456789 "));
          if (recursive) {
            assertThat(want).as(mode).anyMatch(l -> l.startsWith("dir\uFFFD\uFFFD/sub\uFFFD/leaf |"));
            assertThat(want).as(mode).anyMatch(l -> l.startsWith("a/b/é.txt |") && l.contains(" " + HostileTrees.BEFORE_1970_NANOS + " "));
            assertThat(want).as(mode).anyMatch(l -> l.startsWith("hostile/"));
            assertThat(want).as(mode).anyMatch(l -> l.contains("/level5 |")); // below 1,200 chars: opened by path
            assertThat(want.stream().anyMatch(l -> l.startsWith("node_modules/"))).as(mode).isEqualTo(!gitignore);
            assertThat(want.stream().anyMatch(l -> l.startsWith("logs/app.log"))).as(mode).isEqualTo(!gitignore);
            assertThat(want.stream().anyMatch(l -> l.startsWith("link-dir/b/c/deep.txt"))).as(mode).isEqualTo(follow);
            assertThat(want.stream().anyMatch(l -> l.startsWith("link-dir/b/loop/"))).as(mode).isFalse();
          } else {
            assertThat(want).as(mode).noneMatch(l -> l.substring(0, l.indexOf(" | ")).contains("/"));
          }
        }
      }
    }
  }

  @Test
  void aSecondScanSeesTheChangesTheScannerSees() throws Exception {
    Path root = built = HostileTrees.build(dir);
    TreeScanner scanner = new TreeScanner(root, true, false);
    NativeScan scan = new NativeScan(scanner);
    scan.scan();
    Files.writeString(root.resolve("a/b/c/deep.txt"), "longer now");
    Files.delete(root.resolve("plain.txt"));
    Files.writeString(root.resolve("a/new.txt"), "new");
    Map<String, FileState> ours = scan.scan();
    assertThat(lines(ours)).containsExactlyElementsOf(lines(scanner.scan()));
    assertThat(ours).containsKey("a/new.txt").doesNotContainKey("plain.txt");
    assertThat(ours.get("a/b/c/deep.txt").size()).isEqualTo(10);
  }

  @Test
  void aRootThatIsMissingOrAFileFailsAsTheScannerDoes() throws Exception {
    Path file = Files.writeString(dir.resolve("file"), "x");
    assertThatThrownBy(() -> new NativeScan(new TreeScanner(file, true, false)).scan()).isInstanceOf(NotDirectoryException.class);
    Path missing = dir.resolve("missing");
    assertThatThrownBy(() -> new NativeScan(new TreeScanner(missing, true, false)).scan()).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void aWalkThatFailsMidWayIsDoneByTheScannerAndChangesNothing() throws Exception {
    Path root = built = HostileTrees.build(dir);
    TreeScanner scanner = new TreeScanner(root, true, false);
    NativeScan scan = new NativeScan(scanner);
    Map<String, FileState> before = scan.scan(); // natively
    assertThat(before.values()).allMatch(f -> f.fileKey() instanceof PackedKey);
    NativeWalk.failAt = p -> p.endsWith("b");
    Map<String, FileState> after = scan.scan(); // fails at a/b, scanned again by the scanner
    assertThat(scan.walksNatively()).as("disabled after the failure").isFalse();
    assertThat(after.values()).noneMatch(f -> f.fileKey() instanceof PackedKey);
    assertThat(after.keySet()).containsExactlyInAnyOrderElementsOf(before.keySet());
    for (Map.Entry<String, FileState> e : after.entrySet()) {
      // the poller's diff: unchanged, though the keys are of another class now
      assertThat(before.get(e.getKey()).sameStat(e.getValue())).as(e.getKey()).isTrue();
      assertThat(e.getValue().sameStat(before.get(e.getKey()))).as(e.getKey()).isTrue();
      assertThat(io.changeflux.state.StateEntry.of(e.getValue())).as(e.getKey()).isEqualTo(io.changeflux.state.StateEntry.of(before.get(e.getKey())));
    }
  }

  @Test
  void aFileReplacedUnderItsNameIsNotTheSameAcrossWalks() throws IOException {
    Path root = Files.createDirectory(dir.resolve("r"));
    Path f = Files.writeString(root.resolve("f"), "same");
    TreeScanner scanner = new TreeScanner(root, true, false);
    FileState nat = new NativeScan(scanner).scan().get("f");
    Path tmp = Files.writeString(root.resolve("tmp"), "same");
    Files.setLastModifiedTime(tmp, Files.getLastModifiedTime(f));
    Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    FileState jdk = scanner.scan().get("f");
    assertThat(nat.size()).isEqualTo(jdk.size());
    assertThat(nat.mtimeNanos()).isEqualTo(jdk.mtimeNanos());
    assertThat(nat.sameStat(jdk)).as("another inode").isFalse();
  }
}
