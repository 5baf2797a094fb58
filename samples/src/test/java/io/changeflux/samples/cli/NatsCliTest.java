package io.changeflux.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.changeflux.nats.NatsServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** relay fs → nats → watch end to end, and publish, through a real nats-server on a free port. */
class NatsCliTest {

  static NatsServerProcess nats;
  final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  static void startNats() {
    nats = NatsServerProcess.start(true, "");
  }

  @AfterAll
  static void stopNats() {
    nats.close();
  }

  @Test
  void relayFromFilesToNatsReachesAWatchWithTheOriginalKindKeyAndSha(@TempDir Path dir) throws Exception {
    String uri = "nats://" + nats.hostPort() + "?subjects=changes";
    try (CliProcess watch = CliProcess.start("watch", uri, "--json", "--count", "2");
        CliProcess relay = CliProcess.start("relay", "fs:" + dir + "?confirm=sha256&debounce=100ms", uri)) {
      watch.awaitErr("watching ");
      relay.awaitErr("watching ");
      Files.createDirectories(dir.resolve("src"));
      Files.writeString(dir.resolve("src/Main.java"), "abc");
      Files.writeString(dir.resolve("notes.txt"), "abc");
      assertThat(watch.waitFor(Duration.ofSeconds(30))).as(watch.errText()).isZero();
      assertThat(watch.out).hasSize(2);
      for (String line : watch.out) {
        JsonNode n = json.readTree(line);
        assertThat(n.get("kind").asText()).isEqualTo("CREATED");
        assertThat(n.get("key").asText()).isIn("src/Main.java", "notes.txt");
        assertThat(n.get("sha").asText()).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
      }
    }
  }

  @Test
  void publishThenWatchOnJetStreamSeesEventsPublishedWhileNobodyWatched() throws Exception {
    String uri = "nats://" + nats.hostPort() + "?subjects=jobs.>&stream=JOBS&durable=cli";
    String sink = "nats://" + nats.hostPort() + "?subjects=jobs.new&stream=JOBS";
    for (int i = 0; i < 3; i++) {
      CliProcess pub = CliProcess.run("publish", sink, "job-" + i, "--payload", "p" + i);
      assertThat(pub.exitValue()).as(pub.errText()).isZero();
    }
    CliProcess watch = CliProcess.run("watch", uri, "--json", "--count", "3");
    assertThat(watch.exitValue()).as(watch.errText()).isZero();
    assertThat(watch.out).extracting(l -> json.readTree(l).get("key").asText()).containsExactly("job-0", "job-1", "job-2");
  }

  @Test
  void aWrongTokenFailsWithARedactedLine() throws Exception {
    try (NatsServerProcess secured = NatsServerProcess.start(false, "authorization { token: \"right-token\" }")) {
      CliProcess p = CliProcess.run("watch", "nats://wrong-token@" + secured.hostPort() + "?subjects=x");
      assertThat(p.exitValue()).isEqualTo(1);
      assertThat(p.err).last().asString().startsWith("changeflux: nats://***@").contains("Authorization Violation");
      assertThat(p.errText()).doesNotContain("wrong-token");
    }
  }
}
