package io.changeflux.redis.bench;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSources;
import io.changeflux.redis.RedisServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import reactor.core.Disposable;

/**
 * Pub/sub throughput and publish→event latency of a {@code redis:} source next to a bare Lettuce
 * subscriber, on the same redis-server in the same run. Not a test: run it with
 *
 * <pre>
 * mvn -q -pl redis-source -am test-compile
 * java -cp "$(cat redis-source/target/bench.cp):redis-source/target/classes:redis-source/target/test-classes:core/target/classes:core/target/test-classes" \
 *     io.changeflux.redis.bench.PubSubBenchmark [messages] [rounds]
 * </pre>
 *
 * (write bench.cp with {@code mvn -pl redis-source dependency:build-classpath
 * -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test}). Two phases per subscriber: a
 * flood (publisher pipelines as fast as Redis takes it; messages/s counted at the subscriber) and
 * a paced run (20k msg/s) for latency. Each message carries its System.nanoTime() of publishing.
 */
public final class PubSubBenchmark {

  interface Subscriber {
    /** Subscribes; returns a handle that unsubscribes. */
    AutoCloseable start(Consumer<byte[]> onMessage, Consumer<Integer> onCount) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    int messages = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    try (RedisServerProcess server = RedisServerProcess.start("client-output-buffer-limit pubsub 0 0 0")) {
      RedisClient pubClient = RedisClient.create("redis://127.0.0.1:" + server.port());
      StatefulRedisConnection<byte[], byte[]> pub = pubClient.connect(ByteArrayCodec.INSTANCE);
      Subscriber bare = bare(server.port());
      Subscriber flux = changeflux(server.port());
      double[] bareRate = new double[rounds];
      double[] fluxRate = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        bareRate[r] = flood("bare lettuce", bare, pub, messages);
        fluxRate[r] = flood("changeflux  ", flux, pub, messages);
      }
      Histogram bareLat = paced("bare lettuce", bare, pub, 100_000, 20_000);
      Histogram fluxLat = paced("changeflux  ", flux, pub, 100_000, 20_000);
      double b = best(bareRate);
      double f = best(fluxRate);
      System.out.printf("%nRESULT best of %d: bare lettuce %.0f msg/s, changeflux %.0f msg/s, ratio %.1f%%%n", rounds, b, f, 100 * f / b);
      System.out.printf("RESULT latency at 20k msg/s: bare p50 %.0fus p99 %.0fus; changeflux p50 %.0fus p99 %.0fus%n",
          bareLat.getValueAtPercentile(50) / 1e3, bareLat.getValueAtPercentile(99) / 1e3,
          fluxLat.getValueAtPercentile(50) / 1e3, fluxLat.getValueAtPercentile(99) / 1e3);
      pub.close();
      pubClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  static double best(double[] v) {
    double m = 0;
    for (double x : v) {
      m = Math.max(m, x);
    }
    return m;
  }

  static Subscriber bare(int port) {
    return (onMessage, onCount) -> {
      RedisClient c = RedisClient.create("redis://127.0.0.1:" + port);
      StatefulRedisPubSubConnection<byte[], byte[]> conn = c.connectPubSub(ByteArrayCodec.INSTANCE);
      conn.addListener(
          new RedisPubSubAdapter<>() {
            @Override
            public void message(byte[] channel, byte[] message) {
              onMessage.accept(message);
              onCount.accept(1);
            }
          });
      conn.sync().subscribe("bench".getBytes());
      return () -> {
        conn.close();
        c.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      };
    };
  }

  static Subscriber changeflux(int port) {
    return (onMessage, onCount) -> {
      CountDownLatch ready = new CountDownLatch(1);
      Disposable d =
          ChangeSources.open("redis://127.0.0.1:" + port + "?channels=bench")
              .events()
              .contextWrite(ChangeSources.onReady(ready::countDown))
              .subscribe(
                  (ChangeEvent e) -> {
                    onMessage.accept(e.payload());
                    onCount.accept(e.count());
                  });
      if (!ready.await(20, TimeUnit.SECONDS)) {
        throw new IllegalStateException("not ready");
      }
      return d::dispose;
    };
  }

  static byte[] stamp() {
    return ByteBuffer.allocate(64).putLong(System.nanoTime()).array();
  }

  static double flood(String name, Subscriber s, StatefulRedisConnection<byte[], byte[]> pub, int n) throws Exception {
    AtomicLong got = new AtomicLong();
    AtomicLong events = new AtomicLong();
    CountDownLatch all = new CountDownLatch(1);
    AutoCloseable h =
        s.start(
            m -> {},
            c -> {
              events.incrementAndGet();
              if (got.addAndGet(c) >= n) {
                all.countDown();
              }
            });
    long t0 = System.nanoTime();
    publish(pub, n, 0);
    boolean done = all.await(120, TimeUnit.SECONDS);
    long t1 = System.nanoTime();
    h.close();
    double rate = got.get() / ((t1 - t0) / 1e9);
    System.out.printf("%s flood: %d/%d messages in %d events, %.2fs = %.0f msg/s%s%n", name, got.get(), n, events.get(), (t1 - t0) / 1e9, rate, done ? "" : " (TIMED OUT)");
    return rate;
  }

  static Histogram paced(String name, Subscriber s, StatefulRedisConnection<byte[], byte[]> pub, int n, int perSecond) throws Exception {
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    AtomicLong got = new AtomicLong();
    CountDownLatch all = new CountDownLatch(1);
    AutoCloseable sub =
        s.start(
            m -> {
              long sent = ByteBuffer.wrap(m).getLong();
              synchronized (h) {
                h.recordValue(Math.min(h.getHighestTrackableValue(), Math.max(0, System.nanoTime() - sent)));
              }
            },
            c -> {
              if (got.addAndGet(c) >= n) {
                all.countDown();
              }
            });
    publish(pub, n, perSecond);
    all.await(60, TimeUnit.SECONDS);
    sub.close();
    System.out.printf("%s paced %d/s: p50 %.0fus p99 %.0fus max %.0fus (%d messages)%n", name, perSecond,
        h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3, h.getTotalCount());
    return h;
  }

  /** Publishes n stamped messages; perSecond 0 = as fast as pipelining allows. */
  static void publish(StatefulRedisConnection<byte[], byte[]> pub, int n, int perSecond) throws Exception {
    byte[] channel = "bench".getBytes();
    List<RedisFuture<Long>> inFlight = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      if (perSecond > 0) {
        long due = start + (long) i * 1_000_000_000L / perSecond;
        while (System.nanoTime() < due) {
          Thread.onSpinWait();
        }
      }
      inFlight.add(pub.async().publish(channel, stamp()));
      if (inFlight.size() >= 2000) {
        for (RedisFuture<Long> f : inFlight) {
          f.get(30, TimeUnit.SECONDS);
        }
        inFlight.clear();
      }
    }
    for (RedisFuture<Long> f : inFlight) {
      f.get(30, TimeUnit.SECONDS);
    }
  }
}
