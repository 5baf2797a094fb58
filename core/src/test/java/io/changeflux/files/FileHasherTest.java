package io.changeflux.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hasher's rules on real files: FIFOs, sockets and devices are never opened, links are followed
 * only when asked and never out of the root, vanished and changing files give "no hash".
 */
class FileHasherTest {

  /** A hang guard, not a speed threshold: the hasher must return, however slowly. */
  static final Duration HANG = Duration.ofSeconds(60);

  @TempDir Path tmp;

  Path root() throws Exception {
    return Files.createDirectories(tmp.resolve("root"));
  }

  static String sha256sum(Path file) throws Exception {
    Process p = new ProcessBuilder("sha256sum", file.toString()).redirectErrorStream(true).start();
    String line = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return line.substring(0, 64);
  }

  static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }

  static HashOutcome outcome(FileHasher h, Path file) {
    return assertTimeoutPreemptively(HANG, () -> h.read(file, (b, o, n) -> {}));
  }

  @Test
  void regularFilesHashLikeSha256sumAcrossBlockBoundaries() throws Exception {
    Path root = root();
    FileHasher h = FileHasher.within(root);
    for (int size : new int[] {0, 1, FileHasher.BLOCK_SIZE - 1, FileHasher.BLOCK_SIZE, 3 * FileHasher.BLOCK_SIZE + 7}) {
      Path f = root.resolve("f" + size);
      byte[] bytes = new byte[size];
      new java.util.Random(size).nextBytes(bytes);
      Files.write(f, bytes);
      assertThat(h.sha256(f)).as("size %d", size).contains(sha256sum(f));
      assertThat(h.sha256(Path.of("f" + size))).as("relative to the root").contains(sha256sum(f));
    }
  }

  @Test
  void aFifoIsNeverOpened() throws Exception {
    Path root = root();
    Path fifo = root.resolve("pipe");
    run("mkfifo", fifo.toString());
    assertThat(outcome(FileHasher.within(root), fifo)).isEqualTo(HashOutcome.NOT_REGULAR);
    assertThat(outcome(FileHasher.within(root, true), fifo)).isEqualTo(HashOutcome.NOT_REGULAR);
  }

  @Test
  void aLinkToAFifoInsideTheRootIsNeverOpenedEvenWhenLinksAreFollowed() throws Exception {
    Path root = root();
    run("mkfifo", root.resolve("pipe").toString());
    Path link = Files.createSymbolicLink(root.resolve("to-pipe"), Path.of("pipe"));
    assertThat(outcome(FileHasher.within(root), link)).isEqualTo(HashOutcome.LINK);
    assertThat(outcome(FileHasher.within(root, true), link)).isEqualTo(HashOutcome.NOT_REGULAR);
  }

  @Test
  void aSocketIsNeverOpened() throws Exception {
    Path root = root();
    Path sock = root.resolve("s.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(sock));
      assertThat(outcome(FileHasher.within(root), sock)).isEqualTo(HashOutcome.NOT_REGULAR);
    }
  }

  @Test
  void devicesAreNotRegularAndOutsideTheRootAnyway() throws Exception {
    Path root = root();
    assertThat(outcome(FileHasher.within(root), Path.of("/dev/zero"))).isEqualTo(HashOutcome.OUTSIDE_ROOT);
    assertThat(outcome(FileHasher.within(Path.of("/dev")), Path.of("/dev/zero"))).isEqualTo(HashOutcome.NOT_REGULAR);
    assertThat(outcome(FileHasher.within(Path.of("/dev"), true), Path.of("/dev/urandom"))).isEqualTo(HashOutcome.NOT_REGULAR);
  }

  @Test
  void aLinkToDevZeroIsRefusedWithOrWithoutFollowLinks() throws Exception {
    Path root = root();
    Path link = Files.createSymbolicLink(root.resolve("zero"), Path.of("/dev/zero"));
    assertThat(outcome(FileHasher.within(root), link)).isEqualTo(HashOutcome.LINK);
    assertThat(outcome(FileHasher.within(root, true), link)).isEqualTo(HashOutcome.OUTSIDE_ROOT);
  }

  @Test
  void aLinkOutOfTheRootIsNeverFollowed() throws Exception {
    Path root = root();
    Path secret = Files.writeString(tmp.resolve("secret.txt"), "outside");
    Path link = Files.createSymbolicLink(root.resolve("s"), secret);
    Path relative = Files.createSymbolicLink(root.resolve("r"), Path.of("../secret.txt"));
    for (boolean follow : new boolean[] {false, true}) {
      FileHasher h = FileHasher.within(root, follow);
      HashOutcome expected = follow ? HashOutcome.OUTSIDE_ROOT : HashOutcome.LINK;
      assertThat(outcome(h, link)).isEqualTo(expected);
      assertThat(outcome(h, relative)).isEqualTo(expected);
      assertThat(outcome(h, root.resolve("../secret.txt"))).isEqualTo(HashOutcome.OUTSIDE_ROOT);
      assertThat(outcome(h, Path.of("../secret.txt"))).isEqualTo(HashOutcome.OUTSIDE_ROOT);
      assertThat(outcome(h, secret)).isEqualTo(HashOutcome.OUTSIDE_ROOT);
    }
  }

  @Test
  void aLinkInsideTheRootIsFollowedOnlyWhenAsked() throws Exception {
    Path root = root();
    Path target = Files.writeString(root.resolve("real.txt"), "inside");
    Path link = Files.createSymbolicLink(root.resolve("alias.txt"), Path.of("real.txt"));
    assertThat(outcome(FileHasher.within(root), link)).isEqualTo(HashOutcome.LINK);
    assertThat(FileHasher.within(root, true).sha256(link)).contains(sha256sum(target));
  }

  @Test
  void aLinkedDirectoryOnTheWayCountsAsALink() throws Exception {
    Path root = root();
    Path outside = Files.createDirectories(tmp.resolve("elsewhere"));
    Files.writeString(outside.resolve("f.txt"), "outside");
    Files.createSymbolicLink(root.resolve("out"), outside);
    Path inside = Files.createDirectories(root.resolve("a/real"));
    Path in = Files.writeString(inside.resolve("f.txt"), "inside");
    Files.createSymbolicLink(root.resolve("a/alias"), Path.of("real"));

    assertThat(outcome(FileHasher.within(root), root.resolve("out/f.txt"))).isEqualTo(HashOutcome.LINK);
    assertThat(outcome(FileHasher.within(root, true), root.resolve("out/f.txt"))).isEqualTo(HashOutcome.OUTSIDE_ROOT);
    assertThat(outcome(FileHasher.within(root), root.resolve("a/alias/f.txt"))).isEqualTo(HashOutcome.LINK);
    assertThat(FileHasher.within(root, true).sha256(root.resolve("a/alias/f.txt"))).contains(sha256sum(in));
    assertThat(FileHasher.within(root).sha256(in)).as("no link on the way").contains(sha256sum(in));
  }

  @Test
  void aRootThatIsItselfALinkStillHashesWhatIsBelowIt() throws Exception {
    Path real = Files.createDirectories(tmp.resolve("real-root/d"));
    Path f = Files.writeString(real.resolve("f.txt"), "x");
    Path root = Files.createSymbolicLink(tmp.resolve("root-link"), Path.of("real-root"));
    assertThat(FileHasher.within(root).sha256(root.resolve("d/f.txt"))).contains(sha256sum(f));
  }

  @Test
  void aRootReplacedByAnotherDirectoryIsJudgedByWhereItIsNow() throws Exception {
    Path root = root();
    Path f = Files.writeString(Files.createDirectories(root.resolve("d")).resolve("f.txt"), "first");
    FileHasher h = FileHasher.within(root);
    assertThat(h.sha256(f)).contains(sha256sum(f)); // the root's real path is now remembered
    Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere/d"));
    Files.writeString(elsewhere.resolve("f.txt"), "second");
    run("rm", "-rf", root.toString());
    Files.createSymbolicLink(root, Path.of("elsewhere"));
    assertThat(h.sha256(f)).contains(sha256sum(elsewhere.resolve("f.txt")));
    Files.createSymbolicLink(root.resolve("d/link.txt"), tmp.resolve("elsewhere/d/f.txt"));
    assertThat(outcome(h, root.resolve("d/link.txt"))).isEqualTo(HashOutcome.LINK);
  }

  @Test
  void missingFilesAndDanglingLinksAreGoneAndDirectoriesNotRegular() throws Exception {
    Path root = root();
    Files.createDirectories(root.resolve("dir"));
    Path dangling = Files.createSymbolicLink(root.resolve("dangling"), Path.of("nothing-here"));
    assertThat(outcome(FileHasher.within(root), root.resolve("nope"))).isEqualTo(HashOutcome.GONE);
    assertThat(outcome(FileHasher.within(root), root.resolve("nope/deeper"))).isEqualTo(HashOutcome.GONE);
    assertThat(outcome(FileHasher.within(root), dangling)).isEqualTo(HashOutcome.LINK);
    assertThat(outcome(FileHasher.within(root, true), dangling)).isEqualTo(HashOutcome.GONE);
    assertThat(outcome(FileHasher.within(root), root.resolve("dir"))).isEqualTo(HashOutcome.NOT_REGULAR);
    assertThat(outcome(FileHasher.within(root), root)).isEqualTo(HashOutcome.NOT_REGULAR);
    assertThat(FileHasher.within(tmp.resolve("no-root")).sha256(tmp.resolve("no-root/a/b"))).isEmpty();
  }

  @Test
  void aGrowingFileIsReadToItsSizeWhenOpenedAndTheReadEnds() throws Exception {
    Path root = root();
    Path f = root.resolve("growing.log");
    byte[] chunk = new byte[FileHasher.BLOCK_SIZE];
    Files.write(f, chunk);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong written = new AtomicLong(chunk.length);
    Thread writer =
        new Thread(
            () -> {
              try (OutputStream o = Files.newOutputStream(f, java.nio.file.StandardOpenOption.APPEND)) {
                while (!stop.get()) {
                  o.write(chunk);
                  written.addAndGet(chunk.length);
                }
              } catch (Exception e) {
                // the test ends it
              }
            },
            "growing-writer");
    writer.start();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> written.get() > 16L * chunk.length);
      AtomicLong read = new AtomicLong();
      HashOutcome o =
          assertTimeoutPreemptively(
              HANG,
              () ->
                  FileHasher.within(root)
                      .read(
                          f,
                          (b, off, n) -> {
                            read.addAndGet(n);
                            // the writer keeps appending while this reads
                          }));
      assertThat(o).isEqualTo(HashOutcome.HASHED);
      assertThat(read.get()).isGreaterThanOrEqualTo(16L * chunk.length).isLessThanOrEqualTo(written.get());
    } finally {
      stop.set(true);
      writer.join();
    }
  }

  @Test
  void aFileTruncatedWhileReadGivesNoHash() throws Exception {
    Path root = root();
    Path f = root.resolve("shrinking.bin");
    Files.write(f, new byte[8 * FileHasher.BLOCK_SIZE]);
    HashOutcome o =
        FileHasher.within(root)
            .read(
                f,
                (b, off, n) -> {
                  try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                    raf.setLength(FileHasher.BLOCK_SIZE);
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
    assertThat(o).isEqualTo(HashOutcome.REPLACED);
  }

  @Test
  void aFileReplacedWhileReadHashesTheOldContentAndTheNextReadTheNew() throws Exception {
    Path root = root();
    Path f = root.resolve("doc.txt");
    byte[] old = new byte[4 * FileHasher.BLOCK_SIZE];
    java.util.Arrays.fill(old, (byte) 'o');
    Files.write(f, old);
    Path next = Files.writeString(root.resolve("doc.txt.tmp"), "new content");
    java.security.MessageDigest md = FileHasher.newSha256();
    AtomicBoolean swapped = new AtomicBoolean();
    HashOutcome o =
        FileHasher.within(root)
            .read(
                f,
                (b, off, n) -> {
                  md.update(b, off, n);
                  if (swapped.compareAndSet(false, true)) {
                    try {
                      Files.move(next, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  }
                });
    assertThat(o).isEqualTo(HashOutcome.HASHED);
    assertThat(HexFormat.of().formatHex(md.digest()))
        .isEqualTo(HexFormat.of().formatHex(FileHasher.newSha256().digest(old)));
    assertThat(FileHasher.within(root).sha256(f)).contains(sha256sum(f));
  }

  @Test
  void interruptingTheThreadStopsAHugeRead() throws Exception {
    Path root = root();
    Path huge = root.resolve("huge.sparse");
    try (RandomAccessFile raf = new RandomAccessFile(huge.toFile(), "rw")) {
      raf.setLength(1L << 40); // 1 TiB of holes: minutes to hash
    }
    AtomicLong read = new AtomicLong();
    AtomicReference<HashOutcome> result = new AtomicReference<>();
    Thread t =
        new Thread(() -> result.set(FileHasher.within(root).read(huge, (b, off, n) -> read.addAndGet(n))), "hash-huge");
    t.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> read.get() > 0);
    t.interrupt();
    t.join(HANG.toMillis());
    assertThat(t.isAlive()).isFalse();
    assertThat(result.get()).isEqualTo(HashOutcome.UNREADABLE);
    assertThat(read.get()).isLessThan(1L << 40);
  }
}
