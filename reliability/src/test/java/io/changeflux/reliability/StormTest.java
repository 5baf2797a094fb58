package io.changeflux.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * Storms: many changes as fast as Java can make them, then the set of files the consumer was told
 * about (live events, plus the rescan after every OVERFLOW) must equal what is on disk.
 */
@Tag("reliability")
class StormTest {

  @TempDir Path tmp;

  @Test
  void hundredThousandCreatesInOneDirectoryEndMatchingTheDisk() throws Exception {
    int creates = Rel.scaled(100_000, 2_000);
    Path root = Files.createDirectory(tmp.resolve("storm"));
    FileModel model = new FileModel(root);
    Disposable sub = subscribe(root, model);
    try {
      long t0 = System.nanoTime();
      List<Path> live = new ArrayList<>();
      int deletes = 0;
      int renames = 0;
      byte[] body = "x".getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < creates; i++) {
        Path f = root.resolve("f" + i);
        Files.write(f, body);
        live.add(f);
        if (i % 10 == 9) { // delete an earlier file
          Files.delete(live.remove(live.size() / 2));
          deletes++;
        }
        if (i % 7 == 6) { // rename an earlier file
          Path from = live.remove(live.size() / 3);
          Path to = root.resolve(from.getFileName() + "-r");
          Files.move(from, to);
          live.add(to);
          renames++;
        }
      }
      long written = System.nanoTime();
      Set<String> disk = FileModel.scan(root);
      assertThat(disk).hasSize(live.size());
      awaitEqual(model, disk);
      long settled = System.nanoTime();
      Rel.report(
          "storm-one-dir",
          "%d created, %d deleted, %d renamed in %s; %d on disk, reported %d (CREATED %d, MODIFIED %d,"
              + " DELETED %d, %d after the first OVERFLOW), OVERFLOW %s, consumer rescans %d;"
              + " settled %s after the last write",
          creates, deletes, renames, Rel.seconds(written - t0), disk.size(), model.files.size(),
          model.count(ChangeKind.CREATED), model.count(ChangeKind.MODIFIED),
          model.count(ChangeKind.DELETED), model.afterOverflow.get(), model.overflows(),
          model.consumerRescans.get(), Rel.seconds(settled - written));
    } finally {
      sub.dispose();
    }
  }

  @Test
  void twentyThousandCreatesAcrossAnEightLevelTreeWithDeletesAndRenamesEndMatchingTheDisk()
      throws Exception {
    int creates = Rel.scaled(20_000, 1_000);
    Path root = Files.createDirectory(tmp.resolve("tree"));
    FileModel model = new FileModel(root);
    Disposable sub = subscribe(root, model);
    try {
      long seed = Long.getLong("reliability.seed", System.nanoTime());
      System.out.println("[reliability] storm-tree: seed " + seed + " (-Dreliability.seed to repeat)");
      TreeStorm storm = new TreeStorm(root, new Random(seed), 8);
      long t0 = System.nanoTime();
      storm.run(creates);
      long written = System.nanoTime();
      Set<String> disk = FileModel.scan(root);
      try {
        awaitEqual(model, disk);
      } catch (AssertionError | RuntimeException e) {
        if (model.tracing) {
          Set<String> odd = new HashSet<>(disk);
          odd.removeAll(model.files);
          Set<String> extra = new HashSet<>(model.files);
          extra.removeAll(disk);
          odd.addAll(extra);
          for (String k : odd.stream().sorted().limit(6).toList()) {
            String name = k.substring(k.lastIndexOf('/') + 1);
            System.out.println("TRACE " + k + (disk.contains(k) ? " (on disk)" : " (not on disk)"));
            storm.log.stream().filter(l -> l.contains(name)).forEach(l -> System.out.println("  op " + l));
            model.trace.stream().filter(l -> l.contains(name)).forEach(l -> System.out.println("  ev " + l));
          }
        }
        throw e;
      }
      long settled = System.nanoTime();
      Rel.report(
          "storm-tree",
          "seed %d: %d file creates, %d mkdirs (depth <= 8, deepest %d), %d file deletes, %d file"
              + " renames, %d dir renames, %d dir deletes in %s; %d on disk, reported %d"
              + " (CREATED %d, MODIFIED %d, DELETED %d), OVERFLOW %s, consumer rescans %d;"
              + " settled %s after the last change",
          seed, storm.fileCreates, storm.mkdirs, storm.deepest, storm.fileDeletes,
          storm.fileRenames, storm.dirRenames, storm.dirDeletes, Rel.seconds(written - t0),
          disk.size(), model.files.size(), model.count(ChangeKind.CREATED),
          model.count(ChangeKind.MODIFIED), model.count(ChangeKind.DELETED), model.overflows(),
          model.consumerRescans.get(), Rel.seconds(settled - written));
    } finally {
      sub.dispose();
    }
  }

  /** Subscribes a fast consumer that applies every event to the model; returns once watching. */
  static Disposable subscribe(Path root, FileModel model) throws InterruptedException {
    return subscribe("fs:" + root, model);
  }

  static Disposable subscribe(String uri, FileModel model) throws InterruptedException {
    CountDownLatch ready = new CountDownLatch(1);
    reactor.core.publisher.Flux<io.changeflux.ChangeEvent> flux = ChangeSources.open(uri).events();
    Disposable d =
        flux
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(model::apply, e -> e.printStackTrace());
    assertThat(ready.await(60, TimeUnit.SECONDS)).as("source ready").isTrue();
    return d;
  }

  static void awaitEqual(FileModel model, Set<String> disk) {
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () ->
                assertThat(model.files.equals(disk))
                    .as(() -> "reported vs disk: " + FileModel.diff(model.files, disk)
                        + "; OVERFLOW " + model.overflows())
                    .isTrue());
  }

  /**
   * Random changes to a tree: mkdir (up to {@code maxDepth} levels), file create, file delete, file
   * rename (across directories), directory rename and directory delete.
   */
  static final class TreeStorm {
    final Path root;
    final Random random;
    final int maxDepth;
    final List<Path> dirs = new ArrayList<>();
    final List<Path> files = new ArrayList<>();
    final List<String> log = new ArrayList<>();
    int fileCreates, mkdirs, fileDeletes, fileRenames, dirRenames, dirDeletes, deepest;
    private int serial;

    TreeStorm(Path root, Random random, int maxDepth) {
      this.root = root;
      this.random = random;
      this.maxDepth = maxDepth;
      dirs.add(root);
    }

    int depth(Path dir) {
      return root.relativize(dir).toString().isEmpty() ? 0 : root.relativize(dir).getNameCount();
    }

    void run(int creates) throws IOException {
      // a spine 8 levels deep first, so the deepest level is always there
      Path d = root;
      for (int i = 1; i <= maxDepth; i++) {
        d = Files.createDirectory(d.resolve("spine" + i));
        dirs.add(d);
        mkdirs++;
      }
      deepest = maxDepth;
      while (fileCreates < creates) {
        int op = random.nextInt(100);
        if (op < 8) {
          Path parent = dirs.get(random.nextInt(dirs.size()));
          if (depth(parent) < maxDepth) {
            dirs.add(Files.createDirectory(parent.resolve("d" + serial++)));
            log.add("mkdir " + root.relativize(dirs.get(dirs.size() - 1)));
            mkdirs++;
            deepest = Math.max(deepest, depth(parent) + 1);
          }
        } else if (op < 68 || files.isEmpty()) {
          Path parent = dirs.get(random.nextInt(dirs.size()));
          Path f = parent.resolve("f" + serial++);
          Files.write(f, new byte[] {(byte) serial});
          log.add("create " + root.relativize(f));
          files.add(f);
          fileCreates++;
        } else if (op < 82) {
          Path gone = files.remove(random.nextInt(files.size()));
          Files.delete(gone);
          log.add("delete " + root.relativize(gone));
          fileDeletes++;
        } else if (op < 96) {
          Path from = files.remove(random.nextInt(files.size()));
          Path to = dirs.get(random.nextInt(dirs.size())).resolve("m" + serial++);
          Files.move(from, to);
          log.add("move " + root.relativize(from) + " -> " + root.relativize(to));
          files.add(to);
          fileRenames++;
        } else if (op < 99) {
          renameDir();
        } else {
          deleteDir();
        }
      }
    }

    private Path pickSubdir() {
      if (dirs.size() < 2 + maxDepth) {
        return null;
      }
      Path dir = dirs.get(random.nextInt(dirs.size()));
      return dir.equals(root) || dir.getFileName().toString().startsWith("spine") ? null : dir;
    }

    private void renameDir() throws IOException {
      Path dir = pickSubdir();
      if (dir == null) {
        return;
      }
      Path to = dir.resolveSibling("r" + serial++);
      Files.move(dir, to);
      log.add("mvdir " + root.relativize(dir) + " -> " + root.relativize(to));
      replacePrefix(dirs, dir, to);
      replacePrefix(files, dir, to);
      dirRenames++;
    }

    private void deleteDir() throws IOException {
      Path dir = pickSubdir();
      if (dir == null) {
        return;
      }
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
      log.add("rmdir " + root.relativize(dir));
      dirs.removeIf(p -> p.startsWith(dir));
      files.removeIf(p -> p.startsWith(dir));
      dirDeletes++;
    }

    private static void replacePrefix(List<Path> list, Path from, Path to) {
      Set<Integer> hits = new HashSet<>();
      for (int i = 0; i < list.size(); i++) {
        if (list.get(i).startsWith(from)) {
          hits.add(i);
        }
      }
      for (int i : hits) {
        list.set(i, to.resolve(from.relativize(list.get(i))));
      }
    }
  }
}
