package io.changeflux;

import static io.changeflux.ChangeKind.CREATED;
import static io.changeflux.ChangeKind.MODIFIED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.mem.InMemory;
import io.changeflux.mem.InMemoryChannel;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * {@code confirm=sha256} next to FIFOs, sockets, links to {@code /dev/zero} and out of the root, and
 * huge files: it never hangs, later events still flow, and cancelling releases the hashing thread.
 */
class ConfirmSpecialFilesTest {

  @TempDir Path dir;
  Disposable subscription;

  @AfterEach
  void tearDown() {
    if (subscription != null) {
      subscription.dispose();
    }
    InMemory.clear();
  }

  static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }

  /** Threads that are inside the file hasher right now. */
  static List<String> hashingThreads() {
    return Thread.getAllStackTraces().entrySet().stream()
        .filter(e -> e.getKey().isAlive())
        .filter(
            e -> {
              for (StackTraceElement f : e.getValue()) {
                if (f.getClassName().startsWith("io.changeflux.files.")) {
                  return true;
                }
              }
              return false;
            })
        .map(Map.Entry::getKey)
        .map(Thread::getName)
        .collect(Collectors.toList());
  }

  ChangeEvent event(ChangeKind kind, String name) {
    return ChangeEvent.builder(kind, name).path(dir.resolve(name)).build();
  }

  @Test
  void fifoSocketAndLinksToDevZeroOrOutOfTheRootPassUnconfirmedAndLaterEventsFlow() throws Exception {
    run("mkfifo", dir.resolve("pipe").toString());
    Files.createSymbolicLink(dir.resolve("zero"), Path.of("/dev/zero"));
    Path outside = Files.createTempFile("changeflux-outside", ".txt");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(dir.resolve("s.sock")));
      Files.writeString(outside, "not yours");
      Files.createSymbolicLink(dir.resolve("out"), outside);
      InMemoryChannel ch = InMemory.channel("confirm-special");
      List<ChangeEvent> got = new CopyOnWriteArrayList<>();
      List<Throwable> errors = new CopyOnWriteArrayList<>();
      subscription =
          ChangeSources.open("mem:confirm-special?confirm=sha256").events().subscribe(got::add, errors::add);
      await().atMost(Duration.ofSeconds(20)).until(() -> ch.subscriberCount() == 1);
      for (String name : new String[] {"pipe", "zero", "s.sock", "out"}) {
        ch.emit(event(CREATED, name));
      }
      Path after = Files.writeString(dir.resolve("after.txt"), "written after them");
      ch.emit(event(CREATED, "after.txt"));

      await().atMost(Duration.ofSeconds(30)).until(() -> got.stream().anyMatch(e -> e.key().equals("after.txt")));
      assertThat(errors).isEmpty();
      assertThat(got).extracting(ChangeEvent::key)
          .containsExactly("pipe", "zero", "s.sock", "out", "after.txt");
      assertThat(got.subList(0, 4)).allSatisfy(e -> assertThat(e.sha()).isEmpty());
      assertThat(got.get(4).sha()).contains(ShaResolvers.sha256(Files.readAllBytes(after)));
    } finally {
      Files.deleteIfExists(outside);
    }
  }

  @Test
  void cancellingWhileAHugeFileIsHashedReleasesTheThreadAndHeldEvents() throws Exception {
    assertThat(hashingThreads()).isEmpty();
    Path huge = dir.resolve("huge.bin");
    try (RandomAccessFile raf = new RandomAccessFile(huge.toFile(), "rw")) {
      raf.setLength(1L << 40); // 1 TiB of holes: hashing it would take many minutes
    }
    InMemoryChannel ch = InMemory.channel("confirm-huge");
    List<ChangeEvent> got = new CopyOnWriteArrayList<>();
    subscription = ChangeSources.open("mem:confirm-huge?confirm=sha256").events().subscribe(got::add);
    await().atMost(Duration.ofSeconds(20)).until(() -> ch.subscriberCount() == 1);
    ch.emit(event(MODIFIED, "huge.bin"));
    Files.writeString(dir.resolve("small.txt"), "x");
    ch.emit(event(MODIFIED, "small.txt"));
    await().atMost(Duration.ofSeconds(30)).until(() -> !hashingThreads().isEmpty());
    assertThat(got).as("order is kept: the small file waits behind the huge one").isEmpty();

    subscription.dispose();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(hashingThreads()).isEmpty());
    assertThat(ch.subscriberCount()).isZero();
  }
}
