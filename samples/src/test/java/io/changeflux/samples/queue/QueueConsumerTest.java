package io.changeflux.samples.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.samples.cli.CliProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/** The request-queue consumer on real folders: wake, process, move on; crash and restart lose nothing. */
class QueueConsumerTest {

  @TempDir Path tmp;

  private Path pending() throws Exception {
    return Files.createDirectories(tmp.resolve("queue/pending"));
  }

  /** Writes a request the safe way: under another name, then renamed into pending/. */
  private void submit(Path pending, String name, String body) throws Exception {
    Path t = Files.writeString(tmp.resolve(name + ".tmp"), body);
    Files.move(t, pending.resolve(name));
  }

  private static List<String> names(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  private Disposable start(String source, QueueConsumer.Handler handler) throws Exception {
    Properties p = new Properties();
    p.setProperty("source", source);
    QueueConsumer c = new QueueConsumer(p, handler);
    CountDownLatch ready = new CountDownLatch(1);
    Disposable d = c.start(ready::countDown);
    assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
    return d;
  }

  @Test
  void processesPendingRequestsAtStartThenWakesForNewOnes() throws Exception {
    Path pending = pending();
    submit(pending, "r1", "one");
    ConcurrentMap<String, String> seen = new ConcurrentHashMap<>();
    Disposable d = start("fs:" + pending, (key, body, file) -> seen.put(key, new String(body, StandardCharsets.UTF_8)));
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> seen.containsKey("r1"));
      submit(pending, "r2", "two");
      await().atMost(Duration.ofSeconds(30)).until(() -> names(tmp.resolve("queue/done")).equals(List.of("r1", "r2")));
      assertThat(seen).containsEntry("r1", "one").containsEntry("r2", "two");
      assertThat(names(pending)).isEmpty();
      assertThat(names(tmp.resolve("queue/processing"))).isEmpty();
    } finally {
      d.dispose();
    }
  }

  @Test
  void aRequestWrittenSlowlyInPlaceIsHandledWhole() throws Exception {
    Path pending = pending();
    ConcurrentMap<String, String> seen = new ConcurrentHashMap<>();
    Disposable d = start("fs:" + pending, (key, body, file) -> seen.put(key, new String(body, StandardCharsets.UTF_8)));
    try {
      StringBuilder all = new StringBuilder();
      // A writer that does not rename: it writes into pending/ itself, pausing between chunks.
      try (var w = Files.newBufferedWriter(pending.resolve("slow"))) {
        for (int i = 0; i < 5; i++) {
          String chunk = "chunk " + i + "\n";
          w.write(chunk);
          w.flush();
          all.append(chunk);
          Thread.sleep(100); // the producer's pace (less than stable=250ms), not a synchronisation
        }
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> names(tmp.resolve("queue/done")).equals(List.of("slow")));
      assertThat(seen).containsEntry("slow", all.toString());
    } finally {
      d.dispose();
    }
  }

  @Test
  void aFailedRequestGoesToFailedWithItsReason() throws Exception {
    Path pending = pending();
    Disposable d = start("fs:" + pending, (key, body, file) -> {
      if (key.startsWith("bad")) {
        throw new IllegalStateException("cannot handle " + key);
      }
    });
    try {
      submit(pending, "bad-1", "x");
      submit(pending, "good-1", "y");
      await().atMost(Duration.ofSeconds(30)).until(() -> names(tmp.resolve("queue/failed")).contains("bad-1.reason")
          && names(tmp.resolve("queue/done")).contains("good-1"));
      assertThat(Files.readString(tmp.resolve("queue/failed/bad-1.reason"))).contains("cannot handle bad-1");
      assertThat(names(tmp.resolve("queue/failed"))).contains("bad-1");
    } finally {
      d.dispose();
    }
  }

  @Test
  void thePollFallbackConsumesTheSameQueue() throws Exception {
    Path pending = pending();
    AtomicInteger handled = new AtomicInteger();
    Disposable d = start("poll:" + pending + "?interval=200ms", (key, body, file) -> handled.incrementAndGet());
    try {
      submit(pending, "p1", "x");
      submit(pending, "p2", "y");
      await().atMost(Duration.ofSeconds(30)).until(() -> names(tmp.resolve("queue/done")).size() == 2);
      assertThat(handled).hasValue(2);
    } finally {
      d.dispose();
    }
  }

  @Test
  void twoConsumersNeverHandleTheSameRequest() throws Exception {
    Path pending = pending();
    ConcurrentMap<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    QueueConsumer.Handler h = (key, body, file) -> counts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    Disposable a = start("fs:" + pending, h);
    Disposable b = start("fs:" + pending, h);
    try {
      for (int i = 0; i < 200; i++) {
        submit(pending, String.format("req-%03d", i), "x");
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> names(tmp.resolve("queue/done")).size() == 200);
      assertThat(counts).hasSize(200);
      assertThat(counts.values()).allSatisfy(c -> assertThat(c).hasValue(1));
    } finally {
      a.dispose();
      b.dispose();
    }
  }

  /** A broker queue: requests published while a consumer is stopped mid-request are all handled, each completed once. */
  private void brokerQueueLosesNothing(String sourceUri, String sinkUri) throws Exception {
    var sink = io.changeflux.ChangeSinks.open(sinkUri);
    java.util.List<io.changeflux.ChangeEvent> requests = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      requests.add(io.changeflux.ChangeEvent.builder(io.changeflux.ChangeKind.CREATED, "req-" + i)
          .payload(("body-" + i).getBytes(StandardCharsets.UTF_8)).build());
    }
    sink.publish(reactor.core.publisher.Flux.fromIterable(requests.subList(0, 10))).block(Duration.ofSeconds(30));
    ConcurrentMap<String, AtomicInteger> completed = new ConcurrentHashMap<>();
    CountDownLatch stuck = new CountDownLatch(1);
    Disposable first = start(sourceUri, (key, body, file) -> {
      if (key.equals("req-5")) {
        stuck.countDown();
        Thread.sleep(60_000); // interrupted by dispose: never completes
      }
      completed.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    });
    assertThat(stuck.await(30, TimeUnit.SECONDS)).isTrue();
    first.dispose();
    sink.publish(reactor.core.publisher.Flux.fromIterable(requests.subList(10, 20))).block(Duration.ofSeconds(30));
    Disposable second = start(sourceUri, (key, body, file) ->
        completed.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet());
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> completed.size() == 20);
      assertThat(completed.values()).allSatisfy(c -> assertThat(c).hasValue(1));
    } finally {
      second.dispose();
    }
  }

  @Test
  void theSameConsumerReadsRequestsFromJetStream() throws Exception {
    try (io.changeflux.nats.NatsServerProcess nats = io.changeflux.nats.NatsServerProcess.start(true, "")) {
      brokerQueueLosesNothing(
          "nats://" + nats.hostPort() + "?subjects=requests.>&stream=REQ&durable=workers&ackWait=2s",
          "nats://" + nats.hostPort() + "?subjects=requests.new&stream=REQ");
    }
  }

  @Test
  void theSameConsumerReadsRequestsFromARedisStream() throws Exception {
    try (io.changeflux.redis.RedisServerProcess redis = io.changeflux.redis.RedisServerProcess.start()) {
      brokerQueueLosesNothing(
          redis.uri("?stream=requests&group=workers&consumer=w1&start=0"),
          redis.uri("?stream=requests"));
    }
  }

  @Test
  void aConsumerKilledMidRequestAndRestartedLosesNothingAndCompletesNothingTwice() throws Exception {
    Path pending = pending();
    Path log = tmp.resolve("completed.log");
    Path config = tmp.resolve("queue.properties");
    // The handler of "slow-*" requests takes long enough to be killed in the middle of it.
    Files.writeString(config,
        "source=fs:" + pending + "\n"
            + "handler=case \"$REQUEST_KEY\" in slow-*) sleep 29.137;; esac; echo \"$REQUEST_KEY\" >> " + log + "\n");
    for (int i = 0; i < 5; i++) {
      submit(pending, "a-" + i, "x");
    }
    submit(pending, "slow-1", "x");
    for (int i = 0; i < 5; i++) {
      submit(pending, "z-" + i, "x");
    }
    try (CliProcess first = CliProcess.start("queue", config.toString())) {
      first.awaitErr("watching ");
      await().atMost(Duration.ofSeconds(30)).until(() -> names(tmp.resolve("queue/processing")).contains("slow-1"));
      first.signal("KILL");
      first.waitFor(Duration.ofSeconds(10));
    }
    // The handler of the slow request is still sleeping: a child of the killed JVM. End it, as a
    // supervisor that kills the consumer's process group would.
    new ProcessBuilder("pkill", "-f", "sleep 29.137").start().waitFor();
    Files.writeString(config,
        "source=fs:" + pending + "\n"
            + "handler=echo \"$REQUEST_KEY\" >> " + log + "\n");
    try (CliProcess second = CliProcess.start("queue", config.toString())) {
      second.awaitErr("watching ");
      await().atMost(Duration.ofSeconds(30)).until(() -> names(tmp.resolve("queue/done")).size() == 11);
      List<String> completed = Files.readAllLines(log);
      assertThat(completed).hasSize(11).doesNotHaveDuplicates();
      assertThat(names(pending)).isEmpty();
      assertThat(names(tmp.resolve("queue/processing"))).isEmpty();
    }
  }
}
