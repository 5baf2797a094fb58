package io.changeflux.samples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.changeflux.redis.RedisServerProcess;
import io.changeflux.redis.RedisTestClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sample on a random port, read with the JDK's HttpClient: /events while files change and a
 * test-owned redis-server is SIGKILLed and restarted; health UP → DEGRADED → UP, the reconnect and
 * OVERFLOW counters move, and no secret is printed or served.
 */
class SampleAppTest {

  private static final String PW = "p/a@s:s-71";
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private static String status(SampleApp app, String source) throws Exception {
    JsonNode n = JSON.readTree(app.get("/actuator/health/changeflux/" + source));
    return n.path("status").asText();
  }

  private static double metric(SampleApp app, String name, String source) throws Exception {
    JsonNode n = JSON.readTree(app.get("/actuator/metrics/" + name + "?tag=source:" + source));
    return n.path("measurements").path(0).path("value").asDouble(-1);
  }

  private static boolean sawKey(List<String> sse, String key) {
    return sse.stream().anyMatch(l -> l.startsWith("data:") && l.contains("\"key\":\"" + key + "\""));
  }

  @Test
  void eventsHealthAndMetricsThroughARedisRestart() throws Exception {
    try (RedisServerProcess redis =
        RedisServerProcess.start("user default on nopass ~* &* +@all", "user app on >" + PW + " ~* &* +@all")) {
      String redisUri =
          "redis://app:" + URLEncoder.encode(PW, StandardCharsets.UTF_8) + "@127.0.0.1:" + redis.port()
              + "?channels=jobs&maxReconnectDelay=100ms";
      try (SampleApp app =
          SampleApp.start(
              "changeflux.sources.files.uri=fs:" + dir,
              "changeflux.sources.jobs.uri=" + redisUri,
              "changeflux.sources.jobs.overflowHealth=2s")) {
        List<String> files = app.stream("/events?source=files");
        List<String> jobs = app.stream("/events?source=jobs");
        await().atMost(PATIENCE).until(() -> status(app, "files").equals("UP") && status(app, "jobs").equals("UP"));

        Files.writeString(dir.resolve("a b?#%.txt"), "1");
        await().atMost(PATIENCE).until(() -> sawKey(files, "a b?#%.txt"));
        try (RedisTestClient c = new RedisTestClient(redis.port())) {
          c.sync().publish("jobs", "{\"n\":1}");
        }
        await().atMost(PATIENCE).until(() -> sawKey(jobs, "jobs"));
        assertThat(files).anyMatch(l -> l.equals("event:change"));

        redis.kill();
        await().atMost(PATIENCE).until(() -> status(app, "jobs").equals("DEGRADED"));
        assertThat(app.get("/actuator/health/changeflux/jobs")).contains("reconnecting");
        Files.writeString(dir.resolve("während.txt"), "2"); // files go on while Redis is down
        await().atMost(PATIENCE).until(() -> sawKey(files, "während.txt"));
        redis.restart();
        await().atMost(PATIENCE).until(() -> jobs.stream().anyMatch(l -> l.contains("\"kind\":\"OVERFLOW\"")));
        await().atMost(PATIENCE).until(() -> status(app, "jobs").equals("UP"));
        assertThat(metric(app, "changeflux.reconnects", "jobs")).isEqualTo(1);
        assertThat(metric(app, "changeflux.overflows", "jobs")).isGreaterThanOrEqualTo(1);
        assertThat(metric(app, "changeflux.events", "files")).isGreaterThanOrEqualTo(2);
        assertThat(app.get("/actuator/health")).contains("\"changeflux\"");

        String encoded = URLEncoder.encode(PW, StandardCharsets.UTF_8);
        for (String text : List.of(String.join("\n", app.bodies), String.join("\n", jobs), SampleApp.printed())) {
          assertThat(text).doesNotContain(PW).doesNotContain(encoded).doesNotContain("s:s-71");
        }
      }
    }
  }
}
