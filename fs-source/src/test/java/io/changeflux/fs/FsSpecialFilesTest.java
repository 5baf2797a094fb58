package io.changeflux.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSources;
import io.changeflux.ShaResolvers;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * A watched tree holding a FIFO, a UNIX socket, a link to {@code /dev/zero}, links out of the root
 * and a file that keeps growing: {@code hash=true} and {@code confirm=sha256} never hang on them, a
 * file written after them is still reported (with its SHA-256 under confirm), and cancelling leaves
 * no thread behind.
 */
class FsSpecialFilesTest {

  static final Duration PATIENCE = Duration.ofSeconds(30);

  @TempDir Path tmp;

  static void mkfifo(Path p) throws Exception {
    Process proc = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
    String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(proc.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(proc.exitValue()).as(out).isZero();
  }

  static Set<String> changefluxThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .filter(t -> t.getName().startsWith("changeflux") || inHasher(t))
        .map(t -> t.getName() + "#" + t.getId())
        .collect(Collectors.toSet());
  }

  static boolean inHasher(Thread t) {
    for (StackTraceElement f : t.getStackTrace()) {
      if (f.getClassName().startsWith("io.changeflux.files.")) {
        return true;
      }
    }
    return false;
  }

  void noHangLaterEventsFlowAndCancelLeavesNoThread(String query, boolean confirmed) throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root"));
    Path outsideDir = Files.createDirectories(tmp.resolve("outside"));
    Path outside = Files.writeString(outsideDir.resolve("secret.txt"), "not yours");
    mkfifo(root.resolve("pipe"));
    Files.createSymbolicLink(root.resolve("zero"), Path.of("/dev/zero"));
    Files.createSymbolicLink(root.resolve("out.txt"), outside);
    Files.createSymbolicLink(root.resolve("outdir"), outsideDir);
    Path growing = Files.write(root.resolve("growing.log"), new byte[1 << 20]);
    Set<String> before = changefluxThreads();
    AtomicBoolean stop = new AtomicBoolean();
    Thread writer =
        new Thread(
            () -> {
              byte[] chunk = new byte[64 * 1024];
              try (OutputStream o = Files.newOutputStream(growing, StandardOpenOption.APPEND)) {
                while (!stop.get()) {
                  o.write(chunk);
                  o.flush();
                  Thread.sleep(5);
                }
              } catch (Exception e) {
                // ended by the test
              }
            },
            "growing-writer");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(root.resolve("s.sock")));
      List<ChangeEvent> got = new CopyOnWriteArrayList<>();
      List<Throwable> errors = new CopyOnWriteArrayList<>();
      CountDownLatch ready = new CountDownLatch(1);
      Disposable d =
          ChangeSources.open("fs:" + root + "?initial=true&" + query)
              .events()
              .contextWrite(ChangeSources.onReady(ready::countDown))
              .subscribe(got::add, errors::add);
      try {
        assertThat(ready.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).as("ready").isTrue();
        writer.start();
        mkfifo(root.resolve("pipe2")); // a FIFO created while watching
        Files.createSymbolicLink(root.resolve("zero2"), Path.of("/dev/zero"));
        Path after = Files.writeString(root.resolve("after.txt"), "written after them");
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(got).extracting(ChangeEvent::key).contains("after.txt", "pipe2", "growing.log"));
        assertThat(errors).isEmpty();
        if (confirmed) {
          await()
              .atMost(PATIENCE)
              .untilAsserted(
                  () ->
                      assertThat(got)
                          .filteredOn(e -> e.key().equals("after.txt"))
                          .last()
                          .satisfies(e -> assertThat(e.sha()).contains(ShaResolvers.sha256(Files.readAllBytes(after)))));
        }
        assertThat(got)
            .filteredOn(e -> Set.of("pipe", "pipe2", "zero", "zero2", "s.sock", "out.txt").contains(e.key()))
            .allSatisfy(e -> assertThat(e.sha()).as(e.key()).isEmpty());
      } finally {
        stop.set(true);
        d.dispose();
        if (writer.isAlive() || writer.getState() != Thread.State.NEW) {
          writer.join();
        }
      }
    }
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(changefluxThreads()).isSubsetOf(before));
  }

  @Test
  void hashTrueNeverHangsOnFifosSocketsOrLinksToDevZero() throws Exception {
    noHangLaterEventsFlowAndCancelLeavesNoThread("hash=true", false);
  }

  @Test
  void confirmSha256NeverHangsOnFifosSocketsOrLinksToDevZero() throws Exception {
    noHangLaterEventsFlowAndCancelLeavesNoThread("confirm=sha256", true);
  }

  @Test
  void hashAndConfirmWithFollowLinksStillNeverReadOutOfTheRoot() throws Exception {
    noHangLaterEventsFlowAndCancelLeavesNoThread("hash=true&confirm=sha256&followLinks=true", true);
  }
}
