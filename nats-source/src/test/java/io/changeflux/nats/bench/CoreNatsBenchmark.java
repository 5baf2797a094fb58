package io.changeflux.nats.bench;

import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import io.changeflux.nats.NatsServerProcess;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import reactor.core.Disposable;

/**
 * Core NATS into a subscriber: changeflux's {@code nats:} source against a bare jnats {@link
 * Dispatcher} on the same nats-server, in the same run, alternating. Not a test: run with
 *
 * <pre>
 * mvn -q -pl nats-source -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -cp nats-source/target/classes:nats-source/target/test-classes:core/target/classes:core/target/test-classes:$(cat /tmp/cp.txt) \
 *     io.changeflux.nats.bench.CoreNatsBenchmark [messages] [rounds] [latencyRate]
 * </pre>
 *
 * <p>Throughput (subscriber capacity): the subscriber holds its first message while a publisher in
 * this JVM sends {@code messages} 16-byte messages over 100 subjects into its client buffer, then
 * lets go; the rate is the messages drained divided by the time to drain them. Latency: the publisher sends at {@code latencyRate} messages/s for 3 s; each message carries
 * its send time ({@code System.nanoTime()}), the subscriber records receive − send in an
 * HdrHistogram. Both subscribers get the same client buffer (no slow-consumer drops).
 */
public final class CoreNatsBenchmark {

  interface Subscriber extends AutoCloseable {
    @Override
    void close() throws Exception;
  }

  interface Recorder {
    void record(byte[] data);

    /** Whether the recorder reads the payload (a copy, for changeflux events). */
    default boolean needsData() {
      return true;
    }
  }

  public static void main(String[] args) throws Exception {
    int messages = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int rate = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
    try (NatsServerProcess server = NatsServerProcess.start(false, "max_pending: 512MB")) {
      List<Double> bare = new ArrayList<>();
      List<Double> cf = new ArrayList<>();
      List<Double> bareE2e = new ArrayList<>();
      List<Double> cfE2e = new ArrayList<>();
      // Warm-up of both paths (JIT), not reported.
      throughput(server, false, messages / 5);
      throughput(server, true, messages / 5);
      endToEnd(server, false, messages / 5);
      endToEnd(server, true, messages / 5);
      for (int r = 0; r < rounds; r++) {
        bareE2e.add(endToEnd(server, false, messages));
        cfE2e.add(endToEnd(server, true, messages));
        bare.add(throughput(server, false, messages));
        cf.add(throughput(server, true, messages));
      }
      Histogram bareLatency = latency(server, false, rate);
      Histogram cfLatency = latency(server, true, rate);
      report("end to end (publisher in this JVM)", bareE2e, cfE2e);
      report("subscriber capacity (drain of a full client buffer)", bare, cf);
      System.out.printf(
          Locale.ROOT,
          "latency @%d/s  bare p50 %.1f us p99 %.1f us   changeflux p50 %.1f us p99 %.1f us%n",
          rate,
          bareLatency.getValueAtPercentile(50) / 1000.0,
          bareLatency.getValueAtPercentile(99) / 1000.0,
          cfLatency.getValueAtPercentile(50) / 1000.0,
          cfLatency.getValueAtPercentile(99) / 1000.0);
    }
  }

  static Subscriber subscribe(NatsServerProcess server, boolean changeflux, Recorder rec) throws Exception {
    if (changeflux) {
      CountDownLatch ready = new CountDownLatch(1);
      Disposable d =
          ChangeSources.open(server.url() + "?subjects=bench.>&pendingLimit=100000000")
              .events()
              .contextWrite(ChangeSources.onReady(ready::countDown))
              .subscribe(
                  e -> {
                    if (e.kind() == ChangeKind.OVERFLOW) {
                      throw new IllegalStateException("dropped messages: " + e);
                    }
                    rec.record(rec.needsData() ? e.payload() : null);
                  });
      if (!ready.await(20, TimeUnit.SECONDS)) {
        throw new IllegalStateException("changeflux source not ready");
      }
      return d::dispose;
    }
    Connection c = Nats.connect(server.url());
    Dispatcher d = c.createDispatcher(m -> rec.record(rec.needsData() ? m.getData() : null));
    d.setPendingLimits(100_000_000, -1);
    d.subscribe("bench.>");
    c.flush(Duration.ofSeconds(5));
    return c::close;
  }

  /**
   * Subscriber capacity: the subscriber's handler holds the first message until all {@code n} are
   * in the client's buffer, then the time to drain them is measured, so the publisher's and the
   * network's speed do not enter the figure.
   */
  static double throughput(NatsServerProcess server, boolean changeflux, int n) throws Exception {
    AtomicLong count = new AtomicLong();
    long[] last = new long[1];
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    try (Subscriber s =
            subscribe(
                server,
                changeflux,
                new Recorder() {
                  @Override
                  public void record(byte[] data) {
                    long k = count.incrementAndGet();
                    if (k == 1) {
                      held.countDown();
                      try {
                        gate.await();
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }
                    if (k == n) {
                      last[0] = System.nanoTime();
                      done.countDown();
                    }
                  }

                  @Override
                  public boolean needsData() {
                    return false;
                  }
                });
        Connection pub = Nats.connect(server.url())) {
      byte[] body = new byte[16];
      String[] subjects = SUBJECTS;
      pub.publish(subjects[0], body);
      pub.flush(Duration.ofSeconds(30));
      held.await();
      for (int i = 1; i < n; i++) {
        pub.publish(subjects[i % subjects.length], body);
      }
      pub.flush(Duration.ofSeconds(30));
      Thread.sleep(1000); // let the subscriber's reader thread take in what the server sent
      long start = System.nanoTime();
      gate.countDown();
      if (!done.await(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException("received " + count.get() + " of " + n);
      }
      return (n - 1) / ((last[0] - start) / 1e9);
    }
  }

  /**
   * End to end: a publisher in this JVM sends {@code n} messages as fast as it can while the
   * subscriber runs; the rate is messages received over the time from the first to the last one.
   */
  static double endToEnd(NatsServerProcess server, boolean changeflux, int n) throws Exception {
    AtomicLong count = new AtomicLong();
    long[] first = new long[1];
    long[] last = new long[1];
    CountDownLatch done = new CountDownLatch(1);
    try (Subscriber s =
            subscribe(
                server,
                changeflux,
                new Recorder() {
                  @Override
                  public void record(byte[] data) {
                    long k = count.incrementAndGet();
                    if (k == 1) {
                      first[0] = System.nanoTime();
                    }
                    if (k == n) {
                      last[0] = System.nanoTime();
                      done.countDown();
                    }
                  }

                  @Override
                  public boolean needsData() {
                    return false;
                  }
                });
        Connection pub = Nats.connect(server.url())) {
      byte[] body = new byte[16];
      for (int i = 0; i < n; i++) {
        pub.publish(SUBJECTS[i % SUBJECTS.length], body);
      }
      pub.flush(Duration.ofSeconds(30));
      if (!done.await(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException("received " + count.get() + " of " + n);
      }
      return n / ((last[0] - first[0]) / 1e9);
    }
  }

  static final String[] SUBJECTS = new String[100];

  static {
    for (int i = 0; i < SUBJECTS.length; i++) {
      SUBJECTS[i] = "bench." + i;
    }
  }

  static Histogram latency(NatsServerProcess server, boolean changeflux, int rate) throws Exception {
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    Histogram synced = h;
    try (Subscriber s =
            subscribe(
                server,
                changeflux,
                data -> {
                  long sent = ByteBuffer.wrap(data).getLong();
                  long now = System.nanoTime();
                  synchronized (synced) {
                    synced.recordValue(Math.max(0, now - sent));
                  }
                });
        Connection pub = Nats.connect(server.url())) {
      long interval = 1_000_000_000L / rate;
      long start = System.nanoTime();
      long total = rate * 3L;
      for (long i = 0; i < total; i++) {
        long due = start + i * interval;
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
          if (wait > 50_000) {
            LockSupport.parkNanos(wait - 20_000);
          }
        }
        pub.publish("bench." + (i % 100), ByteBuffer.allocate(16).putLong(System.nanoTime()).array());
        if (i % 64 == 0) {
          pub.flushBuffer();
        }
      }
      pub.flush(Duration.ofSeconds(30));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        synchronized (synced) {
          if (synced.getTotalCount() >= total) {
            break;
          }
        }
        Thread.sleep(10);
      }
    }
    return h;
  }

  static void report(String what, List<Double> bare, List<Double> cf) {
    double b = median(bare);
    double c = median(cf);
    double bb = Collections.max(bare);
    double cb = Collections.max(cf);
    System.out.printf(Locale.ROOT, "%s%n  rounds: bare %s, changeflux %s%n", what, fmt(bare), fmt(cf));
    System.out.printf(Locale.ROOT, "  median: bare jnats Dispatcher %,.0f msg/s, changeflux nats: %,.0f events/s, ratio %.1f%%%n", b, c, 100 * c / b);
    System.out.printf(Locale.ROOT, "  best:   bare jnats Dispatcher %,.0f msg/s, changeflux nats: %,.0f events/s, ratio %.1f%%%n", bb, cb, 100 * cb / bb);
  }

  static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }

  static String fmt(List<Double> xs) {
    StringBuilder sb = new StringBuilder("[");
    for (double x : xs) {
      sb.append(sb.length() > 1 ? ", " : "").append(String.format(Locale.ROOT, "%,.0f", x));
    }
    return sb.append(']').toString();
  }
}
