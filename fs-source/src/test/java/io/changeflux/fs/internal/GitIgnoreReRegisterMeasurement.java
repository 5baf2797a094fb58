package io.changeflux.fs.internal;

import static io.changeflux.testkit.Shell.sh;
import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import io.changeflux.SourceListener;
import io.changeflux.testkit.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * What an edit of a {@code .gitignore} costs a {@code gitignore=true} watch of a 20,000-file,
 * 2,000-directory tree: the rescan that registers every directory again (timed by the source's
 * own {@code onRescan}), and the time from the edit to the first event it causes (the 100 ms
 * settle included), against a plain file change on the same watch. Prints, does not assert
 * timings. Run with {@code -Dchangeflux.measure=true -Dtest=GitIgnoreReRegisterMeasurement}.
 */
@EnabledIfSystemProperty(named = "changeflux.measure", matches = "true")
class GitIgnoreReRegisterMeasurement {

  static final int TOP = 20;
  static final int SUB = 100; // 20 x 100 = 2,000 directories
  static final int FILES = 10; // 20,000 files

  @TempDir Path base;

  @Test
  void reRegistrationAfterAnIgnoreFileEdit() throws Exception {
    Path root = Files.createDirectories(base.resolve("root"));
    sh(root, "git init -q && printf 'build/\\n' > .gitignore");
    for (int t = 0; t < TOP; t++) {
      for (int s = 0; s < SUB; s++) {
        Path d = Files.createDirectories(root.resolve("t" + t + "/s" + s));
        for (int f = 0; f < FILES; f++) {
          Files.writeString(d.resolve("f" + f + (f % 2 == 0 ? ".txt" : ".log")), "x");
        }
      }
    }
    List<Duration> rescans = new CopyOnWriteArrayList<>();
    List<ChangeEvent> events = new CopyOnWriteArrayList<>();
    CountDownLatch ready = new CountDownLatch(1);
    SourceListener l =
        new SourceListener() {
          @Override
          public void onRescan(Duration took) {
            rescans.add(took);
          }
        };
    Disposable d =
        ChangeSources.open("fs:" + root + "?gitignore=true")
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .contextWrite(ChangeSources.observe(l))
            .subscribe(events::add);
    try {
      assertThat(ready.await(120, TimeUnit.SECONDS)).isTrue();
      System.out.printf("reregister: engine %s, %d dirs, %d files%n", TestEngine.name(), TOP * SUB, TOP * SUB * FILES);
      for (int run = 0; run < 6; run++) {
        // A plain change: the baseline latency of this watch.
        Path plain = root.resolve("t1/s1/f0.txt");
        int before = events.size();
        long p0 = System.nanoTime();
        Files.writeString(plain, "run " + run);
        Awaitility.await().pollInterval(Duration.ofMillis(2)).atMost(Duration.ofSeconds(60)).until(() -> events.subList(before, events.size()).stream().anyMatch(e -> e.key().equals("t1/s1/f0.txt")));
        long plainMs = (System.nanoTime() - p0) / 1_000_000;
        // A nested .gitignore that alternately ignores and un-ignores its directory's *.log.
        String dir = "t" + (run % TOP) + "/s" + (run * 7 % SUB);
        String key = dir + "/f1.log";
        ChangeKind want = run % 2 == 0 ? ChangeKind.DELETED : ChangeKind.CREATED;
        int rescansBefore = rescans.size();
        int from = events.size();
        long t0 = System.nanoTime();
        TestFiles.replace(root.resolve(dir + "/.gitignore"), run % 2 == 0 ? "*.log\n" : "# none\n", base);
        if (run % 2 == 1) {
          // un-ignoring needs the file ignored first: the previous run's edit was elsewhere
          TestFiles.replace(root.resolve("t" + ((run - 1) % TOP) + "/s" + ((run - 1) * 7 % SUB) + "/.gitignore"), "# none\n", base);
          key = "t" + ((run - 1) % TOP) + "/s" + ((run - 1) * 7 % SUB) + "/f1.log";
        }
        String k = key;
        Awaitility.await()
            .pollInterval(Duration.ofMillis(2))
            .atMost(Duration.ofSeconds(60))
            .until(() -> events.subList(from, events.size()).stream().anyMatch(e -> e.key().equals(k) && e.kind() == want));
        long editMs = (System.nanoTime() - t0) / 1_000_000;
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> rescans.size() > rescansBefore);
        System.out.printf(
            "reregister: run %d: plain change -> event %4d ms; .gitignore edit -> %s %5d ms; rescan (re-register + list) %5d ms%n",
            run, plainMs, want, editMs, rescans.get(rescans.size() - 1).toMillis());
      }
    } finally {
      d.dispose();
    }
  }
}
