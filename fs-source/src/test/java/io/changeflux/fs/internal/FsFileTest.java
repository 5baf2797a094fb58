package io.changeflux.fs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fs:FILE}: one file, through the ways real tools save it — vim's rename-and-write, {@code
 * sed -i}'s temporary file renamed over, {@code mv tmp file}, and a Kubernetes ConfigMap mount's
 * {@code ..data} symlink re-pointed to a new directory.
 */
class FsFileTest {

  @TempDir Path dir;

  @RegisterExtension final Recorder rec = new Recorder();
  private final List<ChangeEvent> events = rec.events();

  /** Runs {@code script} with bash in {@code cwd}; it must succeed ({@link io.changeflux.testkit.Shell#sh}). */
  static void sh(Path cwd, String script) throws Exception {
    io.changeflux.testkit.Shell.sh(cwd, script);
  }

  private static Object inode(Path f) throws Exception {
    return Files.readAttributes(f, BasicFileAttributes.class).fileKey();
  }

  @Test
  void everyKindOfSaveIsOneEventForTheFile() throws Exception {
    Path f = dir.resolve("app.yaml");
    Files.writeString(f, "a: 1\n");
    rec.watch("fs:" + f);

    Object before = inode(f);
    // vim with its default backupcopy=auto: renames the file away, writes a new one.
    // (backupskip= : its default skips backups for files under /tmp, where the test runs.)
    sh(dir, "vim -u NONE -N -i NONE -es -c 'set backupskip=' -c 'normal! Gob: 2' -c wq app.yaml");
    assertThat(inode(f)).as("vim replaced the file").isNotEqualTo(before);
    rec.awaitEvents(1);

    before = inode(f);
    sh(dir, "sed -i 's/a: 1/a: 3/' app.yaml");
    assertThat(inode(f)).as("sed -i replaced the file").isNotEqualTo(before);
    rec.awaitEvents(2);

    sh(dir, "printf 'a: 4\\n' > app.yaml.tmp && mv app.yaml.tmp app.yaml");
    rec.awaitEvents(3);

    sh(dir, "printf 'x' >> app.yaml"); // in place
    rec.awaitEvents(4);

    sh(dir, "rm app.yaml");
    rec.awaitEvents(5);

    sh(dir, "printf 'back\\n' > app.yaml");
    rec.awaitEvents(6);

    // A sentinel: anything duplicated above would have arrived before it.
    sh(dir, "touch -d '2001-01-01' app.yaml");
    rec.awaitEvents(7);
    assertThat(rec.kinds())
        .containsExactly(
            ChangeKind.MODIFIED,
            ChangeKind.MODIFIED,
            ChangeKind.MODIFIED,
            ChangeKind.MODIFIED,
            ChangeKind.DELETED,
            ChangeKind.CREATED,
            ChangeKind.MODIFIED);
    assertThat(events).allSatisfy(e -> assertThat(e.key()).isEqualTo("app.yaml"));
    assertThat(events).allSatisfy(e -> assertThat(e.path()).contains(f));
  }

  @Test
  void configMapSymlinkSwapIsOneModifiedWithTheNewContentsSha() throws Exception {
    // The layout kubelet writes for a ConfigMap volume.
    sh(
        dir,
        "mkdir ..2026_01 && printf 'v: 1\\n' > ..2026_01/app.yaml && ln -s ..2026_01 ..data"
            + " && ln -s ..data/app.yaml app.yaml");
    Path f = dir.resolve("app.yaml");
    rec.watch("fs:" + f + "?confirm=sha256&include=app.yaml");

    // An update: new directory, new ..data link renamed over the old one, old directory removed.
    sh(
        dir,
        "mkdir ..2026_02 && printf 'v: 2\\n' > ..2026_02/app.yaml && ln -s ..2026_02 ..data_tmp"
            + " && mv -T ..data_tmp ..data && rm -rf ..2026_01");
    rec.awaitEvents(1);
    // A second update is the sentinel: a duplicate of the first would have come before it.
    sh(
        dir,
        "mkdir ..2026_03 && printf 'v: 3\\n' > ..2026_03/app.yaml && ln -s ..2026_03 ..data_tmp"
            + " && mv -T ..data_tmp ..data && rm -rf ..2026_02");
    rec.awaitEvents(2);
    assertThat(rec.kinds()).containsExactly(ChangeKind.MODIFIED, ChangeKind.MODIFIED);
    assertThat(events.get(0).key()).isEqualTo("app.yaml");
    assertThat(events.get(0).path()).contains(f);
    assertThat(events.get(0).sha()).contains(sha256("v: 2\n"));
    assertThat(events.get(1).sha()).contains(sha256("v: 3\n"));
  }

  @Test
  void inADirectoryWatchALinkWhoseTargetWasSwappedIsModified() throws Exception {
    sh(
        dir,
        "mkdir ..2026_01 && printf 'v: 1\\n' > ..2026_01/app.yaml && ln -s ..2026_01 ..data"
            + " && ln -s ..data/app.yaml app.yaml && ln -s elsewhere other-link");
    rec.watch("fs:" + dir + "?include=app.yaml,sentinel");
    sh(
        dir,
        "mkdir ..2026_02 && printf 'v: 2\\n' > ..2026_02/app.yaml && ln -s ..2026_02 ..data_tmp"
            + " && mv -T ..data_tmp ..data && rm -rf ..2026_01");
    rec.awaitEvents(1);
    sh(dir, "printf s > sentinel"); // a duplicate for app.yaml would have come before it
    await().atMost(Duration.ofSeconds(30)).until(() -> events.stream().anyMatch(e -> e.key().equals("sentinel")));
    assertThat(events.get(0).kind()).isEqualTo(ChangeKind.MODIFIED);
    assertThat(events.get(0).key()).isEqualTo("app.yaml");
    assertThat(events.get(0).path()).contains(dir.resolve("app.yaml"));
    assertThat(events.stream().filter(e -> e.key().equals("app.yaml")).count()).isEqualTo(1);
  }

  @Test
  void aMissingFileIsNotADirectoryError() throws Exception {
    Path f = dir.resolve("later.conf");
    Files.writeString(f, "x");
    rec.watch("fs:" + f);
    Files.delete(f);
    rec.awaitEvents(1);
    Files.writeString(f, "y");
    rec.awaitEvents(2);
    assertThat(rec.kinds()).containsExactly(ChangeKind.DELETED, ChangeKind.CREATED);
  }

  static String sha256(String s) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
