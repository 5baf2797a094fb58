package io.changeflux.fs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import io.changeflux.files.TreeScanner;
import io.changeflux.files.internal.NativeWalk;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * The native engine itself (engine=native, whatever this run's default): its descriptors go at
 * close from another thread, even while its owner is blocked in poll() or held up before taking a
 * batch; renames are
 * paired by cookie (a moved directory's watches follow it; one moved out loses them).
 */
class InotifyWatchTest {

  static final Duration PATIENCE = Duration.ofSeconds(30);

  @TempDir Path dir;

  private final List<ChangeEvent> events = new CopyOnWriteArrayList<>();
  private Disposable subscription;

  @BeforeEach
  void linuxOnly() {
    org.junit.jupiter.api.Assumptions.assumeTrue(Inotify.available(), "inotify: " + Inotify.unavailableReason());
  }

  @AfterEach
  void dispose() {
    NativeWatch.beforeHandOff = null;
    NativeWalk.failAt = p -> false;
    NativeWalk.enableAfterTestHook();
    if (subscription != null) {
      subscription.dispose();
    }
  }

  private InotifyWatch engine(Path root) {
    FsConfig c =
        new FsConfig(root, "fs:" + root, true, false, false, "none", Duration.ofSeconds(2), false, false, false, Duration.ZERO, "native");
    return new InotifyWatch(c, new TreeScanner(root, true, false), (d, k) -> {}, 0);
  }

  private void watch(String uri) throws InterruptedException {
    CountDownLatch ready = new CountDownLatch(1);
    subscription =
        ChangeSources.open(uri)
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(events::add);
    assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
  }

  private ChangeEvent awaitEvent(ChangeKind kind, String key) {
    await().atMost(PATIENCE).until(() -> events.stream().anyMatch(e -> e.kind() == kind && e.key().equals(key)));
    return events.stream().filter(e -> e.kind() == kind && e.key().equals(key)).findFirst().get();
  }

  /** Descriptors of this process that are inotify instances or eventfds. */
  /**
   * The count of inotify and eventfd descriptors once it has stopped changing (the same four polls
   * running): an earlier test's engine may still be closing its descriptors, and a baseline taken
   * while it does would be one too high for good.
   */
  /**
   * The numbers of this JVM's open inotify and eventfd descriptors. Tests compare sets, not
   * counts: a watch of an earlier test may still be closing its own (its thread wakes late under
   * load), which shrinks a count but never adds to what a test opened.
   */
  static java.util.Set<String> inotifyAndEventFds() {
    java.util.Set<String> out = new java.util.TreeSet<>();
    File[] fds = new File("/proc/self/fd").listFiles();
    for (File f : fds == null ? new File[0] : fds) {
      try {
        String target = Files.readSymbolicLink(f.toPath()).toString();
        if (target.contains("inotify") || target.contains("eventfd")) {
          out.add(f.getName() + " " + target);
        }
      } catch (java.io.IOException gone) {
        // closed meanwhile
      }
    }
    return out;
  }

  /**
   * The engine's open descriptors as {@link #inotifyAndEventFds()} lists them (number and target):
   * its instance and its eventfd once started, each checked to be what the engine says.
   */
  static java.util.Set<String> descriptorsOf(InotifyWatch w) {
    java.util.Set<String> all = inotifyAndEventFds();
    java.util.Set<String> out = new java.util.TreeSet<>();
    for (int fd : w.descriptors()) {
      all.stream().filter(e -> e.startsWith(fd + " ")).forEach(out::add);
    }
    return out;
  }

  /**
   * Runs {@code body} with {@code w} on a thread of its own (the engine's owner, as a watch's
   * thread is), which then polls until the engine is closed; returns that thread.
   */
  private static Thread owner(InotifyWatch w, Runnable body, CountDownLatch polling) {
    Thread t =
        new Thread(
            () -> {
              body.run();
              polling.countDown();
              try {
                while (w.poll(60_000) != null || !Thread.currentThread().isInterrupted() && !closedFlag(w)) {
                  // events of the tree, if any: drop them
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "test-inotify-owner");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Whether the engine has no session left (closed, its owner out of poll). */
  private static boolean closedFlag(InotifyWatch w) {
    return !w.open();
  }

  /** {@code se.slice} of the calling thread (Linux 6.6+ shows it), or -1 where it is not shown. */
  private static long ownSlice() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/thread-self/sched"))) {
        if (l.startsWith("se.slice")) {
          return Long.parseLong(l.substring(l.indexOf(':') + 1).trim());
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // not shown here
    }
    return -1;
  }

  @Test
  void theReaderThreadDeliversWithAShortTimeSliceAndThreadsItStartsHaveTheDefault() throws Exception {
    java.util.regex.Matcher v = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(System.getProperty("os.version", ""));
    Assumptions.assumeTrue(
        v.find() && Integer.parseInt(v.group(1)) * 1000 + Integer.parseInt(v.group(2)) >= 6012,
        "custom slices need Linux 6.12+: " + System.getProperty("os.version"));
    Assumptions.assumeTrue(ownSlice() > 0, "no EEVDF slice shown in /proc/thread-self/sched");
    List<long[]> seen = new CopyOnWriteArrayList<>();
    CountDownLatch ready = new CountDownLatch(1);
    subscription =
        ChangeSources.open("fs:" + dir + "?engine=native")
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(
                e -> {
                  // on the thread that read the event; and a thread it starts (as a scheduler's
                  // worker started by a subscriber would be)
                  long[] child = {-1};
                  Thread t = new Thread(() -> child[0] = ownSlice());
                  t.start();
                  try {
                    t.join();
                  } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                  }
                  seen.add(new long[] {ownSlice(), child[0]});
                });
    assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
    Files.writeString(dir.resolve("one.txt"), "x");
    await().atMost(PATIENCE).until(() -> !seen.isEmpty());
    assertThat(seen.get(0)[0]).as("the reader's slice").isEqualTo(Inotify.READER_SLICE_NANOS);
    assertThat(seen.get(0)[1]).as("the slice of a thread the reader started").isGreaterThan(Inotify.READER_SLICE_NANOS);
  }

  @Test
  void theWatchTableHoldsTheVeryPathsTheRegistrationHandsToTheTreeStateNoCopies() throws Exception {
    Files.createDirectories(dir.resolve("a/b"));
    Files.createDirectories(dir.resolve("c"));
    java.util.Set<Path> registered = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    FsConfig c =
        new FsConfig(dir, "fs:" + dir, true, false, false, "none", Duration.ofSeconds(2), false, false, false, Duration.ZERO, "native");
    InotifyWatch w = new InotifyWatch(c, new TreeScanner(dir, true, false), (d, k) -> registered.add(d), 0);
    try {
      assertThat(w.start()).isNull();
      assertThat(w.watchedDirectories()).hasSize(4).allSatisfy(p -> assertThat(registered).as("the same object").contains(p));
      Files.createDirectories(dir.resolve("c/new"));
      await().atMost(PATIENCE).pollInSameThread().until(() -> {
        w.poll(50); // the owner (this thread) reads the CREATE and registers the new directory
        return w.watchedDirectories().size() == 5;
      });
      assertThat(w.watchedDirectories()).allSatisfy(p -> assertThat(registered).as("the same object").contains(p));
      assertThat(w.watchedDirectories()).contains(dir.resolve("c/new"));
    } finally {
      w.close();
    }
  }

  @Test
  void closeFromAnotherThreadWakesTheBlockedOwnerAndItReleasesTheDescriptorsEveryTime() throws Exception {
    Files.createDirectories(dir.resolve("a/b"));
    for (int round = 0; round < 20; round++) {
      InotifyWatch w = engine(dir);
      boolean restart = round % 2 == 1;
      CountDownLatch polling = new CountDownLatch(1);
      Thread t =
          owner(
              w,
              () -> {
                assertThat(w.start()).isNull();
                if (restart) {
                  assertThat(w.start()).isNull(); // a restart closes the first instance
                }
              },
              polling);
      assertThat(polling.await(30, TimeUnit.SECONDS)).isTrue();
      java.util.Set<String> opened = descriptorsOf(w);
      assertThat(opened).as("the instance and its wake-up descriptor").hasSize(2);
      assertThat(FsSourceTest.inotifyWatches()).isGreaterThanOrEqualTo(3);
      // The owner is blocked in poll() (nothing happens in the tree) for a minute: close must wake it.
      if (restart) {
        w.close();
      } else {
        w.cancel();
      }
      t.join(30_000);
      assertThat(t.isAlive()).as("woken, not at the end of its minute").isFalse();
      assertThat(inotifyAndEventFds()).as("released").doesNotContainAnyElementsOf(opened);
    }
  }

  @Test
  void cancelWhileTheOwnerIsHeldBeforeTakingABatchHandsNothingOnAndReleasesTheDescriptors() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    NativeWatch.beforeHandOff =
        () -> {
          entered.countDown();
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    InotifyWatch w = engine(dir);
    List<NativeWatch.Raw> got = new CopyOnWriteArrayList<>();
    Thread t =
        new Thread(
            () -> {
              assertThat(w.start()).isNull();
              try {
                for (int i = 0; i < 50 && w.open(); i++) {
                  NativeWatch.Raw r = w.poll(100);
                  if (r != null) {
                    got.add(r);
                  }
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "test-inotify-owner");
    t.setDaemon(true);
    t.start();
    await().atMost(PATIENCE).until(() -> descriptorsOf(w).size() == 2);
    java.util.Set<String> opened = descriptorsOf(w);
    for (int i = 0; i < 100; i++) {
      Files.writeString(dir.resolve("f" + i), "x");
    }
    assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
    w.cancel();
    release.countDown();
    t.join(30_000);
    assertThat(t.isAlive()).isFalse();
    assertThat(got).as("a cancelled engine's batch is not handed on").isEmpty();
    await()
        .atMost(PATIENCE)
        .untilAsserted(() -> assertThat(inotifyAndEventFds()).as("released").doesNotContainAnyElementsOf(opened));
  }

  @Test
  void aMovedDirectoryKeepsItsWatchesUnderItsNewName() throws Exception {
    FsFileTest.sh(dir, "mkdir -p old/deep && printf 1 > old/deep/f");
    watch("fs:" + dir + "?engine=native");
    int watches = FsSourceTest.inotifyWatches();
    FsFileTest.sh(dir, "mv old new");
    assertThat(awaitEvent(ChangeKind.CREATED, "new/deep/f").headers()).containsEntry("movedFrom", "old/deep/f");
    assertThat(awaitEvent(ChangeKind.DELETED, "old/deep/f").headers()).containsEntry("movedTo", "new/deep/f");
    Files.writeString(dir.resolve("new/deep/later"), "l");
    awaitEvent(ChangeKind.CREATED, "new/deep/later");
    assertThat(events).noneMatch(e -> e.key().startsWith("old/") && e.kind() != ChangeKind.DELETED);
    assertThat(FsSourceTest.inotifyWatches()).as("the same watches, renamed").isEqualTo(watches);
  }

  @Test
  void aDirectoryWhoseNameDoesNotDecodeIsWatchedByItsBytes() throws Exception {
    Assumptions.assumeTrue(NativeWalk.available(), "native walk: " + NativeWalk.unavailableReason());
    FsFileTest.sh(dir, "mkdir -p \"$(printf 'at-start\\xff')/deep\"");
    watch("fs:" + dir + "?engine=native");
    FsFileTest.sh(dir, "printf 1 > \"$(printf 'at-start\\xff')/deep/f\"");
    awaitEvent(ChangeKind.CREATED, "at-start\uFFFD/deep/f");
    FsFileTest.sh(dir, "mkdir -p \"$(printf 'later\\xfe')/sub\"");
    FsFileTest.sh(dir, "printf 2 > \"$(printf 'later\\xfe')/sub/g\"");
    awaitEvent(ChangeKind.CREATED, "later\uFFFD/sub/g");
    FsFileTest.sh(dir, "printf 3 > \"$(printf 'later\\xfe')/sub/h\""); // by the watch, whatever listed g
    awaitEvent(ChangeKind.CREATED, "later\uFFFD/sub/h");
  }

  @Test
  void aNativeWalkThatFailsMidWayIsDoneByTheScannerInstead() throws Exception {
    Assumptions.assumeTrue(NativeWalk.available(), "native walk: " + NativeWalk.unavailableReason());
    FsFileTest.sh(dir, "mkdir -p a/b c && printf 1 > a/f && printf 2 > a/b/g && printf 3 > c/h && printf 4 > top");
    NativeWalk.failAt = p -> p.endsWith("b");
    watch("fs:" + dir + "?engine=native&initial=true");
    for (String k : List.of("a/f", "a/b/g", "c/h", "top")) {
      awaitEvent(ChangeKind.CREATED, k);
    }
    assertThat(NativeWalk.available()).as("disabled after the failure").isFalse();
    Files.writeString(dir.resolve("a/b/later"), "l"); // the scanner's walk put the watch there
    awaitEvent(ChangeKind.CREATED, "a/b/later");
    FsFileTest.sh(dir, "mkdir -p new/deep && printf 5 > new/deep/x");
    awaitEvent(ChangeKind.CREATED, "new/deep/x");
    assertThat(events.stream().filter(e -> e.kind() == ChangeKind.CREATED).map(ChangeEvent::key))
        .as("each file once")
        .doesNotHaveDuplicates();
  }

  @Test
  void aDirectoryMovedOutOfTheTreeLosesItsWatches() throws Exception {
    Path away = Files.createTempDirectory("changeflux-away");
    try {
      FsFileTest.sh(dir, "mkdir -p gone/a gone/b && printf 1 > gone/a/f");
      watch("fs:" + dir + "?engine=native");
      int watches = FsSourceTest.inotifyWatches();
      Files.move(dir.resolve("gone"), away.resolve("gone"));
      awaitEvent(ChangeKind.DELETED, "gone/a/f");
      await().atMost(PATIENCE).until(() -> FsSourceTest.inotifyWatches() == watches - 3);
      Files.writeString(away.resolve("gone/a/outside"), "o");
      Files.writeString(dir.resolve("marker"), "m");
      awaitEvent(ChangeKind.CREATED, "marker");
      assertThat(events).noneMatch(e -> e.key().contains("outside"));
    } finally {
      FsFileTest.sh(away.getParent(), "rm -rf '" + away + "'");
    }
  }

  @Test
  void everyRenameOfABatchIsPairedByItsCookie() throws Exception {
    // 2,000 files renamed at once, one directory: far more than pair within 50 ms of processing
    // when the watch thread is slow; the cookie pairs every one.
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      Files.writeString(dir.resolve("a" + i), "x");
      names.add("a" + i);
    }
    watch("fs:" + dir + "?engine=native&coalesce=100000");
    FsFileTest.sh(dir, "for f in a*; do mv \"$f\" \"b${f#a}\"; done");
    await().atMost(PATIENCE).until(() -> events.stream().filter(e -> e.kind() == ChangeKind.CREATED).count() >= 2_000);
    for (ChangeEvent e : events) {
      if (e.kind() == ChangeKind.CREATED) {
        assertThat(e.headers()).containsEntry("movedFrom", "a" + e.key().substring(1));
      }
    }
  }
}
