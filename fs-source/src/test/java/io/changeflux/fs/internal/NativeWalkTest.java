package io.changeflux.fs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changeflux.files.TreeScanner;
import io.changeflux.files.internal.NativeWalk;
import io.changeflux.files.internal.PackedKey;
import io.changeflux.poll.internal.HostileTrees;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native engine's own walk reports exactly what {@link TreeScanner#walk} reports of the same
 * real tree — keys, entry paths (raw bytes included), sizes, times, (dev, ino), directories, in
 * order — with hostile and undecodable names, links of every kind (followed or not, a loop),
 * FIFOs, empty and pruned directories, non-recursive mode and walks from a sub-directory; and a
 * directory or entry that vanishes mid-walk does not fail it.
 */
class NativeWalkTest {

  @TempDir Path dir;

  @BeforeEach
  void linuxOnly() {
    Assumptions.assumeTrue(NativeWalk.available(), "native walk: " + NativeWalk.unavailableReason());
  }

  @AfterEach
  void noHook() {
    NativeWalk.beforeList = null;
  }

  /** What a walk reported: directories and entries, each one line, in order. */
  record Seen(List<String> dirs, List<String> files) {}

  private static Seen jdk(TreeScanner scanner, Path start) throws IOException {
    List<String> dirs = new ArrayList<>();
    List<String> files = new ArrayList<>();
    scanner.walk(
        start,
        new TreeScanner.Visitor() {
          @Override
          public void directory(Path d) {}

          @Override
          public void directory(Path d, Object fileKey) {
            dirs.add(raw(d) + " " + fileKey);
          }

          @Override
          public void file(Path file, String key, BasicFileAttributes a) {
            files.add(
                key + " | " + raw(file) + " | " + a.size() + " " + a.lastModifiedTime().to(TimeUnit.NANOSECONDS) + " " + a.fileKey());
          }
        },
        true);
    return new Seen(dirs, files);
  }

  private static Seen ours(TreeScanner scanner, Path start) throws IOException {
    List<String> dirs = new ArrayList<>();
    List<String> files = new ArrayList<>();
    NativeWalk w = new NativeWalk(scanner);
    w.walk(
        start,
        new NativeWalk.Visitor() {
          @Override
          public void directory(Path d, long dev, long ino) {
            byte[] z = w.dirPathZ();
            assertThat(z[z.length - 1]).isZero();
            assertThat(new String(java.util.Arrays.copyOf(z, z.length - 1), StandardCharsets.ISO_8859_1))
                .as("the bytes the walk opens and watches %s by", d)
                .isEqualTo(new String(rawBytes(d), StandardCharsets.ISO_8859_1));
            dirs.add(raw(d) + " " + new PackedKey(dev, ino));
          }

          @Override
          public void file(String key, long size, long mtimeNanos, long dev, long ino) {
            files.add(key + " | " + raw(w.entryPath()) + " | " + size + " " + mtimeNanos + " " + new PackedKey(dev, ino));
          }
        },
        true);
    return new Seen(dirs, files);
  }

  /** A path's raw bytes, percent-encoded where not plain (two names that decode alike differ here). */
  private static String raw(Path p) {
    String u = p.toUri().getRawPath();
    return u.length() > 1 && u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
  }

  private static byte[] rawBytes(Path p) {
    String u = raw(p);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < u.length(); i++) {
      char c = u.charAt(i);
      if (c == '%') {
        out.write(Integer.parseInt(u.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        out.write(c);
      }
    }
    return out.toByteArray();
  }

  private Path built;

  /** The shared hostile tree (poll-source's test-jar), made deletable again afterwards. */
  private Path hostileTree() throws Exception {
    built = HostileTrees.build(dir);
    return built;
  }

  @AfterEach
  void openTree() throws Exception {
    if (built != null) {
      HostileTrees.open(built);
    }
  }

  private static TreeScanner gitignoreScanner(Path root, boolean recursive, boolean followLinks) {
    return HostileTrees.gitignoreScanner(root, recursive, followLinks);
  }

  @Test
  void reportsWhatTheScannerReportsInEveryMode() throws Exception {
    Path root = hostileTree();
    for (boolean recursive : new boolean[] {true, false}) {
      for (boolean follow : new boolean[] {false, true}) {
        for (boolean gitignore : new boolean[] {false, true}) {
          TreeScanner scanner =
              gitignore ? gitignoreScanner(root, recursive, follow) : new TreeScanner(root, recursive, follow);
          Seen want = jdk(scanner, root);
          Seen got = ours(scanner, root);
          String mode = "recursive=" + recursive + " followLinks=" + follow + " gitignore=" + gitignore;
          assertThat(got.dirs()).as(mode).containsExactlyElementsOf(want.dirs());
          assertThat(got.files()).as(mode).containsExactlyElementsOf(want.files());
          assertThat(want.files()).as(mode).anyMatch(l -> l.startsWith("fifo |"));
          assertThat(want.files()).as(mode).anyMatch(l -> l.startsWith("bad\uFFFD.txt | ") && l.contains("%FF"));
          assertThat(want.files()).as(mode).anyMatch(l -> l.startsWith("dangling |"));
          if (recursive) {
            assertThat(want.files()).as(mode).anyMatch(l -> l.startsWith("dir\uFFFD\uFFFD/sub\uFFFD/leaf |"));
            assertThat(want.files()).as(mode).anyMatch(l -> l.startsWith("hostile/"));
            assertThat(want.files().stream().anyMatch(l -> l.startsWith("node_modules/"))).as(mode).isEqualTo(!gitignore);
            assertThat(want.files().stream().anyMatch(l -> l.startsWith("logs/app.log"))).as(mode).isEqualTo(!gitignore);
            assertThat(want.files().stream().anyMatch(l -> l.startsWith("link-dir/b/c/deep.txt"))).as(mode).isEqualTo(follow);
            assertThat(want.dirs()).as(mode).anyMatch(l -> l.contains("/empty "));
          } else {
            assertThat(want.dirs()).as(mode).hasSize(1);
          }
        }
      }
    }
  }

  @Test
  void statOfOneEntryIsTheScannersWithAndWithoutFollowingLinks() throws Exception {
    Path root = hostileTree();
    List<Path> paths = new ArrayList<>();
    try (Stream<Path> s = Files.walk(root)) {
      s.forEach(paths::add); // files, directories, links (not followed), a FIFO, undecodable names
    }
    paths.add(root.resolve("missing"));
    paths.add(root.resolve("a/missing/deeper"));
    for (boolean follow : new boolean[] {false, true}) {
      TreeScanner scanner = new TreeScanner(root, true, follow);
      NativeWalk walk = new NativeWalk(scanner);
      int files = 0;
      for (Path p : paths) {
        boolean[] wantLink = new boolean[1];
        boolean[] gotLink = new boolean[1];
        String want = line(scanner.stat(p, wantLink));
        String got = line(walk.stat(p, gotLink));
        assertThat(got).as("%s followLinks=%s", raw(p), follow).isEqualTo(want);
        assertThat(gotLink[0]).as("link flag of %s", raw(p)).isEqualTo(wantLink[0]);
        files += want.equals("null") ? 0 : 1;
      }
      assertThat(files).as("entries compared").isGreaterThan(10);
    }
  }

  /** A state as one line: path bytes, size, time and the file key's text (which pairs moves). */
  private static String line(io.changeflux.files.@org.jspecify.annotations.Nullable FileState f) {
    return f == null ? "null" : raw(f.path()) + " " + f.size() + " " + f.mtimeNanos() + " " + f.fileKey();
  }

  @Test
  void walksFromASubdirectoryAsTheScannerDoes() throws Exception {
    Path root = hostileTree();
    TreeScanner scanner = gitignoreScanner(root, true, true);
    for (Path start :
        new Path[] {
          root.resolve("a"), root.resolve("a/b"), root.resolve("link-dir"), root.resolve("node_modules/pkg"), dir, root.resolve("missing")
        }) {
      Seen want;
      try {
        want = jdk(scanner, start);
      } catch (NoSuchFileException e) {
        assertThatThrownBy(() -> ours(scanner, start)).isInstanceOf(NoSuchFileException.class);
        continue;
      }
      Seen got = ours(scanner, start);
      assertThat(got).as("from %s", start).isEqualTo(want);
    }
    try (Stream<Path> s = Files.list(root)) {
      Path bad = s.filter(p -> p.getFileName().toString().startsWith("dir")).findFirst().orElseThrow();
      assertThat(ours(scanner, bad)).isEqualTo(jdk(scanner, bad)); // a start the JDK names by raw bytes
    }
  }

  @Test
  void aRootThatIsMissingOrAFileFailsAsTheScannerDoes() throws Exception {
    Path file = Files.writeString(dir.resolve("file"), "x");
    TreeScanner onFile = new TreeScanner(file, true, false);
    assertThatThrownBy(() -> jdk(onFile, file)).isInstanceOf(NotDirectoryException.class);
    assertThatThrownBy(() -> ours(onFile, file)).isInstanceOf(NotDirectoryException.class);
    Path missing = dir.resolve("missing");
    TreeScanner onMissing = new TreeScanner(missing, true, false);
    assertThatThrownBy(() -> ours(onMissing, missing)).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void aDirectoryDeletedJustBeforeItIsListedIsSkipped() throws Exception {
    Path root = Files.createDirectory(dir.resolve("root"));
    Files.createDirectories(root.resolve("gone/below"));
    Files.writeString(root.resolve("gone/below/x.txt"), "x");
    Files.createDirectories(root.resolve("keep"));
    Files.writeString(root.resolve("keep/y.txt"), "y");
    Files.writeString(root.resolve("top.txt"), "t");
    NativeWalk.beforeList = d -> {
      if (d.getFileName().toString().equals("gone")) {
        deleteTree(d);
      }
    };
    Seen got = ours(new TreeScanner(root, true, false), root);
    assertThat(got.files()).extracting(l -> l.substring(0, l.indexOf(" | "))).containsExactlyInAnyOrder("keep/y.txt", "top.txt");
    assertThat(got.dirs()).anyMatch(l -> l.contains("/gone ")).noneMatch(l -> l.contains("/below "));
  }

  @Test
  void entriesDeletedAfterTheirDirectoryWasListedAreLeftOut() throws Exception {
    Path root = Files.createDirectory(dir.resolve("root"));
    for (int i = 0; i < 20; i++) {
      Files.createDirectories(root.resolve("d" + i));
      Files.writeString(root.resolve("d" + i + "/f"), "f"); // only directories at the top: none is
      // reported before the first one is entered
    }
    Map<String, Path> first = new HashMap<>();
    NativeWalk.beforeList = d -> {
      if (!d.equals(root) && first.isEmpty()) {
        first.put("dir", d);
        try (Stream<Path> s = Files.list(root)) {
          s.filter(p -> !p.equals(d)).forEach(NativeWalkTest::deleteTree); // listed already, not stat'ed yet
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    };
    Seen got = ours(new TreeScanner(root, true, false), root);
    String kept = first.get("dir").getFileName().toString();
    assertThat(got.files()).extracting(l -> l.substring(0, l.indexOf(" | "))).containsExactly(kept + "/f");
  }

  private static void deleteTree(Path p) {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void aFileTableFilledByTheWalkHasTheScannersEntries() throws Exception {
    Path root = hostileTree();
    TreeScanner scanner = new TreeScanner(root, true, false);
    FileTable ours = new FileTable(scanner.root());
    new NativeWalk(scanner)
        .walk(
            root,
            new NativeWalk.Visitor() {
              @Override
              public void directory(Path d, long dev, long ino) {}

              @Override
              public void file(String key, long size, long mtimeNanos, long dev, long ino) {
                ours.add(key, size, mtimeNanos, dev, ino);
              }
            },
            true);
    FileTable theirs = FileTable.of(scanner.root(), scanner.scan());
    assertThat(ours.sortedKeys()).containsExactly(theirs.sortedKeys());
    for (String k : theirs.sortedKeys()) {
      assertThat(ours.sameStat(k, theirs)).as(k).isTrue();
      assertThat(String.valueOf(ours.get(k).fileKey())).as(k).isEqualTo(String.valueOf(theirs.get(k).fileKey()));
      assertThat(ours.get(k).path()).as(k).isEqualTo(theirs.get(k).path());
    }
  }

  @Test
  void directoriesAreKnownByValueWhicheverWalkFoundThem() throws Exception {
    Path root = hostileTree();
    TreeScanner scanner = new TreeScanner(root, true, false);
    TreeState tree = new TreeState(scanner.root());
    new NativeWalk(scanner)
        .walk(
            root,
            new NativeWalk.Visitor() {
              @Override
              public void directory(Path d, long dev, long ino) {
                tree.registered(d, new PackedKey(dev, ino));
              }

              @Override
              public void file(String key, long size, long mtimeNanos, long dev, long ino) {}
            },
            true);
    Map<Path, Object> scanned = new HashMap<>();
    scanner.scanWithDirKeys(scanned);
    assertThat(scanned).hasSizeGreaterThan(5);
    assertThat(tree.unregistered(scanned)).isEmpty();
    // another identity under a known name (a directory re-created) is not registered as itself
    Path a = root.resolve("a/empty2");
    Object jdkKey = Files.readAttributes(a, BasicFileAttributes.class).fileKey();
    long[] di = PackedKey.parse(jdkKey);
    tree.registered(a, new PackedKey(di[0], di[1] + 1));
    assertThat(tree.unregistered(scanned)).containsExactly(a);
    tree.registered(a, jdkKey); // the JDK's key for it: the same again
    assertThat(tree.unregistered(scanned)).isEmpty();
  }
}
