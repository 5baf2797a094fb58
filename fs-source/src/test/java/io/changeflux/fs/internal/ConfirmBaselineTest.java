package io.changeflux.fs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeOps;
import io.changeflux.ShaResolver;
import io.changeflux.ShaResolvers;
import io.changeflux.files.TreeScanner;
import io.changeflux.files.internal.ConfirmBaseline;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code confirm=sha256} on fs: the content when the watch started is the baseline. */
class ConfirmBaselineTest {

  @TempDir Path dir;

  @RegisterExtension final Recorder rec = new Recorder();
  private final List<ChangeEvent> events = rec.events();

  private void watch(String uri) throws InterruptedException {
    rec.watch(uri);
    await().atMost(Duration.ofSeconds(30)).until(() -> ConfirmBaseline.running() == 0);
  }

  /** Files older than the margin (ctime cannot be set back: wait until it is old enough). */
  private static void old(Path... files) {
    await()
        .pollInterval(Duration.ofMillis(50))
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              long now = System.currentTimeMillis();
              for (Path f : files) {
                FileTime t = (FileTime) Files.getAttribute(f, "unix:ctime", LinkOption.NOFOLLOW_LINKS);
                if (now - t.toMillis() < 2 * TimeUnit.NANOSECONDS.toMillis(ConfirmBaseline.MARGIN_NANOS)) {
                  return false;
                }
              }
              return true;
            });
  }

  private void awaitKey(String key) {
    await().atMost(Duration.ofSeconds(30)).until(() -> events.stream().anyMatch(e -> e.key().equals(key)));
  }

  @Test
  void anIdenticalRewriteRightAfterStartEmitsNothingAndARealOneCarriesItsSha() throws Exception {
    Files.createDirectories(dir.resolve("sub"));
    Path a = dir.resolve("a.txt");
    Path b = dir.resolve("sub/b.txt");
    Files.writeString(a, "alpha\n");
    Files.writeString(b, "beta\n");
    old(a, b);
    watch("fs:" + dir + "?confirm=sha256");

    // The same bytes, in place, without truncating first: a truncating rewrite can be seen (and
    // hashed) while the file is empty, which is a real change.
    Files.write(a, "alpha\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), java.nio.file.StandardOpenOption.WRITE);
    FsFileTest.sh(dir, "sed -i 's/beta/beta/' sub/b.txt"); // the same bytes, by rename
    Files.writeString(dir.resolve("sentinel"), "s");
    awaitKey("sentinel");
    assertThat(events).extracting(ChangeEvent::key).doesNotContain("a.txt", "sub/b.txt");

    Files.writeString(b, "gamma\n"); // (may be seen truncated first: an event with the empty file's SHA)
    String gamma = ShaResolvers.sha256(b);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> events.stream().anyMatch(e -> e.key().equals("sub/b.txt") && e.sha().equals(java.util.Optional.of(gamma))));
    assertThat(events.stream().filter(e -> e.key().equals("sub/b.txt")))
        .allMatch(e -> e.kind() == ChangeKind.MODIFIED)
        .allMatch(e -> !e.headers().containsKey(ChangeOps.BASELINE_SHA_HEADER));
  }

  @Test
  void oneFileToo() throws Exception {
    Path f = dir.resolve("app.yaml");
    Files.writeString(f, "a: 1\n");
    old(f);
    watch("fs:" + f + "?confirm=sha256");
    FsFileTest.sh(dir, "printf 'a: 1\\n' > tmp && mv tmp app.yaml");
    Files.writeString(dir.resolve("other"), "x"); // not reported: let the file watch look once more
    FsFileTest.sh(dir, "printf 'a: 2\\n' > tmp && mv tmp app.yaml");
    awaitKey("app.yaml");
    assertThat(events).hasSize(1);
    assertThat(events.get(0).sha()).contains(ShaResolvers.sha256(f));
  }

  /** A file written while the walk hashes it has a new ctime: no baseline, its change is reported. */
  @Test
  void aFileChangedWhileBeingHashedHasNoBaseline() throws Exception {
    Path x = dir.resolve("x");
    Path y = dir.resolve("y");
    Files.writeString(x, "x");
    Files.writeString(y, "y");
    old(x, y);
    ShaResolver content = ShaResolvers.fileSha256(dir, false);
    ShaResolver writesX =
        e -> {
          if (e.key().equals("x")) {
            Files.writeString(x, "x2");
          }
          return content.resolve(e);
        };
    List<ChangeEvent> out = new CopyOnWriteArrayList<>();
    ConfirmBaseline b =
        ConfirmBaseline.ofTree("fs", new TreeScanner(dir, true, false), writesX, k -> false, 100, "t");
    b.begin(); // as FsProvider does once the watch is ready
    await().atMost(Duration.ofSeconds(30)).until(b::done);
    out.add(b.mark(ChangeEvent.builder(ChangeKind.MODIFIED, "x").path(x).build()));
    out.add(b.mark(ChangeEvent.builder(ChangeKind.MODIFIED, "y").path(y).build()));
    out.add(b.mark(ChangeEvent.builder(ChangeKind.MODIFIED, "y").path(y).build()));
    assertThat(out.get(0).headers()).doesNotContainKey(ChangeOps.BASELINE_SHA_HEADER);
    assertThat(out.get(1).headers()).containsEntry(ChangeOps.BASELINE_SHA_HEADER, ShaResolvers.sha256(y));
    assertThat(out.get(2).headers()).as("only the first event of a key").isEmpty();
  }

  /** A file younger than the start (less the margin) has no baseline. */
  @Test
  void aFileWrittenJustBeforeTheStartHasNoBaseline() throws Exception {
    Path y = dir.resolve("young");
    Files.writeString(y, "y");
    List<ChangeEvent> out = new CopyOnWriteArrayList<>();
    ConfirmBaseline b =
        ConfirmBaseline.ofTree("fs", new TreeScanner(dir, true, false), ShaResolvers.fileSha256(dir, false), k -> false, 100, "t");
    b.begin(); // as FsProvider does once the watch is ready
    await().atMost(Duration.ofSeconds(30)).until(b::done);
    out.add(b.mark(ChangeEvent.builder(ChangeKind.MODIFIED, "young").path(y).build()));
    assertThat(out.get(0).headers()).isEmpty();
  }
}
