package io.changeflux.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.changeflux.nats.NatsServerProcess;
import io.changeflux.testkit.LogCapture;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StorageType;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import io.nats.client.PublishOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/** NATS under faults, bad input and open/cancel cycles, against real nats-server processes. */
@Tag("reliability")
class NatsReliabilityTest {

  static final int KILLS = 5;
  static final Duration PATIENCE = Duration.ofSeconds(90);

  @BeforeAll
  static void capture() {
    LogCapture.install();
  }

  static Connection client(NatsServerProcess server) throws Exception {
    return Nats.connect(
        new Options.Builder()
            .server(server.url())
            .maxReconnects(-1)
            .reconnectWait(Duration.ofMillis(50))
            .connectionTimeout(Duration.ofSeconds(5))
            .build());
  }

  interface Send {
    void send(int i) throws Exception;
  }

  /** Sends 0..n-1 on its own thread, retrying each until it went through. */
  static Thread publisher(int n, AtomicInteger sent, AtomicLong retries, Send send) {
    Thread t = new Thread(() -> {
      for (int i = 0; i < n && !Thread.currentThread().isInterrupted(); i++) {
        while (true) {
          try {
            send.send(i);
            break;
          } catch (Exception e) {
            retries.incrementAndGet();
            LockSupport.parkNanos(50_000_000);
          }
        }
        sent.incrementAndGet();
        LockSupport.parkNanos(500_000);
      }
    }, "reliability-nats-publisher");
    t.setDaemon(true);
    return t;
  }

  static void killFiveTimes(NatsServerProcess server, AtomicInteger sent, int n, Runnable afterRestart) {
    for (int k = 1; k <= KILLS; k++) {
      int mark = k * n / (KILLS + 1);
      await().atMost(PATIENCE).until(() -> sent.get() >= mark);
      server.kill();
      server.restart();
      afterRestart.run();
    }
  }

  @Test
  void jetStreamDurableSurvivesFiveSigkillsWithoutLosingAMessage() throws Exception {
    int n = Rel.scaled(3_000, 500);
    try (NatsServerProcess server = NatsServerProcess.start()) {
      Set<String> got = ConcurrentHashMap.newKeySet();
      AtomicLong deliveries = new AtomicLong();
      AtomicReference<Throwable> error = new AtomicReference<>();
      try (Connection c = client(server)) {
        c.jetStreamManagement().addStream(StreamConfiguration.builder().name("REL").subjects("rel.>")
            .storageType(StorageType.File).build());
        // the publisher's own connection, replaced after failures: a reconnected jnats connection
        // sometimes stops getting answers after a SIGKILL (see nats-source/README.md)
        AtomicReference<Connection> pubConn = new AtomicReference<>(client(server));
        AtomicInteger failuresInARow = new AtomicInteger();
        Disposable d =
            ChangeSources.open("nats://" + server.hostPort()
                    + "?subjects=rel.>&stream=REL&durable=reliability&reconnectWait=100ms&fetchWait=1s&ackWait=5s")
                .events()
                .subscribe(e -> {
                  deliveries.incrementAndGet();
                  got.add(new String(e.payload(), StandardCharsets.UTF_8));
                }, error::set);
        AtomicInteger sent = new AtomicInteger();
        AtomicLong retries = new AtomicLong();
        Thread pub = publisher(n, sent, retries, i -> {
          try {
            JetStream js = pubConn.get().jetStream();
            js.publish("rel.jobs", ("" + i).getBytes(StandardCharsets.UTF_8),
                PublishOptions.builder().messageId("m" + i).build());
            failuresInARow.set(0);
          } catch (Exception e) {
            if (failuresInARow.incrementAndGet() >= 3) {
              failuresInARow.set(0);
              Connection old = pubConn.getAndSet(client(server));
              try {
                old.close();
              } catch (Exception ignored) {
                // already broken
              }
            }
            throw e;
          }
        });
        try {
          long t0 = System.nanoTime();
          pub.start();
          killFiveTimes(server, sent, n, () -> {});
          pub.join();
          await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(error.get()).isNull();
            assertThat(got).hasSize(n);
          });
          Rel.report(
              "faults-nats-jetstream",
              "%d JetStream publishes (Nats-Msg-Id), nats-server SIGKILLed and restarted %d times: %d of %d"
                  + " delivered (zero loss), %d deliveries (%d redelivered), %d publish retries, in %s",
              n, KILLS, got.size(), n, deliveries.get(), deliveries.get() - n, retries.get(),
              Rel.seconds(System.nanoTime() - t0));
          for (int i = 0; i < n; i++) {
            assertThat(got).contains("" + i);
          }
        } finally {
          pub.interrupt();
          d.dispose();
          pubConn.get().close();
        }
      }
    }
  }

  @Test
  void coreNatsSurvivesFiveSigkillsWithOneOverflowPerGap() throws Exception {
    int n = Rel.scaled(3_000, 500);
    try (NatsServerProcess server = NatsServerProcess.start(false, "")) {
      List<ChangeEvent> overflows = new CopyOnWriteArrayList<>();
      AtomicLong messages = new AtomicLong();
      Set<String> payloads = ConcurrentHashMap.newKeySet();
      AtomicReference<Throwable> error = new AtomicReference<>();
      java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
      Disposable d =
          ChangeSources.open("nats://" + server.hostPort() + "?subjects=core.>&reconnectWait=100ms")
              .events()
              .contextWrite(ChangeSources.onReady(ready::countDown))
              .subscribe(e -> {
                if (e.kind() == ChangeKind.OVERFLOW) {
                  overflows.add(e);
                } else {
                  messages.addAndGet(e.count());
                  payloads.add(new String(e.payload(), StandardCharsets.UTF_8));
                }
              }, error::set);
      assertThat(ready.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      try (Connection c = client(server)) {
        AtomicInteger sent = new AtomicInteger();
        AtomicLong retries = new AtomicLong();
        Thread pub = publisher(n, sent, retries, i -> c.publish("core.jobs", ("" + i).getBytes(StandardCharsets.UTF_8)));
        try {
          long t0 = System.nanoTime();
          pub.start();
          AtomicInteger gaps = new AtomicInteger();
          killFiveTimes(server, sent, n, () -> {
            int k = gaps.incrementAndGet();
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(overflows).hasSize(k));
          });
          pub.join();
          // the test's own client may still be reconnecting: flush can time out, try again
          await().atMost(PATIENCE).ignoreExceptions().until(() -> {
            c.publish("core.jobs", "end".getBytes(StandardCharsets.UTF_8));
            c.flush(Duration.ofSeconds(1));
            return payloads.contains("end");
          });
          Rel.report(
              "faults-nats-core",
              "%d core publishes, nats-server SIGKILLed and restarted %d times: %d OVERFLOW (reason %s),"
                  + " %d of %d messages counted (at-most-once; the publisher's client buffers while"
                  + " reconnecting), alive after the last restart, in %s",
              n, KILLS, overflows.size(),
              overflows.stream().map(e -> e.headers().get("reason")).distinct().toList(),
              payloads.stream().filter(p -> !p.equals("end")).count(), n,
              Rel.seconds(System.nanoTime() - t0));
          assertThat(overflows).hasSize(KILLS);
          assertThat(overflows).allSatisfy(e -> assertThat(e.headers()).containsEntry("reason", "reconnect"));
          assertThat(error.get()).isNull();
        } finally {
          pub.interrupt();
          d.dispose();
        }
      }
    }
  }

  @Test
  void malformedEnvelopesNeverEndTheStream() throws Exception {
    try (NatsServerProcess server = NatsServerProcess.start(false, "");
        Recorder r = new Recorder("nats://" + server.hostPort() + "?subjects=env.>");
        Connection c = client(server)) {
      String[][] bad = {
        {"Changeflux-Kind", "EXPLODED", "Changeflux-Key", "k"},
        {"Changeflux-Kind", "CREATED"},
        {"Changeflux-Kind", "CREATED", "Changeflux-Key", "%ZZ%"},
        {"Changeflux-Kind", "CREATED", "Changeflux-Key", "k", "Changeflux-Count", "many"},
        {"Changeflux-Kind", "CREATED", "Changeflux-Key", "k", "Changeflux-Count", "-5"},
        {"Changeflux-Kind", "", "Changeflux-Key", ""},
        {"Changeflux-Kind", "OVERFLOW", "Changeflux-Key", "k", "Changeflux-Sha", "not hex"},
      };
      for (String[] h : bad) {
        Headers headers = new Headers();
        for (int i = 0; i < h.length; i += 2) {
          headers.add(h[i], h[i + 1]);
        }
        c.publish(NatsMessage.builder().subject("env.bad").headers(headers)
            .data(new byte[] {(byte) 0xff, 0, (byte) 0xfe}).build());
      }
      c.publish("env.raw", new byte[1 << 20]);
      Headers good = new Headers().add("Changeflux-Kind", "DELETED").add("Changeflux-Key", "good");
      c.publish(NatsMessage.builder().subject("env.good").headers(good).data(new byte[0]).build());
      c.flush(Duration.ofSeconds(5));
      await().atMost(PATIENCE).until(() -> r.events.stream().anyMatch(e -> e.key().equals("good")));
      long malformed = r.events.stream().filter(e -> e.headers().containsKey("malformed")).count();
      Rel.report("bad-input-nats", "%d malformed envelopes and a 1 MB raw message: %d events, %d marked"
          + " malformed, stream alive, no error (%s)", bad.length, r.events.size(), malformed, r.error.get());
      assertThat(r.error.get()).isNull();
      assertThat(r.events.stream().filter(e -> e.key().equals("good")).findFirst().orElseThrow().kind())
          .isEqualTo(ChangeKind.DELETED);
      assertThat(malformed).isGreaterThanOrEqualTo(4);
    }
  }

  @Test
  void coreAndJetStreamSourcesOpenedAndCancelledLeaveNothing() throws Exception {
    try (NatsServerProcess server = NatsServerProcess.start()) {
      int cycles = Rel.scaled(Integer.getInteger("reliability.natsLeakCycles", 1000), 30);
      Leaks.cycle("nats-core", "nats://" + server.hostPort() + "?subjects=leak.>", cycles, "changeflux-",
          () -> Rel.tcpConnectionsTo(server.port()));
      Leaks.cycle("nats-jetstream", "nats://" + server.hostPort() + "?subjects=jl.>&stream=JL&durable=d&fetchWait=1s",
          Rel.scaled(Integer.getInteger("reliability.natsLeakCycles", 1000), 30), "changeflux-",
          () -> Rel.tcpConnectionsTo(server.port()));
    }
  }

  @Test
  void wrongTokenFailsFastWithAClearMessageAndNoSecretAnywhere() throws Exception {
    String good = "rel-nats-token-9911";
    String wrong = "rel-nats-WRONG-2207";
    try (NatsServerProcess server = NatsServerProcess.start(false, "authorization { token: \"" + good + "\" }")) {
      long t0 = System.nanoTime();
      AtomicReference<Throwable> error = new AtomicReference<>();
      Disposable d = ChangeSources.open("nats://" + wrong + "@" + server.hostPort() + "?subjects=a").events()
          .subscribe(e -> {}, error::set);
      await().atMost(Duration.ofSeconds(15)).until(() -> error.get() != null);
      long took = System.nanoTime() - t0;
      d.dispose();
      Rel.report("security-nats-wrong-token", "failed in %s: %s", Rel.seconds(took), error.get().getMessage());
      assertThat(error.get()).isInstanceOf(ChangeSourceException.class);
      assertThat(error.get().getMessage()).contains(server.hostPort()).containsIgnoringCase("author");
      Secrets.assertNowhere(error.get(), wrong, good);
      try (Recorder r = new Recorder("nats://" + server.hostPort() + "?subjects=a&reconnectWait=100ms&token=" + good)) {
        server.kill();
        server.restart();
        await().atMost(PATIENCE).until(() -> r.overflows() > 0);
        for (ChangeEvent e : r.events) {
          assertThat(e.source()).doesNotContain(good);
          assertThat(e.toString()).doesNotContain(good);
        }
      }
      assertThat(ChangeSources.open("nats://" + good + "@" + server.hostPort() + "?subjects=a").toString())
          .doesNotContain(good);
      Secrets.assertNotLogged(good, wrong);
    }
  }
}
