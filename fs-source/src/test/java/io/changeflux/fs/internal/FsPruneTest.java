package io.changeflux.fs.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ignored directories are pruned: with {@code gitignore=true} (or an {@code exclude=} glob that
 * drops a directory whole) they get no inotify watch and are not listed, changes inside are not
 * reported, their siblings still are, and an edit of {@code .gitignore} that un-ignores one makes
 * it watched and its files reported. Watches are read from {@code /proc/self/fdinfo} (both engines
 * use inotify on Linux), by the inode of each directory.
 */
class FsPruneTest {

  @TempDir Path dir;

  @RegisterExtension final Recorder rec = new Recorder();
  private final List<ChangeEvent> events = rec.events();

  @Test
  void directoriesGitIgnoresGetNoWatchAndReportNothing() throws Exception {
    FsFileTest.sh(
        dir,
        "git init -q && printf 'node_modules/\\nbuild/\\n!build/keep.txt\\ndist/\\n' > .gitignore"
            + " && mkdir -p node_modules/a/b build/x src/main && echo 1 > node_modules/a/b/n.js");
    start("gitignore=true");
    Set<Long> watched = watchedInodes();
    assertThat(watched).contains(ino(""), ino("src"), ino("src/main"));
    assertThat(watched)
        .as("no watch on an ignored directory or below one")
        .doesNotContain(ino("node_modules"), ino("node_modules/a"), ino("node_modules/a/b"), ino("build"), ino("build/x"));
    assertThat(watched).as(".git's own directories (objects/, refs/...) are not watched")
        .doesNotContain(ino(".git/objects"), ino(".git/refs"));

    Files.writeString(dir.resolve("node_modules/a/b/m.js"), "x");
    Files.writeString(dir.resolve("build/keep.txt"), "x"); // git cannot re-include below an excluded directory
    Files.createDirectories(dir.resolve("dist/sub"));
    Files.writeString(dir.resolve("dist/sub/out.js"), "x");
    Files.writeString(dir.resolve("src/main/A.java"), "x");
    rec.awaitKey("src/main/A.java");
    Files.writeString(dir.resolve("src/B.java"), "x");
    rec.awaitKey("src/B.java");
    assertThat(watchedInodes()).as("a new ignored directory gets no watch either").doesNotContain(ino("dist"), ino("dist/sub"));
    assertThat(rec.keys()).containsOnly("src/main/A.java", "src/B.java");
  }

  @Test
  void aDirectoryAnExcludeGlobDropsWholeGetsNoWatch() throws Exception {
    FsFileTest.sh(dir, "mkdir -p web/node_modules/x target/classes src && echo 1 > target/classes/A.class");
    start("exclude=**/node_modules/**&exclude=target/**&exclude=**/*.tmp");
    Set<Long> watched = watchedInodes();
    assertThat(watched).contains(ino(""), ino("web"), ino("src"));
    assertThat(watched).doesNotContain(ino("web/node_modules"), ino("web/node_modules/x"), ino("target"), ino("target/classes"));
    Files.writeString(dir.resolve("web/node_modules/x/i.js"), "x");
    Files.writeString(dir.resolve("target/classes/B.class"), "x");
    Files.writeString(dir.resolve("src/a.tmp"), "x");
    Files.writeString(dir.resolve("src/A.java"), "x");
    rec.awaitKey("src/A.java");
    assertThat(rec.keys()).containsOnly("src/A.java");
  }

  @Test
  void anEditOfGitignoreThatUnIgnoresADirectoryWatchesItAndReportsItsFiles() throws Exception {
    FsFileTest.sh(
        dir,
        "git init -q && printf 'build/\\nnode_modules/\\n' > .gitignore && mkdir -p build/x node_modules"
            + " && echo 1 > build/x/old.txt && echo 2 > build/top.txt");
    start("gitignore=true");
    assertThat(watchedInodes()).doesNotContain(ino("build"), ino("build/x"));
    Files.writeString(dir.resolve(".gitignore"), "node_modules/\n");
    rec.awaitKey("build/x/old.txt");
    rec.awaitKey("build/top.txt");
    assertThat(events)
        .filteredOn(e -> e.key().startsWith("build/"))
        .extracting(ChangeEvent::kind)
        .containsOnly(ChangeKind.CREATED);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> watchedInodes().contains(ino("build/x")));
    Files.writeString(dir.resolve("build/x/new.txt"), "x");
    rec.awaitKey("build/x/new.txt");
    assertThat(watchedInodes()).doesNotContain(ino("node_modules"));
  }

  @Test
  void aDirectoryMovedToAnIgnoredNameLosesItsWatches() throws Exception {
    FsFileTest.sh(dir, "git init -q && printf 'dist/\\n' > .gitignore && mkdir -p out/sub && echo 1 > out/sub/a.js");
    start("gitignore=true");
    long sub = ino("out/sub");
    assertThat(watchedInodes()).contains(sub);
    FsFileTest.sh(dir, "mv out dist");
    rec.awaitKey("out/sub/a.js"); // DELETED
    if (TestEngine.isNative()) {
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !watchedInodes().contains(sub));
    }
    Files.writeString(dir.resolve("dist/sub/b.js"), "x");
    Files.writeString(dir.resolve("c.txt"), "x");
    rec.awaitKey("c.txt");
    assertThat(rec.keys()).containsOnly("out/sub/a.js", "c.txt");
    assertThat(events).filteredOn(e -> e.key().equals("out/sub/a.js")).extracting(ChangeEvent::kind).containsOnly(ChangeKind.DELETED);
  }

  private void start(String query) throws InterruptedException {
    rec.watch("fs:" + dir + "?" + query);
  }

  private long ino(String rel) throws IOException {
    return (Long) Files.getAttribute(rel.isEmpty() ? dir : dir.resolve(rel), "unix:ino");
  }

  /** The inodes every inotify watch of this process is on. */
  static Set<Long> watchedInodes() throws IOException {
    Set<Long> inodes = new HashSet<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path fd : fds) {
        String target;
        try {
          target = Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
          continue; // closed meanwhile
        }
        if (!target.contains("inotify")) {
          continue;
        }
        List<String> lines;
        try {
          lines = Files.readAllLines(Path.of("/proc/self/fdinfo", fd.getFileName().toString()));
        } catch (IOException e) {
          continue;
        }
        for (String line : lines) {
          if (line.startsWith("inotify wd:")) {
            for (String part : line.split(" ")) {
              if (part.startsWith("ino:")) {
                inodes.add(Long.parseLong(part.substring(4), 16));
              }
            }
          }
        }
      }
    }
    return inodes;
  }
}
