package io.changeflux.fs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/** {@code stable=DURATION}: a file is reported once, when it stopped changing. */
class FsStableTest {

  @TempDir Path tmp;

  private final List<ChangeEvent> events = new CopyOnWriteArrayList<>();
  private final Map<String, Long> arrivedNanos = new ConcurrentHashMap<>();
  private final Map<String, Long> sizeOnArrival = new ConcurrentHashMap<>();
  private Disposable subscription;

  @AfterEach
  void dispose() {
    if (subscription != null) {
      subscription.dispose();
    }
  }

  private Path watch(String query) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("watched"));
    CountDownLatch ready = new CountDownLatch(1);
    subscription =
        ChangeSources.open("fs:" + dir + "?" + query)
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(
                e -> {
                  arrivedNanos.putIfAbsent(e.key(), System.nanoTime());
                  if (e.kind() != ChangeKind.DELETED && e.path().isPresent()) {
                    try {
                      sizeOnArrival.putIfAbsent(e.key(), Files.size(e.path().get()));
                    } catch (java.io.IOException gone) {
                      sizeOnArrival.putIfAbsent(e.key(), -1L);
                    }
                  }
                  events.add(e);
                });
    assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
    return dir;
  }

  private void sentinel(Path dir) throws Exception {
    Files.writeString(dir.resolve("sentinel"), "s");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> events.stream().anyMatch(e -> e.key().equals("sentinel")));
  }

  private List<ChangeKind> kindsOf(String key) {
    return events.stream().filter(e -> e.key().equals(key)).map(ChangeEvent::kind).collect(Collectors.toList());
  }

  @Test
  void copyOf200MegabytesIsOneCreatedAfterTheCopyEnds() throws Exception {
    Path src = tmp.resolve("src.bin");
    FsFileTest.sh(tmp, "head -c 200M /dev/zero > src.bin");
    Path dir = watch("stable=500ms");
    FsFileTest.sh(tmp, "cp src.bin watched/big.bin");
    long copied = System.nanoTime();
    sentinel(dir);
    assertThat(kindsOf("big.bin")).containsExactly(ChangeKind.CREATED);
    if (!TestEngine.isNative()) {
      // The native engine reports it when cp closes it (IN_CLOSE_WRITE), which may be before this
      // thread sees cp exit; its size on arrival (below) says it was complete.
      assertThat(arrivedNanos.get("big.bin")).as("reported after cp exited").isGreaterThan(copied);
    }
    assertThat(sizeOnArrival.get("big.bin")).isEqualTo(Files.size(src));
  }

  @Test
  void slowProducerIsOneEventAfterItsLastWrite() throws Exception {
    Path dir = watch("stable=500ms");
    long lastWrite;
    try (OutputStream o = Files.newOutputStream(dir.resolve("slow.txt"))) {
      for (int i = 0; i < 8; i++) {
        o.write(new byte[64 * 1024]);
        o.flush();
        Thread.sleep(150); // a producer pausing less than stable= between writes
      }
      lastWrite = System.nanoTime();
    }
    sentinel(dir);
    assertThat(kindsOf("slow.txt")).containsExactly(ChangeKind.CREATED);
    assertThat(arrivedNanos.get("slow.txt")).isGreaterThan(lastWrite);
    assertThat(sizeOnArrival.get("slow.txt")).isEqualTo(8 * 64 * 1024L);
  }

  /** Also when other stages stand between the watch and the gate (they wrap what the watch emits to). */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"", "&confirm=sha256", "&gitignore=true", "&settle=vcs"})
  void aFileIsReleasedWhenItsWriterClosesItOnTheNativeEngine(String more) throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(TestEngine.isNative(), "IN_CLOSE_WRITE: native engine only");
    Path dir = watch("stable=1h" + more); // the size/mtime rule would hold it for an hour
    long closed;
    try (OutputStream o = Files.newOutputStream(dir.resolve("done.txt"))) {
      o.write(new byte[100_000]);
      o.flush();
      Files.writeString(dir.resolve("marker-open"), "m"); // reported at its own close
      await().atMost(Duration.ofSeconds(30)).until(() -> kindsOf("marker-open").size() == 1);
      assertThat(kindsOf("done.txt")).as("held while open").isEmpty();
      o.write(new byte[1]);
      closed = System.nanoTime();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> kindsOf("done.txt").size() == 1);
    assertThat(kindsOf("done.txt")).containsExactly(ChangeKind.CREATED);
    assertThat(sizeOnArrival.get("done.txt")).isEqualTo(100_001L);
    assertThat(arrivedNanos.get("done.txt")).isGreaterThan(closed);
  }

  @Test
  void deletedWhileHeldFollowsTheMergeTable() throws Exception {
    Path old = Files.createDirectories(tmp.resolve("watched")).resolve("old.txt");
    Files.writeString(old, "1");
    Path dir = watch("stable=5s");
    // A second watch without stable= shows when the notifications are out (the held ones are not).
    List<ChangeEvent> plain = new CopyOnWriteArrayList<>();
    CountDownLatch ready = new CountDownLatch(1);
    Disposable control =
        ChangeSources.open("fs:" + dir)
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(plain::add);
    try {
      assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
      // Their writers keep them open (a closed file is complete: the native engine releases it at
      // once), so both are held when deleted.
      try (OutputStream brief = Files.newOutputStream(dir.resolve("brief.txt"));
          OutputStream grow = Files.newOutputStream(old, java.nio.file.StandardOpenOption.APPEND)) {
        brief.write('x'); // CREATED, then DELETED while held
        brief.flush();
        grow.write('2'); // MODIFIED, then DELETED while held
        grow.flush();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> plain.stream().map(ChangeEvent::key).collect(Collectors.toSet()).containsAll(List.of("brief.txt", "old.txt")));
        Files.delete(dir.resolve("brief.txt"));
        Files.delete(old);
      }
      sentinel(dir);
    } finally {
      control.dispose();
    }
    assertThat(kindsOf("brief.txt")).isEmpty();
    assertThat(kindsOf("old.txt")).containsExactly(ChangeKind.DELETED);
  }
}
