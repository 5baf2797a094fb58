package io.changeflux.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSources;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.PublishAck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

/**
 * A debounced JetStream backlog: one event covers many messages, whose acknowledgements are sent
 * by the subscription's acker (never on the thread that acknowledges) and flushed in batches; the
 * consumer ends with its ack floor at the last sequence and nothing redelivered.
 */
class JetStreamAckTest {

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

  static void publishAsync(JetStream js, String subjectPrefix, int messages, int keys) throws Exception {
    List<CompletableFuture<PublishAck>> inFlight = new ArrayList<>();
    for (int i = 0; i < messages; i++) {
      inFlight.add(js.publishAsync(subjectPrefix + (i % keys), new byte[16]));
      if (inFlight.size() == 2_000 || i == messages - 1) {
        for (CompletableFuture<PublishAck> f : inFlight) {
          f.get(30, TimeUnit.SECONDS);
        }
        inFlight.clear();
      }
    }
  }

  @Test
  void aDebouncedBacklogIsAcknowledgedOffTheAcknowledgingThreadUpToTheLastSequence() throws Exception {
    int messages = 30_000;
    String uri =
        server.url() + "?subjects=acks.>&stream=ACKS&durable=deb&debounce=200ms&maxAckPending=20000";
    // create stream and consumer first
    CountDownLatch ready = new CountDownLatch(1);
    List<ChangeEvent> got = new CopyOnWriteArrayList<>();
    List<String> ackThreads = new CopyOnWriteArrayList<>();
    Disposable d =
        ChangeSources.open(uri)
            .events()
            // the pipeline acknowledges after onNext on this (parallel) thread: it must not block
            .publishOn(Schedulers.parallel(), 1)
            .doOnNext(e -> ackThreads.add(Thread.currentThread().getName()))
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(got::add);
    try {
      assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
      publishAsync(admin.jetStream(), "acks.", messages, 1);
      await()
          .atMost(Duration.ofSeconds(90))
          .untilAsserted(() -> assertThat(got.stream().mapToLong(ChangeEvent::count).sum()).isEqualTo(messages));
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                ConsumerInfo ci = admin.jetStreamManagement().getConsumerInfo("ACKS", "deb");
                assertThat(ci.getAckFloor().getStreamSequence()).isEqualTo(messages);
                assertThat(ci.getNumAckPending()).isZero();
                assertThat(ci.getRedelivered()).isZero();
              });
      assertThat(got).allSatisfy(e -> assertThat(e.count()).isLessThanOrEqualTo(1_000 + 256));
      assertThat(got.size()).isLessThan(messages / 10);
      assertThat(ackThreads).allSatisfy(t -> assertThat(t).startsWith("parallel-"));
    } finally {
      d.dispose();
    }
  }

  @Test
  void messagesHeldByAStalledConsumerLongerThanAckWaitAreNotRedelivered() throws Exception {
    int messages = 3_000;
    String uri = server.url() + "?subjects=held.>&stream=HELD&durable=h&debounce=200ms&ackWait=2s";
    CountDownLatch ready = new CountDownLatch(1);
    List<ChangeEvent> got = new CopyOnWriteArrayList<>();
    reactor.core.publisher.BaseSubscriber<ChangeEvent> stalled =
        new reactor.core.publisher.BaseSubscriber<>() {
          @Override
          protected void hookOnSubscribe(org.reactivestreams.Subscription s) {}

          @Override
          protected void hookOnNext(ChangeEvent e) {
            got.add(e);
          }
        };
    ChangeSources.open(uri).events().contextWrite(ChangeSources.onReady(ready::countDown)).subscribe(stalled);
    try {
      assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
      publishAsync(admin.jetStream(), "held.", messages, 1);
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(admin.jetStreamManagement().getConsumerInfo("HELD", "h").getNumAckPending()).isPositive());
      // held downstream for three times ackWait: the acker's +WPI keeps the server from redelivering
      await()
          .pollDelay(Duration.ofSeconds(6))
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> assertThat(admin.jetStreamManagement().getConsumerInfo("HELD", "h").getRedelivered()).isZero());
      stalled.request(Long.MAX_VALUE);
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(got.stream().mapToLong(ChangeEvent::count).sum()).isEqualTo(messages));
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                ConsumerInfo ci = admin.jetStreamManagement().getConsumerInfo("HELD", "h");
                assertThat(ci.getAckFloor().getStreamSequence()).isEqualTo(messages);
                assertThat(ci.getNumAckPending()).isZero();
                assertThat(ci.getDelivered().getConsumerSequence()).isEqualTo(messages);
              });
      assertThat(got.stream().mapToLong(ChangeEvent::count).sum()).isEqualTo(messages);
    } finally {
      stalled.dispose();
    }
  }
}
