package io.changeflux.files.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeKind;
import io.changeflux.ShaResolver;
import io.changeflux.ShaResolvers;
import io.changeflux.files.FileState;
import io.changeflux.files.TreeScanner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The confirm baseline of a first scan ({@code poll:}), hashed in the background. */
class ConfirmBaselineTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @TempDir Path dir;

  private Map<String, FileState> scan() throws java.io.IOException {
    return new TreeScanner(dir, true, false).scan();
  }

  @Test
  void aFileUnchangedSinceTheScanCarriesItsShaOnItsFirstEventOnly() throws Exception {
    Path a = dir.resolve("a");
    Files.writeString(a, "alpha"); // just written: a scan baseline needs no old ctime
    ConfirmBaseline b = ConfirmBaseline.ofScan("t", scan(), false, ShaResolvers.fileSha256(dir, false), 100, "t");
    b.begin();
    await().atMost(PATIENCE).until(b::done);
    assertThat(b.take(ChangeKind.MODIFIED, "a")).isEqualTo(ShaResolvers.sha256(a));
    assertThat(b.take(ChangeKind.MODIFIED, "a")).isNull();
  }

  @Test
  void aFileWhoseSizeOrTimeChangedSinceTheScanHasNoBaseline() throws Exception {
    Path a = dir.resolve("a");
    Files.writeString(a, "alpha");
    Map<String, FileState> scanned = scan();
    Files.writeString(a, "alpha, longer"); // after the scan, before the hash
    ConfirmBaseline b = ConfirmBaseline.ofScan("t", scanned, false, ShaResolvers.fileSha256(dir, false), 100, "t");
    b.begin();
    await().atMost(PATIENCE).until(b::done);
    assertThat(b.take(ChangeKind.MODIFIED, "a")).isNull();
  }

  /** A key with an event before its SHA was kept gets none later: that change was reported. */
  @Test
  void anEventBeforeTheFileIsHashedMeansNoBaselineForIt() throws Exception {
    Files.writeString(dir.resolve("a"), "alpha");
    CountDownLatch hashing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ShaResolver content = ShaResolvers.fileSha256(dir, false);
    ShaResolver slow =
        e -> {
          hashing.countDown();
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
          }
          return content.resolve(e);
        };
    ConfirmBaseline b = ConfirmBaseline.ofScan("t", scan(), false, slow, 100, "t");
    b.begin();
    assertThat(hashing.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(b.take(ChangeKind.MODIFIED, "a")).as("not hashed yet").isNull();
    release.countDown();
    await().atMost(PATIENCE).until(b::done);
    assertThat(b.take(ChangeKind.MODIFIED, "a")).isNull();
  }

  @Test
  void aDeletedForgetsTheBaseline() throws Exception {
    Files.writeString(dir.resolve("a"), "alpha");
    ConfirmBaseline b = ConfirmBaseline.ofScan("t", scan(), false, ShaResolvers.fileSha256(dir, false), 100, "t");
    b.begin();
    await().atMost(PATIENCE).until(b::done);
    assertThat(b.take(ChangeKind.DELETED, "a")).isNull();
    assertThat(b.take(ChangeKind.CREATED, "a")).isNull();
  }

  @Test
  void atMostMaxKeysAreKept() throws Exception {
    for (int i = 0; i < 5; i++) {
      Files.writeString(dir.resolve("f" + i), "x" + i);
    }
    ConfirmBaseline b = ConfirmBaseline.ofScan("t", scan(), false, ShaResolvers.fileSha256(dir, false), 2, "t");
    b.begin();
    await().atMost(PATIENCE).until(b::done);
    int kept = 0;
    for (int i = 0; i < 5; i++) {
      kept += b.take(ChangeKind.MODIFIED, "f" + i) == null ? 0 : 1;
    }
    assertThat(kept).isEqualTo(2);
  }

  @Test
  void cancelEndsTheHashingThread() throws Exception {
    Files.writeString(dir.resolve("a"), "alpha");
    CountDownLatch hashing = new CountDownLatch(1);
    ShaResolver blocks =
        e -> {
          hashing.countDown();
          try {
            new CountDownLatch(1).await(); // never counted down: only cancel's interrupt ends it
          } catch (InterruptedException ie) {
            throw new java.io.InterruptedIOException("cancelled");
          }
          return null;
        };
    ConfirmBaseline b = ConfirmBaseline.ofScan("t", scan(), false, blocks, 100, "t");
    b.begin();
    assertThat(hashing.await(30, TimeUnit.SECONDS)).isTrue();
    b.cancel();
    await().atMost(PATIENCE).until(b::done);
  }
}
