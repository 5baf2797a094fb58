package io.changeflux.fs.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.files.FileState;
import io.changeflux.files.TreeScanner;
import io.changeflux.files.internal.PackedKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTableTest {

  private static final Path ROOT = Path.of("/r").toAbsolutePath();

  @Test
  void randomPutsAndRemovalsAgreeWithASortedMap() {
    Random rnd = new Random(18);
    FileTable t = new FileTable(ROOT);
    TreeMap<String, FileState> ref = new TreeMap<>();
    String[] dirs = {"", "a", "a/b", "a/b/c", "big", "big/x", "ä"};
    for (int step = 0; step < 60_000; step++) {
      String dir = dirs[rnd.nextInt(dirs.length)];
      int range = dir.startsWith("big") ? 2_000 : 30;
      String name = (rnd.nextBoolean() ? "f" : "é") + rnd.nextInt(range);
      String key = dir.isEmpty() ? name : dir + "/" + name;
      int op = rnd.nextInt(10);
      if (op < 6) {
        FileState f =
            new FileState(ROOT.resolve(key), rnd.nextInt(100), rnd.nextInt(100), null, key(rnd));
        FileState prev = t.put(key, f);
        FileState want = ref.put(key, f);
        assertSame(prev, want);
      } else if (op < 9) {
        assertSameEntries(t.removeSubtree(key), removeSubtree(ref, key));
      } else {
        assertSame(t.get(key), ref.get(key));
        assertThat(t.containsKey(key)).isEqualTo(ref.containsKey(key));
      }
      if (step % 5_000 == 0) {
        t.trim();
        check(t, ref);
      }
    }
    check(t, ref);
    String sub = "a";
    assertSameEntries(t.removeSubtree(sub), removeSubtree(ref, sub));
    check(t, ref);
  }

  @Test
  void entriesOfAnyNameSizeAndInodeAgreeWithASortedMapWhetherPutOrAddedAsNumbers() {
    // names Latin-1 or not, sizes and inode numbers below and above 2^32 (and negative sizes),
    // directories crossing the 16 entries of a linear search both ways: every layout a directory
    // switches between must keep every entry
    Random rnd = new Random(21);
    FileTable t = new FileTable(ROOT);
    TreeMap<String, FileState> ref = new TreeMap<>();
    String[] dirs = {"", "n", "n/m", "日本", "many"};
    String[] starts = {"f", "é", "ÿ", "日", "\uD83D\uDE00", "Ā"};
    for (int step = 0; step < 40_000; step++) {
      String dir = dirs[rnd.nextInt(dirs.length)];
      int range = dir.equals("many") ? 400 : 24;
      String name = starts[rnd.nextInt(rnd.nextInt(8) == 0 ? starts.length : 3)] + rnd.nextInt(range);
      String key = dir.isEmpty() ? name : dir + "/" + name;
      int op = rnd.nextInt(10);
      if (op < 6) {
        long size = rnd.nextInt(20) == 0 ? (rnd.nextBoolean() ? -1 : (1L << 32) + rnd.nextInt(9)) : rnd.nextInt(5000);
        long mtime = rnd.nextLong();
        long dev = rnd.nextInt(3);
        long ino = rnd.nextInt(20) == 0 ? (1L << 40) + rnd.nextInt(99) : (rnd.nextBoolean() ? 0xFFFF_FFFFL : rnd.nextInt(1 << 20));
        FileState f = new FileState(ROOT.resolve(key), size, mtime, null, new PackedKey(dev, ino));
        if (rnd.nextBoolean()) {
          assertSame(t.put(key, f), ref.put(key, f));
        } else {
          t.add(key, size, mtime, dev, ino);
          ref.put(key, f);
        }
      } else if (op < 9) {
        assertSameEntries(t.removeSubtree(key), removeSubtree(ref, key));
      } else {
        assertSame(t.get(key), ref.get(key));
      }
      if (step % 4_000 == 0) {
        t.trim();
        check(t, ref);
      }
    }
    t.trim();
    check(t, ref);
  }

  @Test
  void aDirectoryIsPackedAsTightlyAsItsNamesAndNumbersAllow() {
    FileTable t = new FileTable(ROOT);
    for (int i = 0; i < 10; i++) {
      t.add("d/f" + i + ".txt", 1024, 1_700_000_000_000_000_000L + i, 0xfe00, 1_000_000 + i);
    }
    t.trim();
    assertThat(t.layout("d")).isEqualTo("latin1 narrow linear");
    t.add("d/日本", 1, 2, 0xfe00, 3);
    assertThat(t.layout("d")).isEqualTo("chars narrow linear");
    t.add("d/big", 1L << 33, 2, 0xfe00, 4);
    assertThat(t.layout("d")).isEqualTo("chars wide linear");
    for (int i = 0; i < 20; i++) {
      t.add("d/g" + i, i, i, 0xfe00, i);
    }
    assertThat(t.layout("d")).isEqualTo("chars wide table");
    for (int i = 0; i < 20; i++) {
      t.removeSubtree("d/g" + i);
    }
    assertThat(t.layout("d")).as("back under 17 entries: names in order again").isEqualTo("chars wide linear");
    t.removeSubtree("d/日本");
    assertThat(t.layout("d")).as("only compacting makes bytes of the chars").isEqualTo("chars wide linear");
    t.trim();
    assertThat(t.layout("d")).as("no name needs chars now").isEqualTo("latin1 wide linear");
    assertThat(t.get("d/big").size()).isEqualTo(1L << 33);
    assertThat(t.get("d/f3.txt").mtimeNanos()).isEqualTo(1_700_000_000_000_000_003L);
    assertThat(t.get("d/f3.txt").fileKey()).isEqualTo(new PackedKey(0xfe00, 1_000_003));
    assertThat(t.sortedKeys()).hasSize(11);
    assertThat(t.layout("e")).isNull();
  }

  @Test
  void anEntryAddedAsNumbersIsTheEntryOfItsPlatformKeysText(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("f"), "xy");
    TreeScanner scanner = new TreeScanner(dir, true, false);
    FileState stat = scanner.stat(file);
    assertThat(stat).isNotNull();
    long[] di = PackedKey.parse(stat.fileKey());
    org.junit.jupiter.api.Assumptions.assumeTrue(di != null, "a platform key of the (dev=..,ino=..) form");
    FileTable t = new FileTable(scanner.root());
    t.add("f", stat.size(), stat.mtimeNanos(), di[0], di[1]);
    FileState back = t.get("f");
    assertThat(back).isNotNull();
    assertThat(back.sameStat(stat)).isTrue();
    assertThat(stat.sameStat(back)).isTrue();
    assertThat(t.sameStat("f", stat.size(), stat.mtimeNanos(), stat.fileKey().toString())).isTrue();
    t.add("f", stat.size(), stat.mtimeNanos(), di[0], di[1] + 1);
    assertThat(t.size()).as("the same key replaced").isEqualTo(1);
    assertThat(t.sameStat("f", stat.size(), stat.mtimeNanos(), stat.fileKey().toString())).isFalse();
  }

  @Test
  void theSortedCursorWalksKeysInStringOrderWhateverTheNamesAndComparesEachEntryInPlace() {
    // names with characters below and above '/', prefixes of each other, non-ASCII and surrogate
    // pairs, directories holding only directories: the per-directory merge must give the order
    // of a sorted map of every key
    String[] parts = {"a", "a-b", "a.b", "a0", "a b", "ab", "A", "~", "-", ".x", "é", "日本", "\uD83D\uDE00", "a/"};
    Random rnd = new Random(14);
    for (int round = 0; round < 300; round++) {
      FileTable t = new FileTable(ROOT);
      TreeMap<String, FileState> ref = new TreeMap<>();
      int n = 1 + rnd.nextInt(60);
      for (int i = 0; i < n; i++) {
        StringBuilder key = new StringBuilder();
        int depth = 1 + rnd.nextInt(4);
        for (int d = 0; d < depth; d++) {
          String p = parts[rnd.nextInt(parts.length - 1)];
          key.append(d == 0 ? "" : "/").append(p);
        }
        String k = key.toString();
        if (ref.keySet().stream().anyMatch(o -> o.startsWith(k + "/") || k.startsWith(o + "/"))) {
          continue; // a key is a file or a directory, not both
        }
        FileState f = new FileState(ROOT.resolve(k), rnd.nextInt(5), rnd.nextInt(5), null, "(dev=1,ino=" + i + ")");
        t.put(k, f);
        ref.put(k, f);
      }
      t.trim();
      FileTable.SortedCursor c = t.sorted();
      List<String> walked = new ArrayList<>();
      for (String k = c.next(); k != null; k = c.next()) {
        walked.add(k);
        FileState f = ref.get(k);
        assertThat(f).as(k).isNotNull();
        assertThat(c.sameStat(f.size(), f.mtimeNanos(), String.valueOf(f.fileKey()))).as(k).isTrue();
        assertThat(c.sameStat(f.size() + 1, f.mtimeNanos(), String.valueOf(f.fileKey()))).as(k).isFalse();
        assertThat(c.sameStat(f.size(), f.mtimeNanos(), "(dev=1,ino=99999)")).as(k).isFalse();
      }
      assertThat(walked).as("round " + round).containsExactlyElementsOf(ref.keySet());
      assertThat(c.next()).isNull();
      assertThat(c.sameStat(0, 0, null)).as("no current entry after the end").isFalse();
    }
  }

  @Test
  void platformFileKeysArePackedAndCompareByTheirText(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("f"), "x");
    TreeScanner scanner = new TreeScanner(dir, true, false);
    FileState stat = scanner.stat(file);
    assertThat(stat).isNotNull();
    FileTable t = new FileTable(scanner.root());
    t.put("f", stat);
    FileState back = t.get("f");
    assertThat(back).isNotNull();
    assertThat(back.path()).isEqualTo(stat.path());
    assertThat(back.sameStat(stat)).isTrue();
    assertThat(stat.sameStat(back)).isTrue();
    assertThat(String.valueOf(back.fileKey())).isEqualTo(String.valueOf(stat.fileKey()));
    if (stat.fileKey() != null && stat.fileKey().getClass().getName().equals("sun.nio.fs.UnixFileKey")) {
      assertThat(back.fileKey()).isInstanceOf(PackedKey.class);
    }
    FileState other = new FileState(stat.path(), stat.size(), stat.mtimeNanos(), null, "(dev=1,ino=2)");
    assertThat(back.sameStat(other)).isFalse();
  }

  @Test
  void aWalkAddedEntryByEntryHoldsWhatAScanFinds(@TempDir Path dir) throws Exception {
    for (String d : new String[] {"a", "a/b", "ab", "c/d/e"}) {
      Files.createDirectories(dir.resolve(d));
      for (int i = 0; i < 20; i++) {
        Files.writeString(dir.resolve(d).resolve("f" + i), "x".repeat(i));
      }
    }
    Files.writeString(dir.resolve("top"), "t");
    TreeScanner scanner = new TreeScanner(dir, true, false);
    FileTable t = new FileTable(scanner.root());
    scanner.walk(
        scanner.root(),
        new TreeScanner.Visitor() {
          @Override
          public void directory(Path d) {}

          @Override
          public void file(Path file, String key, java.nio.file.attribute.BasicFileAttributes attrs) {
            t.add(key, attrs);
          }
        },
        true);
    TreeMap<String, FileState> scan = new TreeMap<>(scanner.scan());
    check(t, scan);
    // a directory removed and added again is a new one (the table's last directory is not reused)
    assertThat(t.removeSubtree("a")).hasSize(40);
    java.nio.file.attribute.BasicFileAttributes attrs =
        Files.readAttributes(dir.resolve("a/f1"), java.nio.file.attribute.BasicFileAttributes.class);
    t.add("a/f1", attrs);
    assertThat(t.get("a/f1")).isNotNull();
    assertThat(t.sortedKeys()).contains("a/f1").doesNotContain("a/b/f1");
  }

  @Test
  void sameStatComparesSizeTimeAndKeyWhereBothHaveOne() {
    FileTable a = new FileTable(ROOT);
    FileTable b = new FileTable(ROOT);
    a.put("d/x", new FileState(ROOT.resolve("d/x"), 1, 2, null, new PackedKey(3, 4)));
    b.put("d/x", new FileState(ROOT.resolve("d/x"), 1, 2, null, new PackedKey(3, 4)));
    assertThat(a.sameStat("d/x", b)).isTrue();
    b.put("d/x", new FileState(ROOT.resolve("d/x"), 1, 2, null, new PackedKey(3, 5)));
    assertThat(a.sameStat("d/x", b)).isFalse();
    b.put("d/x", new FileState(ROOT.resolve("d/x"), 1, 2, null, null));
    assertThat(a.sameStat("d/x", b)).isTrue();
    b.put("d/x", new FileState(ROOT.resolve("d/x"), 1, 3, null, null));
    assertThat(a.sameStat("d/x", b)).isFalse();
    assertThat(a.sameStat("d/y", b)).isFalse();
  }

  @Test
  void aRecordedStatMatchesOnlyTheSameSizeTimeAndFileKeyText() {
    FileTable t = new FileTable(ROOT);
    PackedKey k = new PackedKey(3, 4);
    t.put("d/x", new FileState(ROOT.resolve("d/x"), 1, 2, null, k));
    assertThat(t.sameStat("d/x", 1, 2, k.toString())).isTrue();
    assertThat(t.sameStat("d/x", 1, 2, null)).as("no recorded key: size and time decide").isTrue();
    assertThat(t.sameStat("d/x", 1, 2, new PackedKey(3, 5).toString())).isFalse();
    assertThat(t.sameStat("d/x", 9, 2, k.toString())).isFalse();
    assertThat(t.sameStat("d/x", 1, 9, k.toString())).isFalse();
    assertThat(t.sameStat("d/y", 1, 2, k.toString())).isFalse();
    assertThat(t.sameStat("e/x", 1, 2, k.toString())).isFalse();
    assertThat(t.sameStat("d/x", 1, 2, "(dev=3,ino=4)")).as("the JDK key's text of the same numbers").isTrue();
    assertThat(t.sameStat("d/x", 1, 2, "(dev=3,ino=40)")).isFalse();
    assertThat(t.sameStat("d/x", 1, 2, "(dev=13,ino=4)")).as("dev is hexadecimal").isFalse();
    assertThat(t.sameStat("d/x", 1, 2, "(dev=zz,ino=4)")).as("not a key's text: compared as text").isFalse();
    t.put("top", new FileState(ROOT.resolve("top"), 5, 6, null, null));
    assertThat(t.sameStat("top", 5, 6, "(dev=1,ino=1)")).as("no key now: size and time decide").isTrue();
  }

  private static Object key(Random rnd) {
    switch (rnd.nextInt(4)) {
      case 0:
        return null;
      case 1:
        return "(text-" + rnd.nextInt(5) + ")";
      default:
        return new PackedKey(rnd.nextInt(3), rnd.nextInt(1000));
    }
  }

  private static void assertSame(FileState got, FileState want) {
    if (want == null) {
      assertThat(got).isNull();
      return;
    }
    assertThat(got).isNotNull();
    assertThat(got.path()).isEqualTo(want.path());
    assertThat(got.size()).isEqualTo(want.size());
    assertThat(got.mtimeNanos()).isEqualTo(want.mtimeNanos());
    assertThat(String.valueOf(got.fileKey())).isEqualTo(String.valueOf(want.fileKey())); // a platform key comes back packed
  }

  private static void assertSameEntries(
      List<Map.Entry<String, FileState>> got, List<Map.Entry<String, FileState>> want) {
    assertThat(got).extracting(Map.Entry::getKey).containsExactlyElementsOf(want.stream().map(Map.Entry::getKey).toList());
    for (int i = 0; i < want.size(); i++) {
      assertSame(got.get(i).getValue(), want.get(i).getValue());
    }
  }

  private static void check(FileTable t, TreeMap<String, FileState> ref) {
    assertThat(t.size()).isEqualTo(ref.size());
    assertThat(t.sortedKeys()).containsExactly(ref.keySet().toArray(new String[0]));
    TreeMap<String, FileState> m = t.toTreeMap();
    assertThat(m.keySet()).containsExactlyElementsOf(ref.keySet());
    for (Map.Entry<String, FileState> e : ref.entrySet()) {
      assertSame(m.get(e.getKey()), e.getValue());
      assertSame(t.get(e.getKey()), e.getValue());
    }
  }

  private static List<Map.Entry<String, FileState>> removeSubtree(TreeMap<String, FileState> ref, String key) {
    List<Map.Entry<String, FileState>> out = new ArrayList<>();
    FileState self = ref.remove(key);
    if (self != null) {
      out.add(Map.entry(key, self));
    }
    SortedMap<String, FileState> below = ref.subMap(key + "/", key + "0");
    for (Map.Entry<String, FileState> e : below.entrySet()) {
      out.add(Map.entry(e.getKey(), e.getValue()));
    }
    below.clear();
    out.sort(Map.Entry.comparingByKey());
    return out;
  }
}
