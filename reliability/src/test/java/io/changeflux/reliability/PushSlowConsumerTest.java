package io.changeflux.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import io.changeflux.nats.NatsServerProcess;
import io.changeflux.redis.RedisServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * 1,000,000 messages from Redis pub/sub and from core NATS (10 channels / subjects) into a
 * subscriber that takes 1 ms per event: heap stays bounded (pending messages merge per channel,
 * keeping the last payload), and the consumer's last payload per channel is the last published.
 */
@Tag("reliability")
class PushSlowConsumerTest {

  /**
   * The stated bound for push sources: coalescing keeps 10 pending events, but jnats buffers up
   * to {@code pendingLimit} (65,536) messages before it drops (and says so), ~20 MB of them.
   */
  static final long HEAP_BOUND = 64L << 20;

  static final int CHANNELS = 10;

  /** What a 1 ms/event consumer saw: last payload per key, messages counted, OVERFLOWs. */
  static final class Seen {
    final Map<String, String> last = new ConcurrentHashMap<>();
    final AtomicLong counted = new AtomicLong();
    final AtomicLong events = new AtomicLong();
    final AtomicLong overflows = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final Map<String, Long> reasons = new ConcurrentHashMap<>();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    long heap0;
    long heapPeak;

    Disposable subscribe(String uri, Scheduler thread) throws InterruptedException {
      CountDownLatch ready = new CountDownLatch(1);
      heap0 = Rel.heapLive();
      Disposable d = ChangeSources.open(uri).events()
          .contextWrite(ChangeSources.onReady(ready::countDown))
          .publishOn(thread, 1)
          .subscribe(e -> {
            events.incrementAndGet();
            if (e.kind() == ChangeKind.OVERFLOW) {
              overflows.incrementAndGet();
              reasons.merge(e.headers().getOrDefault("reason", "none"), 1L, Long::sum);
              // count = the messages it stands for; merged OVERFLOWs sum count, while headers
              // (dropped=N) are the last one's
              if ("slow-consumer".equals(e.headers().get("reason"))) {
                dropped.addAndGet(e.count());
              }
            } else {
              counted.addAndGet(e.count());
              last.put(e.key(), new String(e.payload(), StandardCharsets.UTF_8));
            }
            LockSupport.parkNanos(SlowConsumer.COST_NANOS);
          }, error::set);
      assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
      return d;
    }

    void sample() {
      heapPeak = Math.max(heapPeak, Rel.heapLive());
    }

    void report(String name, int n, long pushNanos, Map<String, String> expected) {
      long t0 = System.nanoTime();
      boolean right = true;
      try {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(last).isEqualTo(expected));
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        right = false; // allowed only when an OVERFLOW said messages were dropped
      }
      Rel.report(name, "%d messages over %d channels pushed in %s into a 1 ms/event consumer: live heap"
              + " %s before, peak %s (growth %s, bound %s); %d events, %d messages counted, %d OVERFLOW %s"
              + " announcing %d dropped (counted + dropped = %d);"
              + " last payload per channel %s %s after the push",
          n, CHANNELS, Rel.seconds(pushNanos), Rel.mb(heap0), Rel.mb(heapPeak),
          Rel.mb(Math.max(0, heapPeak - heap0)), Rel.mb(HEAP_BOUND), events.get(),
          counted.get(), overflows.get(), reasons, dropped.get(), counted.get() + dropped.get(), right ? "right" : "NOT right (after an OVERFLOW)",
          Rel.seconds(System.nanoTime() - t0));
      assertThat(right || overflows.get() > 0).as("last payloads right, or an OVERFLOW said why not").isTrue();
      assertThat(heapPeak - heap0).isLessThan(HEAP_BOUND);
      assertThat(error.get()).isNull();
      assertThat(events.get()).isLessThan(n / 10);
      // never silent: every message is either counted or announced as dropped
      assertThat(counted.get() + dropped.get()).isEqualTo(n);
    }
  }

  @Test
  void aMillionRedisMessagesIntoAOneMillisecondConsumer() throws Exception {
    int n = Rel.scaled(1_000_000, 20_000);
    Scheduler thread = Schedulers.newSingle("slow-redis");
    try (RedisServerProcess server = RedisServerProcess.start()) {
      Seen seen = new Seen();
      Disposable d = seen.subscribe(server.uri("?patterns=slow.*"), thread);
      RedisClient client = RedisClient.create(RedisURI.Builder.redis("127.0.0.1", server.port()).build());
      try (StatefulRedisConnection<String, String> c = client.connect()) {
        Map<String, String> expected = new ConcurrentHashMap<>();
        long t0 = System.nanoTime();
        List<RedisFuture<Long>> window = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          String ch = "slow." + (i % CHANNELS);
          window.add(c.async().publish(ch, "" + i));
          expected.put(ch, "" + i);
          if (window.size() == 10_000) {
            for (RedisFuture<Long> f : window) {
              f.get(30, TimeUnit.SECONDS);
            }
            window.clear();
          }
          if (i % (n / 8) == 0) {
            seen.sample();
          }
        }
        for (RedisFuture<Long> f : window) {
          f.get(30, TimeUnit.SECONDS);
        }
        long push = System.nanoTime() - t0;
        seen.sample();
        seen.report("slow-consumer-redis-pubsub", n, push, expected);
      } finally {
        client.shutdown();
        d.dispose();
        thread.dispose();
      }
    }
  }

  @Test
  void aMillionCoreNatsMessagesIntoAOneMillisecondConsumer() throws Exception {
    int n = Rel.scaled(1_000_000, 20_000);
    Scheduler thread = Schedulers.newSingle("slow-nats");
    try (NatsServerProcess server = NatsServerProcess.start(false, "")) {
      Seen seen = new Seen();
      Disposable d = seen.subscribe("nats://" + server.hostPort() + "?subjects=slow.*", thread);
      try (Connection c = Nats.connect(server.url())) {
        Map<String, String> expected = new ConcurrentHashMap<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          String subject = "slow." + (i % CHANNELS);
          c.publish(subject, ("" + i).getBytes(StandardCharsets.UTF_8));
          expected.put(subject, "" + i);
          if (i % (n / 8) == 0) {
            c.flush(Duration.ofSeconds(30));
            seen.sample();
          }
        }
        c.flush(Duration.ofSeconds(30));
        long push = System.nanoTime() - t0;
        seen.sample();
        seen.report("slow-consumer-nats-core", n, push, expected);
      } finally {
        d.dispose();
        thread.dispose();
      }
    }
  }
}
