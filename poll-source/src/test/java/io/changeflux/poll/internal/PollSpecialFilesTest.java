package io.changeflux.poll.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSources;
import io.changeflux.ShaResolvers;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * A polled tree holding a FIFO, a UNIX socket, a link to {@code /dev/zero} and links out of the
 * root: {@code compare=content} and {@code confirm=sha256} never hang on them, a file written after
 * them is still reported with its SHA-256, and cancelling leaves no thread behind.
 */
class PollSpecialFilesTest {

  static final Duration PATIENCE = Duration.ofSeconds(30);

  @TempDir Path tmp;

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

  void noHangLaterEventsFlowAndCancelLeavesNoThread(String query) throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root"));
    Path outsideDir = Files.createDirectories(tmp.resolve("outside"));
    Path outside = Files.writeString(outsideDir.resolve("secret.txt"), "not yours");
    FsFixtures.shell(root, "mkfifo pipe");
    Files.createSymbolicLink(root.resolve("zero"), Path.of("/dev/zero"));
    Files.createSymbolicLink(root.resolve("out.txt"), outside);
    Files.createSymbolicLink(root.resolve("outdir"), outsideDir);
    Set<String> before = changefluxThreads();
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(root.resolve("s.sock")));
      List<ChangeEvent> got = new CopyOnWriteArrayList<>();
      List<Throwable> errors = new CopyOnWriteArrayList<>();
      Disposable d =
          ChangeSources.open("poll:" + root + "?interval=100ms&initial=true&" + query)
              .events()
              .subscribe(got::add, errors::add);
      try {
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(got).extracting(ChangeEvent::key).contains("pipe", "s.sock"));
        FsFixtures.shell(root, "mkfifo pipe2"); // a FIFO created while polling
        Path after = Files.writeString(root.resolve("after.txt"), "written after them");
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(got).extracting(ChangeEvent::key).contains("after.txt", "pipe2"));
        assertThat(errors).isEmpty();
        ChangeEvent a = got.stream().filter(e -> e.key().equals("after.txt")).findFirst().orElseThrow();
        assertThat(a.sha()).contains(ShaResolvers.sha256(Files.readAllBytes(after)));
        assertThat(got).filteredOn(e -> !e.key().equals("after.txt")).allSatisfy(e -> assertThat(e.sha()).as(e.key()).isEmpty());
      } finally {
        d.dispose();
      }
    }
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(changefluxThreads()).isSubsetOf(before));
  }

  @Test
  void compareContentNeverHangsOnFifosSocketsOrLinksToDevZero() throws Exception {
    noHangLaterEventsFlowAndCancelLeavesNoThread("compare=content");
  }

  @Test
  void confirmSha256NeverHangsOnFifosSocketsOrLinksToDevZero() throws Exception {
    noHangLaterEventsFlowAndCancelLeavesNoThread("confirm=sha256");
  }

  @Test
  void compareContentWithFollowLinksStillNeverReadsOutOfTheRoot() throws Exception {
    noHangLaterEventsFlowAndCancelLeavesNoThread("compare=content&followLinks=true");
  }
}
