package io.changeflux.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import reactor.core.Disposable;

/**
 * Redis pub/sub and core NATS into a subscriber: changeflux's source against the bare client's
 * subscriber on the same server (started here, free loopback port), in the same run.
 *
 * <p>Rate: a publisher in this JVM sends {@code n} 64-byte messages as fast as the client
 * pipelines them; the rate is n over the time from the first publish to the n-th message
 * received. Rounds alternate which subscriber goes first; the report gives the medians and the
 * median of the per-round ratios. Latency: {@code rate} messages/s for a few seconds in 4
 * alternating chunks, each message carrying its System.nanoTime() of sending (the first fifth of
 * each chunk unrecorded).
 */
final class PubSub {

  /** Calls {@code onMessage} with each message's payload and how many messages it stands for. */
  interface Subscriber {
    AutoCloseable start(Handler onMessage) throws Exception;
  }

  interface Handler {
    void on(byte[] payload, int count);
  }

  /** Events the changeflux subscribers received, and the messages they stood for (count()). */
  static final AtomicLong CF_EVENTS = new AtomicLong();

  static final AtomicLong CF_MESSAGES = new AtomicLong();

  interface Publisher extends AutoCloseable {
    void publish(byte[] body) throws Exception;

    void flush() throws Exception;
  }

  private PubSub() {}

  static ObjectNode redis(int n, int rounds, int rate, int latencySeconds) throws Exception {
    try (Servers server = Servers.redis()) {
      String url = "redis://127.0.0.1:" + server.port;
      Subscriber bare =
          onMessage -> {
            RedisClient c = RedisClient.create(url);
            StatefulRedisPubSubConnection<byte[], byte[]> conn = c.connectPubSub(ByteArrayCodec.INSTANCE);
            conn.addListener(
                new RedisPubSubAdapter<>() {
                  @Override
                  public void message(byte[] channel, byte[] message) {
                    onMessage.on(message, 1);
                  }
                });
            conn.sync().subscribe("bench".getBytes(StandardCharsets.UTF_8));
            return () -> {
              conn.close();
              c.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            };
          };
      Subscriber cf = changeflux(url + "?channels=bench");
      RedisClient pubClient = RedisClient.create(url);
      StatefulRedisConnection<byte[], byte[]> pubConn = pubClient.connect(ByteArrayCodec.INSTANCE);
      byte[] channel = "bench".getBytes(StandardCharsets.UTF_8);
      List<RedisFuture<Long>> inFlight = new ArrayList<>();
      Publisher pub =
          new Publisher() {
            @Override
            public void publish(byte[] body) throws Exception {
              inFlight.add(pubConn.async().publish(channel, body));
              if (inFlight.size() >= 2000) {
                flush();
              }
            }

            @Override
            public void flush() throws Exception {
              for (RedisFuture<Long> f : inFlight) {
                f.get(30, TimeUnit.SECONDS);
              }
              inFlight.clear();
            }

            @Override
            public void close() {
              pubConn.close();
              pubClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
          };
      try (pub) {
        return compare("redis", "bare Lettuce", bare, cf, pub, n, rounds, rate, latencySeconds);
      }
    }
  }

  static ObjectNode nats(int n, int rounds, int rate, int latencySeconds) throws Exception {
    try (Servers server = Servers.nats()) {
      String url = "nats://127.0.0.1:" + server.port;
      Subscriber bare =
          onMessage -> {
            Connection c = Nats.connect(url);
            Dispatcher d = c.createDispatcher(m -> onMessage.on(m.getData(), 1));
            d.setPendingLimits(100_000_000, -1);
            d.subscribe("bench");
            c.flush(Duration.ofSeconds(5));
            return c::close;
          };
      Subscriber cf;
      try {
        ChangeSources.open(url + "?subjects=bench&pendingLimit=100000000");
        cf = changeflux(url + "?subjects=bench&pendingLimit=100000000");
      } catch (ChangeSourceException e) {
        Bench.log("nats: %s; trying without pendingLimit", e.getMessage());
        ChangeSources.open(url + "?subjects=bench"); // throws when there is no nats: provider at all
        cf = changeflux(url + "?subjects=bench");
      }
      Connection pc = Nats.connect(url);
      Publisher pub =
          new Publisher() {
            @Override
            public void publish(byte[] body) {
              pc.publish("bench", body);
            }

            @Override
            public void flush() throws Exception {
              pc.flush(Duration.ofSeconds(30));
            }

            @Override
            public void close() throws Exception {
              pc.close();
            }
          };
      try (pub) {
        return compare("nats", "bare jnats Dispatcher", bare, cf, pub, n, rounds, rate, latencySeconds);
      }
    }
  }

  private static Subscriber changeflux(String uri) {
    return onMessage -> {
      CountDownLatch ready = new CountDownLatch(1);
      Disposable d =
          ChangeSources.open(uri)
              .events()
              .contextWrite(ChangeSources.onReady(ready::countDown))
              .subscribe(
                  e -> {
                    if (e.kind() == ChangeKind.OVERFLOW) {
                      System.err.println("OVERFLOW: " + e);
                      return;
                    }
                    CF_EVENTS.incrementAndGet();
                    CF_MESSAGES.addAndGet(e.count());
                    onMessage.on(e.payload(), e.count());
                  },
                  err -> System.err.println(uri + ": " + err));
      if (!ready.await(20, TimeUnit.SECONDS)) {
        d.dispose();
        throw new IllegalStateException("changeflux " + uri + " not ready");
      }
      return d::dispose;
    };
  }

  private static ObjectNode compare(
      String name, String bareName, Subscriber bare, Subscriber cf, Publisher pub, int n, int rounds, int rate,
      int latencySeconds) throws Exception {
    // warm-up, not recorded
    flood(bare, pub, n / 4);
    flood(cf, pub, n / 4);
    CF_EVENTS.set(0);
    CF_MESSAGES.set(0);
    List<Double> b = new ArrayList<>();
    List<Double> c = new ArrayList<>();
    List<Double> ratio = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      double rb;
      double rc;
      if (r % 2 == 0) {
        rb = flood(bare, pub, n);
        rc = flood(cf, pub, n);
      } else {
        rc = flood(cf, pub, n);
        rb = flood(bare, pub, n);
      }
      b.add(rb);
      c.add(rc);
      ratio.add(rc / rb);
      Bench.log("%s round %d: %s %.0f msg/s, changeflux %.0f msg/s", name, r, bareName, rb, rc);
    }
    long events = CF_EVENTS.getAndSet(0);
    long messages = CF_MESSAGES.getAndSet(0);
    // paced latency in alternating chunks, so that load swings hit both subscribers alike
    Histogram hb = Bench.histogram();
    Histogram hc = Bench.histogram();
    int chunks = 4;
    for (int k = 0; k < chunks; k++) {
      int each = Math.max(1, latencySeconds * 1000 / chunks);
      if (k % 2 == 0) {
        hb.add(paced(bare, pub, rate, each));
        hc.add(paced(cf, pub, rate, each));
      } else {
        hc.add(paced(cf, pub, rate, each));
        hb.add(paced(bare, pub, rate, each));
      }
    }
    ObjectNode o = Bench.obj();
    o.put("baseline", bareName);
    o.put("messages", n);
    o.put("rounds", rounds);
    o.put("changefluxPerSecond", Math.round(Bench.median(c)));
    o.put("barePerSecond", Math.round(Bench.median(b)));
    o.put("ratio", Bench.round(Bench.median(ratio), 3));
    var rr = o.putArray("roundRatios");
    ratio.forEach(x -> rr.add(Bench.round(x, 2)));
    o.put("latencyRatePerSecond", rate);
    // messages merged into one event (count() > 1) by coalescing while the subscriber was busy
    o.put("changefluxEventsInFloods", events);
    o.put("changefluxMessagesInFloods", messages);
    o.set("changefluxLatency", Bench.percentiles(hc));
    o.set("bareLatency", Bench.percentiles(hb));
    Bench.log("%s %s", name, o);
    return o;
  }

  private static byte[] stamp() {
    return ByteBuffer.allocate(64).putLong(System.nanoTime()).array();
  }

  private static double flood(Subscriber s, Publisher pub, int n) throws Exception {
    AtomicLong got = new AtomicLong();
    CountDownLatch all = new CountDownLatch(1);
    long[] last = new long[1];
    AutoCloseable h =
        s.start(
            (m, count) -> {
              if (got.addAndGet(count) >= n && last[0] == 0) {
                last[0] = System.nanoTime();
                all.countDown();
              }
            });
    try {
      byte[] body = stamp();
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        pub.publish(body);
      }
      pub.flush();
      if (!all.await(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException("received " + got.get() + " of " + n);
      }
      return n / ((last[0] - t0) / 1e9);
    } finally {
      h.close();
    }
  }

  private static Histogram paced(Subscriber s, Publisher pub, int perSecond, int millis) throws Exception {
    Histogram h = Bench.histogram();
    int n = (int) ((long) perSecond * millis / 1000);
    int warm = n / 5;
    AtomicLong got = new AtomicLong();
    CountDownLatch all = new CountDownLatch(1);
    AutoCloseable sub =
        s.start(
            (m, count) -> {
              long sent = ByteBuffer.wrap(m).getLong();
              long k = got.addAndGet(count);
              if (k > warm) {
                Bench.record(h, System.nanoTime() - sent);
              }
              if (k >= n && all.getCount() > 0) {
                all.countDown();
              }
            });
    try {
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        long due = start + (long) i * 1_000_000_000L / perSecond;
        while (System.nanoTime() < due) {
          Thread.onSpinWait();
        }
        pub.publish(stamp());
        if (i % 64 == 63) {
          pub.flush();
        }
      }
      pub.flush();
      all.await(60, TimeUnit.SECONDS);
    } finally {
      sub.close();
    }
    return h;
  }
}
