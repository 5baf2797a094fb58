package io.changeflux.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.redis.RedisServerProcess;
import io.changeflux.redis.RedisTestClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * {@code -Dsoak.minutes=N} (off by default): storms and server kills in a loop, one watch and one
 * Redis subscription kept open throughout; prints heap, threads and fds after every round.
 */
@Tag("reliability")
class SoakTest {

  @TempDir Path tmp;

  @Test
  void soak() throws Exception {
    double minutes = Rel.soakMinutes();
    Assumptions.assumeTrue(minutes > 0, "soak off: run with -Dsoak.minutes=N");
    long end = System.nanoTime() + (long) (minutes * 60e9);
    Path root = Files.createDirectory(tmp.resolve("soak"));
    FileModel model = new FileModel(root);
    Disposable fs = StormTest.subscribe(root, model);
    try (RedisServerProcess server = RedisServerProcess.start()) {
      Recorder rec = new Recorder(server.uri("?channels=soak&maxReconnectDelay=200ms"));
      try {
        long t0 = System.nanoTime();
        int round = 0;
        Random random = new Random(1);
        while (System.nanoTime() < end) {
          round++;
          String dir = "r" + round;
          StormTest.TreeStorm storm = new StormTest.TreeStorm(Files.createDirectory(root.resolve(dir)), random, 6);
          storm.run(2_000);
          StormTest.awaitEqual(model, FileModel.scan(root));
          try (var s = Files.walk(root.resolve(dir))) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
              Files.delete(p);
            }
          }
          server.kill();
          server.restart();
          long overflowsWanted = round;
          org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
              .until(() -> rec.overflows() >= overflowsWanted);
          try (RedisTestClient c = new RedisTestClient(server.port())) {
            c.sync().publish("soak", "round " + round);
          }
          StormTest.awaitEqual(model, FileModel.scan(root));
          Rel.report(
              "soak",
              "round %d at %s: heap live %s, threads %d, fds %d, inotify watches %d; fs events %d,"
                  + " OVERFLOW %s; redis OVERFLOW %d",
              round, Rel.seconds(System.nanoTime() - t0), Rel.mb(Rel.heapLive()), Rel.threads(),
              Rel.fds(), Rel.inotifyWatches(), model.events.get(), model.overflows(), rec.overflows());
          assertThat(rec.error.get()).isNull();
        }
      } finally {
        rec.close();
      }
    } finally {
      fs.dispose();
    }
  }
}
