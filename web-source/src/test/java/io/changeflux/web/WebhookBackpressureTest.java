package io.changeflux.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSources;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

/** A stalled consumer makes senders retry (503), and every accepted event is delivered. */
class WebhookBackpressureTest {

  /** Requests nothing until released, then one event at a time, slowly. */
  static final class StalledThenSlow extends BaseSubscriber<ChangeEvent> {
    final Set<String> ids = ConcurrentHashMap.newKeySet();
    final AtomicInteger duplicates = new AtomicInteger();
    final CountDownLatch ready = new CountDownLatch(1);
    volatile boolean slow;
    volatile boolean fast;

    @Override
    protected void hookOnSubscribe(Subscription s) {
      // nothing requested: stalled
    }

    void release() {
      slow = true;
      request(1);
    }

    void unbounded() {
      fast = true;
      request(Long.MAX_VALUE);
    }

    @Override
    protected void hookOnNext(ChangeEvent e) {
      if (!ids.add(e.headers().get("id"))) {
        duplicates.incrementAndGet();
      }
      if (!fast) {
        try {
          Thread.sleep(1);
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
        }
        request(1);
      }
    }
  }

  @Test
  void floodWithStalledConsumerGets503sAndEveryAcceptedEventIsDelivered() throws Exception {
    int port = Web.freePort();
    String url = "http://127.0.0.1:" + port + "/h";
    StalledThenSlow consumer = new StalledThenSlow();
    ChangeSources.open("webhook://127.0.0.1:" + port + "/h?verify=none&backlog=16&acceptTimeout=50ms&retryAfter=2s")
        .events()
        .contextWrite(ChangeSources.onReady(consumer.ready::countDown))
        .subscribe(consumer);
    assertThat(consumer.ready.await(30, TimeUnit.SECONDS)).isTrue();
    try {
      int total = 10_000;
      Semaphore inFlight = new Semaphore(64);
      Set<String> accepted = ConcurrentHashMap.newKeySet();
      AtomicInteger refused = new AtomicInteger();
      List<String> other = new CopyOnWriteArrayList<>();
      AtomicReference<String> retryAfter = new AtomicReference<>();
      AtomicInteger done = new AtomicInteger();
      CompletableFuture<?>[] all = new CompletableFuture<?>[total];
      for (int i = 0; i < total; i++) {
        if (i == total / 2) {
          consumer.release();
        }
        String id = "d-" + i;
        inFlight.acquire();
        HttpRequest req =
            HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(60))
                .header("webhook-id", id)
                .POST(HttpRequest.BodyPublishers.ofString("{\"n\":" + i + "}"))
                .build();
        all[i] =
            Web.CLIENT
                .sendAsync(req, HttpResponse.BodyHandlers.ofString())
                .whenComplete(
                    (res, err) -> {
                      inFlight.release();
                      done.incrementAndGet();
                      if (err != null) {
                        other.add(err.toString());
                      } else if (res.statusCode() == 200) {
                        accepted.add(id);
                      } else if (res.statusCode() == 503) {
                        refused.incrementAndGet();
                        res.headers().firstValue("Retry-After").ifPresent(retryAfter::set);
                      } else {
                        other.add(res.statusCode() + " " + res.body());
                      }
                    });
      }
      CompletableFuture.allOf(all).handle((v, t) -> null).get(5, TimeUnit.MINUTES);
      assertThat(other).isEmpty();
      assertThat(accepted.size() + refused.get()).isEqualTo(total);
      assertThat(refused.get()).as("503s while the consumer stalled").isGreaterThan(0);
      assertThat(accepted).as("accepted once the consumer moved").isNotEmpty();
      assertThat(retryAfter.get()).isEqualTo("2");
      consumer.unbounded();
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(consumer.ids).hasSameSizeAs(accepted));
      assertThat(consumer.ids).isEqualTo(accepted);
      assertThat(consumer.duplicates.get()).isZero();
    } finally {
      consumer.dispose();
    }
  }
}
