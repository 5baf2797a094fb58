package io.changeflux.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.IdempotencyKey;
import io.changeflux.redis.RedisServerProcess;
import io.changeflux.redis.RedisTestClient;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code relay}: the warning for a source that forgets what changed while it was down, and the
 * at-least-once broker → broker path (a Redis Stream read with a consumer group, relayed to another
 * stream) with the relay SIGKILLed at random moments: every entry arrives once, in order per key.
 */
class RelayCliTest {

  static RedisServerProcess redis;
  static RedisTestClient client;

  @BeforeAll
  static void startRedis() throws Exception {
    redis = RedisServerProcess.start("appendonly yes", "appendfsync always");
    client = new RedisTestClient(redis.port());
  }

  @AfterAll
  static void stopRedis() throws Exception {
    client.close();
    redis.close();
  }

  @Test
  void anFsSourceWithoutStateWarnsInOneLineThatChangesWhileDownAreLost(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectories(dir.resolve("da ta?#"));
    try (CliProcess relay = CliProcess.start("relay", "fs:" + data.toString().replace("?", "%3F").replace("#", "%23"), redis.uri("?stream=warned"))) {
      relay.awaitErr("watching ");
      List<String> warn = relay.err.stream().filter(l -> l.contains("WARN")).toList();
      assertThat(warn).hasSize(1);
      assertThat(warn.get(0))
          .startsWith("changeflux: WARN fs:")
          .contains("has no state=", "changes made while the relay is down will be lost", "add state=PATH");
    }
  }

  @Test
  void withStateOrFromABrokerThereIsNoWarning(@TempDir Path dir) throws Exception {
    Path watched = Files.createDirectories(dir.resolve("watched")); // its state beside it, not inside
    try (CliProcess relay = CliProcess.start("relay", "fs:" + watched + "?state=" + dir.resolve("s.state"), redis.uri("?stream=quiet"));
        CliProcess fromBroker = CliProcess.start("relay", redis.uri("?stream=quiet&group=g"), redis.uri("?stream=quiet2"))) {
      relay.awaitErr("watching ");
      fromBroker.awaitErr("watching ");
      assertThat(relay.errText()).doesNotContain("WARN");
      assertThat(fromBroker.errText()).doesNotContain("WARN");
    }
  }

  @Test
  void aBrokerToBrokerRelayKilledFiveTimesDeliversEveryEntryOnceInOrderPerKey() throws Exception {
    int n = 1500;
    int keys = 40;
    String from = redis.uri("?stream=in&group=relay&consumer=r1&start=0&claimIdle=0");
    String to = redis.uri("?stream=out");
    Random random = new Random();
    Thread producer =
        new Thread(
            () -> {
              // entries in the envelope a changeflux sink writes (kind, key, h.NAME headers)
              try (RedisTestClient producerClient = new RedisTestClient(redis.port())) {
                for (int i = 0; i < n; i++) {
                  producerClient.sync().xadd("in", Map.of("changeflux", "1", "kind", "MODIFIED", "key", "k/" + (i % keys) + "?#%:ä", "h.seq", Integer.toString(i)));
                  LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
                }
              }
            },
            "producer");
    CliProcess relay = CliProcess.start("relay", from, to);
    List<String> kills = new ArrayList<>();
    try {
      relay.awaitErr("watching ");
      producer.start();
      for (int k = 0; k < 5; k++) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300 + random.nextInt(900)));
        relay.kill();
        kills.add("after " + client.sync().xlen("out") + " relayed");
        relay = CliProcess.start("relay", from, to);
        relay.awaitErr("watching ");
      }
      producer.join();
      await().atMost(Duration.ofSeconds(60)).until(() -> client.sync().xlen("out") >= n);
      List<StreamMessage<String, String>> out = client.sync().xrange("out", Range.create("-", "+"));
      Map<String, Integer> last = new HashMap<>();
      Map<String, Integer> times = new HashMap<>();
      List<String> disorder = new ArrayList<>();
      for (StreamMessage<String, String> m : out) {
        int seq = Integer.parseInt(m.getBody().get("h.seq"));
        times.merge(m.getBody().get("h.seq"), 1, Integer::sum);
        Integer before = last.put(m.getBody().get("key"), seq);
        if (before != null && before > seq) {
          disorder.add(m.getBody().get("key") + ": " + before + " then " + seq);
        }
        assertThat(m.getBody().get("h." + IdempotencyKey.ID)).as("the upstream entry id travels along").isNotBlank();
      }
      times.values().removeIf(t -> t == 1);
      assertThat(times).as("entries relayed twice (%s)", kills).isEmpty();
      assertThat(out).as("every entry relayed once").hasSize(n);
      assertThat(disorder).as("order per key").isEmpty();
      assertThat(kills).hasSize(5);
    } finally {
      relay.kill();
      producer.join();
    }
  }
}
