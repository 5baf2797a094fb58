package io.changeflux.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.StreamInfo;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

/**
 * JetStream durable pull consumers against a real nats-server with its own store. These tests
 * acknowledge by hand ({@code ack=manual}); {@code ack=auto} is the pipeline's job.
 */
class JetStreamTest {

  static NatsServerProcess server;
  static Connection admin;

  @BeforeAll
  static void startServer() throws Exception {
    server = NatsServerProcess.start();
    admin = Nats.connect(server.url());
  }

  @AfterAll
  static void stopServer() throws Exception {
    admin.close();
    server.close();
  }

  static void publish(JetStream js, String subject, String body) throws Exception {
    js.publish(subject, body.getBytes(StandardCharsets.UTF_8));
  }

  /** Subscribes requesting one event at a time; acknowledges each and records its payload. */
  static final class OneByOne extends BaseSubscriber<ChangeEvent> {
    final List<ChangeEvent> events = new CopyOnWriteArrayList<>();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    final int stopAfter;

    OneByOne(int stopAfter) {
      this.stopAfter = stopAfter;
    }

    @Override
    protected void hookOnSubscribe(Subscription s) {
      s.request(1);
    }

    @Override
    protected void hookOnNext(ChangeEvent e) {
      events.add(e);
      e.ack();
      if (events.size() >= stopAfter) {
        dispose(); // a consumer killed mid-way
      } else {
        request(1);
      }
    }

    @Override
    protected void hookOnError(Throwable t) {
      error.set(t);
    }

    Set<String> payloads() {
      return events.stream().map(e -> new String(e.payload(), StandardCharsets.UTF_8)).collect(Collectors.toSet());
    }
  }

  static OneByOne subscribe(String uri, int stopAfter) throws InterruptedException {
    OneByOne s = new OneByOne(stopAfter);
    CountDownLatch ready = new CountDownLatch(1);
    ChangeSources.open(uri).events().contextWrite(ChangeSources.onReady(ready::countDown)).subscribe(s);
    assertThat(ready.await(20, TimeUnit.SECONDS)).as("ready, error %s", s.error.get()).isTrue();
    return s;
  }

  @Test
  void durableConsumerKilledMidWayAndReplacedDeliversEveryMessage() throws Exception {
    String uri = server.url() + "?subjects=orders.>&stream=ORDERS&durable=billing&ack=manual&ackWait=1s&batch=10";
    // The first subscription creates the stream and the durable consumer, then goes away.
    subscribe(uri, Integer.MAX_VALUE).dispose();

    JetStream js = admin.jetStream();
    int n = 500;
    for (int i = 0; i < n; i++) {
      publish(js, "orders." + (i % 7), "m" + i);
    }
    OneByOne first = subscribe(uri, 200);
    await().atMost(Duration.ofSeconds(20)).until(first::isDisposed);
    assertThat(first.events).hasSize(200);

    OneByOne second = subscribe(uri, Integer.MAX_VALUE);
    Set<String> expected = IntStream.range(0, n).mapToObj(i -> "m" + i).collect(Collectors.toSet());
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              Set<String> all = new java.util.HashSet<>(first.payloads());
              all.addAll(second.payloads());
              assertThat(all).isEqualTo(expected);
            });
    second.dispose();
    // The id header is the stream sequence: 500 distinct ids over both consumers.
    Set<String> ids = ConcurrentHashMap.newKeySet();
    first.events.forEach(e -> ids.add(e.headers().get("id")));
    second.events.forEach(e -> ids.add(e.headers().get("id")));
    assertThat(ids).hasSize(n).allSatisfy(id -> assertThat(Long.parseLong(id)).isBetween(1L, (long) n));
    assertThat(first.events.get(0).acknowledgeable()).isTrue();
    assertThat(first.events.get(0).key()).startsWith("orders.");
  }

  @Test
  void demandBecomesFetchSizeSoBackpressureReachesTheServer() throws Exception {
    String uri = server.url() + "?subjects=bp.>&stream=BP&durable=slow&ack=manual&batch=100";
    subscribe(uri, Integer.MAX_VALUE).dispose();
    JetStreamManagement jsm = admin.jetStreamManagement();
    // dispose() stops that subscription asynchronously: until its pull request has left the
    // server (its connection closed, or the pull's fetchWait ran out), the server may hand it one
    // of the messages below, which would count as delivered (and come again after ackWait).
    await()
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions()
        .until(() -> jsm.getConsumerInfo("BP", "slow").getNumWaiting() == 0);
    JetStream js = admin.jetStream();
    for (int i = 0; i < 100; i++) {
      publish(js, "bp.x", "m" + i);
    }
    List<ChangeEvent> got = new CopyOnWriteArrayList<>();
    CountDownLatch ready = new CountDownLatch(1);
    BaseSubscriber<ChangeEvent> five =
        new BaseSubscriber<>() {
          @Override
          protected void hookOnSubscribe(Subscription s) {
            s.request(5);
          }

          @Override
          protected void hookOnNext(ChangeEvent e) {
            got.add(e);
          }
        };
    ChangeSources.open(uri).events().contextWrite(ChangeSources.onReady(ready::countDown)).subscribe(five);
    try {
      assertThat(ready.await(20, TimeUnit.SECONDS)).isTrue();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(got).hasSize(5));
      // For as long as nobody asks for more, the server has handed out exactly five messages.
      await()
          .during(Duration.ofMillis(1500))
          .atMost(Duration.ofSeconds(15))
          .ignoreExceptions()
          .until(
              () -> {
                ConsumerInfo ci = jsm.getConsumerInfo("BP", "slow");
                return ci.getDelivered().getConsumerSequence() == 5 && ci.getNumPending() == 95;
              });
      assertThat(got).hasSize(5);
      five.request(10);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(got).hasSize(15));
    } finally {
      five.dispose();
    }
  }

  @Test
  void serverKilledAndRestartedLosesNothing() throws Exception {
    try (NatsServerProcess own = NatsServerProcess.start()) {
      String uri =
          own.url()
              + "?subjects=jobs.>&stream=JOBS&durable=worker&ack=manual&reconnectWait=100ms&fetchWait=1s&ackWait=2s";
      OneByOne s = subscribe(uri, Integer.MAX_VALUE);
      try {
        try (Connection c = Nats.connect(own.url())) {
          JetStream js = c.jetStream();
          for (int i = 0; i < 50; i++) {
            publish(js, "jobs.a", "j" + i);
          }
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(s.payloads()).hasSize(50));
        own.awaitStored("j49", Duration.ofSeconds(20)); // acknowledged by the server is not yet on disk

        own.kill();
        own.restart();

        try (Connection c = Nats.connect(own.url())) {
          JetStream js = c.jetStream();
          for (int i = 50; i < 100; i++) {
            // JetStream may need a moment after a restart to recover the stream.
            String body = "j" + i;
            await()
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .until(
                    () -> {
                      publish(js, "jobs.b", body);
                      return true;
                    });
          }
        }
        Set<String> expected = IntStream.range(0, 100).mapToObj(i -> "j" + i).collect(Collectors.toSet());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(s.payloads()).isEqualTo(expected));
        assertThat(s.error.get()).isNull();
      } finally {
        s.dispose();
      }
    }
  }

  @Test
  void streamIsCreatedWithAnExplicitDuplicateWindow() throws Exception {
    String uri = server.url() + "?subjects=dw.>&stream=DW&durable=d&duplicateWindow=45s&ack=manual";
    subscribe(uri, Integer.MAX_VALUE).dispose();
    StreamInfo si = admin.jetStreamManagement().getStreamInfo("DW");
    assertThat(si.getConfiguration().getDuplicateWindow()).isEqualTo(Duration.ofSeconds(45));
    assertThat(si.getConfiguration().getSubjects()).containsExactly("dw.>");
  }

  @Test
  void deliverNewSkipsWhatWasStoredBefore() throws Exception {
    admin.jetStreamManagement(); // the stream is created by the first subscription below
    String create = server.url() + "?subjects=dn.>&stream=DN&durable=old&ack=manual";
    subscribe(create, Integer.MAX_VALUE).dispose();
    publish(admin.jetStream(), "dn.x", "before");
    OneByOne s = subscribe(server.url() + "?subjects=dn.>&stream=DN&durable=fresh&deliver=new&ack=manual", Integer.MAX_VALUE);
    try {
      publish(admin.jetStream(), "dn.x", "after");
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(s.payloads()).contains("after"));
      assertThat(s.payloads()).doesNotContain("before");
    } finally {
      s.dispose();
    }
  }

  @Test
  void missingStreamWithCreateStreamFalseFailsNamingTheStream() {
    AtomicReference<Throwable> error = new AtomicReference<>();
    ChangeSources.open(server.url() + "?subjects=none.>&stream=NOPE&durable=d&createStream=false")
        .events()
        .subscribe(e -> {}, error::set);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(error.get()).isNotNull());
    assertThat(error.get()).isInstanceOf(ChangeSourceException.class).hasMessageContaining("NOPE").hasMessageStartingWith("nats:");
  }

  @Test
  void cancelEndsThePullThreadAndClosesTheConnection() throws Exception {
    String uri = server.url() + "?subjects=cx.>&stream=CX&durable=c&ack=manual";
    OneByOne s = subscribe(uri, Integer.MAX_VALUE);
    assertThat(pullThreads()).isNotEmpty();
    s.dispose();
    // The thread closes its connection before it ends.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(pullThreads()).isEmpty());
  }

  static List<String> pullThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("changeflux-nats-pull-"))
        .collect(Collectors.toList());
  }

  @Test
  void twoFilterSubjectsAreRejectedUpFront() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ChangeSources.open(server.url() + "?subjects=a.>,b.>&stream=S&durable=d"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("one filter subject");
  }
}
