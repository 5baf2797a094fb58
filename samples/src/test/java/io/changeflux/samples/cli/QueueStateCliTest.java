package io.changeflux.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code queue CONFIG} with {@code state=} on an {@code fs:} queue: the state file is written and
 * resumed, requests submitted while the consumer was SIGKILLed are handled after the restart, and
 * every request ends in done/ (one interrupted by a kill runs again: at least once).
 */
class QueueStateCliTest {

  @TempDir Path tmp;

  private static List<String> names(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".ok")).sorted().toList();
    }
  }

  private void submit(Path pending, String name) throws Exception {
    Path t = Files.writeString(tmp.resolve(name + ".tmp"), "body of " + name);
    Files.move(t, pending.resolve(name));
  }

  @Test
  void requestsSubmittedWhileTheConsumerWasKilledAreHandledAfterARestart() throws Exception {
    Path pending = Files.createDirectories(tmp.resolve("queue/pending"));
    Path state = tmp.resolve("queue.state");
    Path log = tmp.resolve("handled.log");
    Path config = tmp.resolve("queue.properties");
    Files.writeString(
        config,
        "source=fs:" + pending + "?state=" + state + "&checkpoint=100ms\n"
            + "handler=printf '%s\\n' \"$REQUEST_KEY\" >> " + log + "\n");
    int n = 0;
    for (int round = 0; round < 3; round++) {
      try (CliProcess q = CliProcess.start("queue", config.toString())) {
        q.awaitErr("watching ");
        for (int i = 0; i < 10; i++) {
          submit(pending, "req-" + round + "-" + i + " ä#%:?");
          n++;
        }
        int expected = n;
        await().atMost(Duration.ofSeconds(30)).until(() -> names(tmp.resolve("queue/done")).size() >= expected - 5);
        assertThat(q.errText()).doesNotContain("unknown option").doesNotContain("Exception");
        q.kill();
      }
      // submitted while nobody consumes
      for (int i = 0; i < 5; i++) {
        submit(pending, "down-" + round + "-" + i);
        n++;
      }
    }
    assertThat(state).isRegularFile();
    try (CliProcess q = CliProcess.start("queue", config.toString())) {
      q.awaitErr("watching ");
      int all = n;
      await().atMost(Duration.ofSeconds(30)).until(() -> names(tmp.resolve("queue/done")).size() == all);
      assertThat(names(pending)).isEmpty();
      assertThat(names(tmp.resolve("queue/processing"))).isEmpty();
      Map<String, Integer> times = new HashMap<>();
      for (String line : Files.readAllLines(log)) {
        times.merge(line, 1, Integer::sum);
      }
      assertThat(times).hasSize(all);
      times.values().removeIf(t -> t == 1);
      assertThat(times.size()).as("requests run twice (interrupted by a kill): %s", times).isLessThanOrEqualTo(3);
    }
  }
}
