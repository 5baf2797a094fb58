package io.changeflux.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.changeflux.redis.RedisServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** publish, watch and relay through a real redis-server that this test starts on a free port. */
class RedisCliTest {

  static RedisServerProcess redis;
  final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  static void startRedis() throws Exception {
    redis = RedisServerProcess.start();
  }

  @AfterAll
  static void stopRedis() throws Exception {
    redis.close();
  }

  @Test
  void publishedEventsArriveWithTheirKindKeyShaAndPayload() throws Exception {
    String uri = redis.uri("?channels=builds");
    try (CliProcess watch = CliProcess.start("watch", uri, "--json", "--count", "1")) {
      watch.awaitErr("watching ");
      CliProcess pub = CliProcess.run("publish", uri, "build-42", "--kind", "CREATED", "--payload", "héllo", "--sha", "abc123", "--header", "who=ci");
      assertThat(pub.exitValue()).as(pub.errText()).isZero();
      assertThat(watch.waitFor(Duration.ofSeconds(30))).isZero();
      JsonNode n = json.readTree(watch.out.get(0));
      assertThat(n.get("kind").asText()).isEqualTo("CREATED");
      assertThat(n.get("key").asText()).isEqualTo("build-42");
      assertThat(n.get("sha").asText()).isEqualTo("abc123");
      assertThat(n.get("payload").asText()).isEqualTo("héllo");
      assertThat(n.get("headers").get("who").asText()).isEqualTo("ci");
    }
  }

  @Test
  void relayCarriesFileChangesToAnotherMachinesWatch(@TempDir Path dir) throws Exception {
    String uri = redis.uri("?channels=changes");
    try (CliProcess watch = CliProcess.start("watch", uri, "--json", "--count", "1");
        CliProcess relay = CliProcess.start("relay", "fs:" + dir + "?confirm=sha256", uri)) {
      watch.awaitErr("watching ");
      relay.awaitErr("watching ");
      Files.writeString(dir.resolve("report.txt"), "abc");
      assertThat(watch.waitFor(Duration.ofSeconds(30))).isZero();
      JsonNode n = json.readTree(watch.out.get(0));
      assertThat(n.get("key").asText()).isEqualTo("report.txt");
      assertThat(n.get("kind").asText()).isIn("CREATED", "MODIFIED");
      // sha256("abc")
      assertThat(n.get("sha").asText()).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
  }

  @Test
  void aRefusedConnectionIsARunTimeFailureWithTheRedactedUri() throws Exception {
    int port = RedisServerProcess.freePort();
    CliProcess p = CliProcess.run("watch", "redis://:hunter2@127.0.0.1:" + port + "?channels=x");
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(p.errText()).contains("127.0.0.1:" + port).doesNotContain("hunter2");
  }

  @Test
  void publishToANonexistentServerExitsOne() throws Exception {
    int port = RedisServerProcess.freePort();
    CliProcess p = CliProcess.run("publish", "redis://127.0.0.1:" + port + "?channels=x", "k", "--timeout", "5s");
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(p.err).hasSize(1);
  }
}
