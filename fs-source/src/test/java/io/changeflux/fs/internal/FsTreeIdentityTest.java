package io.changeflux.fs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * Directories are known by identity (path and file key): a directory deleted and re-created under
 * the same name while both events were lost is a new directory, and is watched again.
 */
class FsTreeIdentityTest {

  @TempDir Path dir;

  private final Set<String> reported = ConcurrentHashMap.newKeySet();
  private final List<ChangeEvent> overflows = new CopyOnWriteArrayList<>();
  private Disposable subscription;

  @AfterEach
  void release() {
    NativeWatch.beforeHandOff = null;
    if (subscription != null) {
      subscription.dispose();
    }
  }

  private void watch(String uri) throws InterruptedException {
    CountDownLatch ready = new CountDownLatch(1);
    subscription =
        ChangeSources.open(uri)
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(
                e -> {
                  if (e.kind() == ChangeKind.OVERFLOW) {
                    overflows.add(e);
                  } else if (e.kind() == ChangeKind.DELETED) {
                    reported.remove(e.key());
                  } else {
                    reported.add(e.key());
                  }
                });
    assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
  }

  /** Holds the watcher thread on its next event until the returned latch is counted down. */
  private CountDownLatch holdWatcherThread(AtomicBoolean held) {
    CountDownLatch release = new CountDownLatch(1);
    NativeWatch.beforeHandOff =
        () -> {
          if (held.compareAndSet(false, true)) {
            try {
              release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    return release;
  }

  @Test
  void directoryRecreatedWhileItsDeleteAndCreateWereLostIsWatchedAgain() throws Exception {
    Path x = Files.createDirectories(dir.resolve("x"));
    Files.writeString(x.resolve("old"), "1");
    watch("fs:" + dir);
    AtomicBoolean held = new AtomicBoolean();
    CountDownLatch release = holdWatcherThread(held);
    Files.writeString(dir.resolve("first"), "1"); // the event the watcher thread stops on
    await().atMost(Duration.ofSeconds(20)).until(held::get);
    // More than the JDK's 512 pending events for the root, so that what follows is dropped.
    // (On the native engine: more than the kernel's queue.)
    for (int i = 0, n = TestEngine.toLose(600); i < n; i++) {
      Files.writeString(dir.resolve("fill" + i), "1");
    }
    // rm -rf x && mkdir x: its DELETE and CREATE are among the dropped events.
    Files.delete(x.resolve("old"));
    Files.delete(x);
    Files.createDirectory(x);
    Files.writeString(x.resolve("inside"), "1");
    release.countDown();
    await().atMost(Duration.ofSeconds(30)).until(() -> !overflows.isEmpty());
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(reported).contains("x/inside").doesNotContain("x/old"));
    // The re-created x is watched: a change under it afterwards is reported.
    Files.writeString(x.resolve("after"), "1");
    await().atMost(Duration.ofSeconds(30)).until(() -> reported.contains("x/after"));
    Files.createDirectories(x.resolve("deeper"));
    Files.writeString(x.resolve("deeper/later"), "1");
    await().atMost(Duration.ofSeconds(30)).until(() -> reported.contains("x/deeper/later"));
    assertThat(reported).isEqualTo(onDisk(dir));
  }

  @Test
  void gitCheckoutBetweenBranchesWithOtherDirectoriesUnderABurstKeepsEveryDirectoryWatched()
      throws Exception {
    Path repo = Files.createDirectories(dir.resolve("repo"));
    git(repo, "init", "-q", "-b", "a");
    git(repo, "config", "user.email", "t@example.invalid");
    git(repo, "config", "user.name", "t");
    Files.writeString(repo.resolve(".git/info/exclude"), "burst/\n");
    write(repo, "common/c.txt", "c");
    for (int i = 0; i < 30; i++) {
      write(repo, "only-a/sub" + (i % 5) + "/f" + i + ".txt", "a" + i);
    }
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "a");
    git(repo, "checkout", "-q", "-b", "b");
    git(repo, "rm", "-q", "-r", "only-a");
    for (int i = 0; i < 30; i++) {
      write(repo, "only-b/deep" + (i % 3) + "/g" + i + ".txt", "b" + i);
    }
    write(repo, "common/sub/in-b.txt", "b");
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "b");
    watch("fs:" + repo + "?initial=true&exclude=.git/**&coalesce=1000000");
    AtomicBoolean stop = new AtomicBoolean();
    java.util.concurrent.atomic.AtomicLong burstCount = new java.util.concurrent.atomic.AtomicLong();
    Thread burst =
        new Thread(
            () -> {
              try {
                Path b = Files.createDirectories(repo.resolve("burst"));
                for (int i = 0; !stop.get(); i++) {
                  Files.writeString(b.resolve("w" + (i % 3000)), "w" + i);
                  burstCount.incrementAndGet();
                }
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    burst.start();
    try {
      for (int round = 0; round < 6; round++) {
        AtomicBoolean held = new AtomicBoolean();
        // Every other round, hold the watcher thread during the switch: its events are lost for
        // certain (the burst overflows the JDK's queues), the directories come back by rescan.
        CountDownLatch release = round % 2 == 1 ? holdWatcherThread(held) : null;
        if (release != null) {
          await().atMost(Duration.ofSeconds(20)).until(held::get); // the burst's next event
        }
        git(repo, "checkout", "-q", round % 2 == 0 ? "a" : "b");
        git(repo, "checkout", "-q", round % 2 == 0 ? "b" : "a");
        if (release != null) {
          // Let the burst overflow the JDK's queue of 512 events while held.
          long t = burstCount.get();
          long lose = TestEngine.toLose(2_000);
          await().atMost(Duration.ofSeconds(60)).until(() -> burstCount.get() > t + lose);
          release.countDown();
          NativeWatch.beforeHandOff = null;
        }
      }
    } finally {
      stop.set(true);
      burst.join();
    }
    git(repo, "checkout", "-q", "b");
    Set<String> disk = onDisk(repo);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(new java.util.TreeSet<>(reported))
                    .containsExactlyInAnyOrderElementsOf(new java.util.TreeSet<>(disk)));
    // Every directory of branch b is watched: a new file in each is reported.
    List<String> probes = new ArrayList<>();
    for (String d : List.of("common", "common/sub", "only-b/deep0", "only-b/deep1", "only-b/deep2", "burst")) {
      String key = d + "/probe.txt";
      write(repo, key, "p");
      probes.add(key);
    }
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(reported).containsAll(probes));
    assertThat(overflows).as("the held rounds lost events").isNotEmpty();
  }

  private static void write(Path root, String key, String content) throws IOException {
    Path f = root.resolve(key);
    Files.createDirectories(f.getParent());
    Files.writeString(f, content);
  }

  static void git(Path repo, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add("git");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(repo.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as("git %s: %s", String.join(" ", args), out).isZero();
  }

  static Set<String> onDisk(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> !Files.isDirectory(p))
          .map(p -> root.relativize(p).toString())
          .filter(k -> !k.startsWith(".git/") && !k.equals(".git"))
          .collect(Collectors.toSet());
    }
  }

}
