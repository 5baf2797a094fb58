package io.changeflux.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSinks;
import io.changeflux.IdempotencyKey;
import io.lettuce.core.StreamMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The Redis Streams sink: idempotent XADD (one entry per idempotency key within the duplicate
 * window), acknowledgement only after the server's reply, and a server SIGKILLed and restarted
 * mid-stream (with appendonly yes, appendfsync always) neither loses an event nor stores one twice, per-key order
 * kept.
 */
class RedisStreamSinkTest {

  static final Duration PATIENCE = Duration.ofSeconds(60);
  static RedisServerProcess server;
  static RedisTestClient client;

  @BeforeAll
  static void startServer() throws Exception {
    server = RedisServerProcess.start("appendonly yes", "appendfsync always");
    client = new RedisTestClient(server.port());
  }

  @AfterAll
  static void stopServer() throws Exception {
    client.close();
    server.close();
  }

  static ChangeEvent event(String key, int seq, AtomicInteger acks) {
    return ChangeEvent.builder(ChangeKind.MODIFIED, key)
        .source("fs:/data")
        .header(IdempotencyKey.VERSION, seq + "-1")
        .header("seq", Integer.toString(seq))
        .onAck(acks::incrementAndGet)
        .build();
  }

  @Test
  void anEventPublishedAgainIsStoredOnceAndANewChangeIsStored() {
    AtomicInteger acks = new AtomicInteger();
    String uri = server.uri("?stream=once");
    ChangeSinks.open(uri).publish(Flux.just(event("a/b?c", 1, acks), event("日本#%:", 2, acks))).block(PATIENCE);
    // A relay that crashed before its source recorded the acks sends them again, then a new one.
    ChangeSinks.open(uri)
        .publish(Flux.just(event("a/b?c", 1, acks), event("日本#%:", 2, acks), event("a/b?c", 3, acks)))
        .block(PATIENCE);
    assertThat(acks).hasValue(5); // every publish confirmed, the repeats too
    List<StreamMessage<String, String>> entries = client.sync().xrange("once", io.lettuce.core.Range.create("-", "+"));
    assertThat(entries).extracting(m -> m.getBody().get("key") + "#" + m.getBody().get("h.seq"))
        .containsExactly("a/b?c#1", "日本#%:#2", "a/b?c#3");
    assertThat(entries).allSatisfy(m -> assertThat(m.getBody().get("idem")).matches("[0-9a-f]{32}"));
    String dedup = "once:dedup:" + entries.get(0).getBody().get("idem");
    assertThat(client.sync().get(dedup)).isEqualTo(entries.get(0).getId());
    long ttl = client.sync().pttl(dedup);
    assertThat(ttl).isPositive().isLessThanOrEqualTo(120_000);
  }

  @Test
  void withoutADuplicateWindowARepeatIsStoredAgain() {
    AtomicInteger acks = new AtomicInteger();
    String uri = server.uri("?stream=plain&duplicateWindow=0&maxLen=1000");
    ChangeSinks.open(uri).publish(Flux.just(event("k", 1, acks))).block(PATIENCE);
    ChangeSinks.open(uri).publish(Flux.just(event("k", 1, acks))).block(PATIENCE);
    assertThat(client.sync().xlen("plain")).isEqualTo(2);
    assertThat(client.sync().keys("plain:dedup:*")).isEmpty();
  }

  @Test
  void aServerKilledAndRestartedMidStreamLosesNothingAndStoresNothingTwice() throws Exception {
    AtomicInteger acks = new AtomicInteger();
    Sinks.Many<ChangeEvent> feed = Sinks.many().unicast().onBackpressureBuffer();
    String uri = server.uri("?stream=storm&maxReconnectDelay=200ms&timeout=2s");
    Mono<Void> done = ChangeSinks.open(uri).publish(feed.asFlux()).cache();
    done.subscribe(v -> { }, t -> { });
    int n = 3000;
    int keys = 50;
    int seq = 0;
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < n / 3; i++, seq++) {
        feed.tryEmitNext(event("k" + (seq % keys), seq, acks));
      }
      int expected = seq;
      if (round < 2) {
        // kill once some of this round are confirmed and others are still in flight or queued
        await().atMost(PATIENCE).until(() -> acks.get() >= expected - n / 6);
        server.kill();
        server.restart();
      }
    }
    feed.tryEmitComplete();
    done.block(PATIENCE);
    assertThat(acks).hasValue(n);
    List<StreamMessage<String, String>> entries = client.sync().xrange("storm", io.lettuce.core.Range.create("-", "+"));
    Set<String> idems = new HashSet<>();
    Map<String, Integer> lastSeq = new HashMap<>();
    List<String> outOfOrder = new ArrayList<>();
    for (StreamMessage<String, String> m : entries) {
      idems.add(m.getBody().get("idem"));
      int s = Integer.parseInt(m.getBody().get("h.seq"));
      Integer before = lastSeq.put(m.getBody().get("key"), s);
      if (before != null && before >= s) {
        outOfOrder.add(m.getBody().get("key") + ": " + before + " then " + s);
      }
    }
    assertThat(idems).as("distinct events stored").hasSize(n);
    assertThat(entries).as("entries (none twice)").hasSize(n);
    assertThat(outOfOrder).as("per-key order").isEmpty();
    assertThat(server.starts()).isEqualTo(3);
  }
}
