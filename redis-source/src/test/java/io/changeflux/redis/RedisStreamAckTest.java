package io.changeflux.redis;

import io.changeflux.testkit.LogCapture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSources;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * A debounced backlog from a Redis Stream: one event covers many entries, and their XACKs go out
 * batched (one command per many ids, one in flight at a time) — never one XACK per entry, which
 * overflowed Lettuce's request queue and left entries pending for good.
 */
class RedisStreamAckTest {

  static RedisServerProcess server;
  static RedisTestClient client;

  @BeforeAll
  static void startServer() throws Exception {
    LogCapture.install();
    server = RedisServerProcess.start();
    client = new RedisTestClient(server.port());
  }

  @AfterAll
  static void stopServer() throws Exception {
    client.close();
    server.close();
  }

  static long xackCalls() {
    Matcher m = Pattern.compile("cmdstat_xack:calls=(\\d+)").matcher(client.sync().info("commandstats"));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  static void addPipelined(String stream, int entries, int keys) throws Exception {
    RedisClient c = RedisClient.create("redis://127.0.0.1:" + server.port());
    try (StatefulRedisConnection<String, String> conn = c.connect()) {
      conn.setAutoFlushCommands(false);
      List<RedisFuture<String>> batch = new ArrayList<>();
      for (int i = 0; i < entries; i++) {
        batch.add(conn.async().xadd(stream, Map.of("key", "k" + (i % keys), "payload", "p" + i)));
        if (batch.size() == 1000 || i == entries - 1) {
          conn.flushCommands();
          for (RedisFuture<String> f : batch) {
            f.get(20, TimeUnit.SECONDS);
          }
          batch.clear();
        }
      }
    } finally {
      c.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  @Test
  void aDebouncedBacklogIsAcknowledgedInBatchesAndLeavesNothingPending() throws Exception {
    int entries = 50_000;
    addPipelined("ack1", entries, 1);
    long xacksBefore = xackCalls();
    List<ChangeEvent> got = new CopyOnWriteArrayList<>();
    Disposable d =
        ChangeSources.open(server.uri("?stream=ack1&group=g&start=0&debounce=200ms"))
            .events()
            .subscribe(got::add);
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(got.stream().mapToLong(ChangeEvent::count).sum()).isEqualTo(entries));
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(client.sync().xpending("ack1", "g").getCount()).isZero());
      // one event never covers more than the key budget (plus one read), so the backlog came in pieces
      assertThat(got).allSatisfy(e -> assertThat(e.count()).isLessThanOrEqualTo(1_000 + 256));
      long xacks = xackCalls() - xacksBefore;
      assertThat(xacks).as("XACK commands for %d entries", entries).isLessThan(entries / 20);
      // the group's counters agree: everything read was acknowledged, nothing read twice
      String groups = client.sync().dispatch(
              io.lettuce.core.protocol.CommandType.XINFO,
              new io.lettuce.core.output.ArrayOutput<>(io.lettuce.core.codec.StringCodec.UTF8),
              new io.lettuce.core.protocol.CommandArgs<>(io.lettuce.core.codec.StringCodec.UTF8).add("CONSUMERS").add("ack1").add("g"))
          .toString();
      assertThat(groups).contains("pending, 0");
    } finally {
      d.dispose();
    }
  }

  @Test
  void theDefaultConsumerNameIsHostPidRandomAndIsLogged() throws Exception {
    client.sync().xadd("ack2", Map.of("payload", "x"));
    List<ChangeEvent> a = new CopyOnWriteArrayList<>();
    List<ChangeEvent> b = new CopyOnWriteArrayList<>();
    String uri = server.uri("?stream=ack2&group=g&start=0");
    Disposable da = ChangeSources.open(uri).events().subscribe(a::add);
    Disposable db = ChangeSources.open(uri).events().subscribe(b::add);
    try {
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(a.size() + b.size()).isEqualTo(1));
      long pid = ProcessHandle.current().pid();
      Pattern name = Pattern.compile("as consumer (\\S+-" + pid + "-[0-9a-z]+)");
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> assertThat(name.matcher(LogCapture.text()).results().map(r -> r.group(1)).distinct().count())
              .isGreaterThanOrEqualTo(2));
      // two readers in one process are two consumers, not one
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> assertThat(client.sync().xinfoConsumers("ack2", "g")).hasSize(2));
    } finally {
      da.dispose();
      db.dispose();
    }
  }
}
