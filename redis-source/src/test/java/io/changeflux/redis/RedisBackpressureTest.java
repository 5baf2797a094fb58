package io.changeflux.redis;

import io.changeflux.testkit.LogCapture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.BaseSubscriber;

/** A subscriber that stops requesting while 200k messages arrive. */
class RedisBackpressureTest {

  static final int MESSAGES = 200_000;
  static final int BOUND = 1_000;

  @Test
  void stalledSubscriberUnder200kMessagesStaysBoundedAndGetsOverflow() throws Exception {
    LogCapture.install();
    // Redis must not drop the subscriber here: the bound under test is ours.
    try (RedisServerProcess server = RedisServerProcess.start("client-output-buffer-limit pubsub 0 0 0")) {
      List<ChangeEvent> got = new CopyOnWriteArrayList<>();
      CountDownLatch ready = new CountDownLatch(1);
      BaseSubscriber<ChangeEvent> stalled =
          new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(org.reactivestreams.Subscription s) {
              // requests nothing until the test releases it
            }

            @Override
            protected void hookOnNext(ChangeEvent e) {
              got.add(e);
            }
          };
      ChangeSources.open(server.uri("?patterns=bp.*&coalesce=" + BOUND))
          .events()
          .contextWrite(ChangeSources.onReady(ready::countDown))
          .subscribe(stalled);
      try {
        assertThat(ready.await(20, TimeUnit.SECONDS)).isTrue();
        long heapBefore = usedHeapAfterGc();
        publish(server.port(), MESSAGES, 512);
        awaitSubscriberOutputDrained(server.port());
        long heapStalled = usedHeapAfterGc();
        // 200k messages of 512 bytes held as events would be well over 100 MB.
        assertThat(heapStalled - heapBefore).as("heap growth while stalled").isLessThan(64L << 20);
        stalled.request(Long.MAX_VALUE);
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(() -> assertThat(got.stream().mapToLong(ChangeEvent::count).sum()).isEqualTo(MESSAGES));
        assertThat(got).anySatisfy(e -> {
          assertThat(e.kind()).isEqualTo(ChangeKind.OVERFLOW);
          assertThat(e.headers()).containsEntry("reason", "coalesce");
        });
        assertThat(got.size()).as("events delivered for %d messages", MESSAGES).isLessThan(MESSAGES / 10);
      } finally {
        stalled.dispose();
      }
    }
  }

  /**
   * The other way to stall: the subscriber requested everything but its onNext does not return
   * (the delivery thread is stuck in user code). The event loop must go on coalescing, not queue.
   */
  @Test
  void subscriberBlockedInOnNextStaysBoundedAndCountsAddUp() throws Exception {
    try (RedisServerProcess server = RedisServerProcess.start("client-output-buffer-limit pubsub 0 0 0")) {
      List<ChangeEvent> got = new CopyOnWriteArrayList<>();
      CountDownLatch ready = new CountDownLatch(1);
      CountDownLatch inOnNext = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      reactor.core.Disposable d =
          ChangeSources.open(server.uri("?patterns=bp.*&coalesce=" + BOUND))
              .events()
              .contextWrite(ChangeSources.onReady(ready::countDown))
              .subscribe(
                  e -> {
                    if (got.isEmpty()) {
                      inOnNext.countDown();
                      try {
                        release.await();
                      } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                      }
                    }
                    got.add(e);
                  });
      try {
        assertThat(ready.await(20, TimeUnit.SECONDS)).isTrue();
        long heapBefore = usedHeapAfterGc();
        publish(server.port(), 1, 512);
        assertThat(inOnNext.await(20, TimeUnit.SECONDS)).isTrue();
        publish(server.port(), MESSAGES, 512);
        awaitSubscriberOutputDrained(server.port());
        long heapBlocked = usedHeapAfterGc();
        assertThat(heapBlocked - heapBefore).as("heap growth while blocked in onNext").isLessThan(64L << 20);
        release.countDown();
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(() -> assertThat(got.stream().mapToLong(ChangeEvent::count).sum()).isEqualTo(MESSAGES + 1));
        assertThat(got).anySatisfy(e -> assertThat(e.kind()).isEqualTo(ChangeKind.OVERFLOW));
        assertThat(got.size()).as("events delivered for %d messages", MESSAGES + 1).isLessThan(MESSAGES / 10);
      } finally {
        release.countDown();
        d.dispose();
      }
    }
  }

  /**
   * Waits until Redis holds nothing more for the pattern subscriber (its output buffer, {@code
   * omem}, is empty three polls running): every message has then left the server, so what the
   * test measures and counts is what the source took in while the consumer was stalled, not a
   * race between the last messages in flight and the release.
   */
  static void awaitSubscriberOutputDrained(int port) {
    RedisClient c = RedisClient.create("redis://127.0.0.1:" + port);
    try (StatefulRedisConnection<String, String> conn = c.connect()) {
      int[] emptyPolls = {0};
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                List<String> subscribers =
                    conn.sync().clientList().lines().filter(l -> l.contains(" psub=1")).toList();
                long omem = subscribers.stream().mapToLong(RedisBackpressureTest::omem).sum();
                emptyPolls[0] = !subscribers.isEmpty() && omem == 0 ? emptyPolls[0] + 1 : 0;
                return emptyPolls[0] >= 3;
              });
    } finally {
      c.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  static long omem(String clientListLine) {
    for (String field : clientListLine.split(" ")) {
      if (field.startsWith("omem=")) {
        return Long.parseLong(field.substring(5));
      }
    }
    throw new AssertionError("no omem in CLIENT LIST line: " + clientListLine);
  }

  static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static void publish(int port, int messages, int size) throws Exception {
    RedisClient c = RedisClient.create("redis://127.0.0.1:" + port);
    try (StatefulRedisConnection<String, String> conn = c.connect()) {
      conn.setAutoFlushCommands(false);
      String body = "x".repeat(size);
      List<RedisFuture<Long>> batch = new ArrayList<>();
      for (int i = 0; i < messages; i++) {
        batch.add(conn.async().publish("bp." + i, body));
        if (batch.size() == 1000) {
          conn.flushCommands();
          for (RedisFuture<Long> f : batch) {
            f.get(20, TimeUnit.SECONDS);
          }
          batch.clear();
        }
      }
      conn.flushCommands();
      for (RedisFuture<Long> f : batch) {
        f.get(20, TimeUnit.SECONDS);
      }
    } finally {
      c.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
