package io.changeflux.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSources;
import io.lettuce.core.Consumer;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.models.stream.ClaimedMessages;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * Entries a consumer's subscriber still holds unacknowledged are not taken by another consumer's
 * XAUTOCLAIM, however much longer than {@code claimIdle} they are held: the session resets their
 * idle time (XCLAIM to itself, JUSTID) every third of {@code claimIdle}. Once the subscription
 * ends, nothing resets them, and the other consumer claims them.
 */
class RedisStreamHeldEntriesTest {

  static final Duration CLAIM_IDLE = Duration.ofMillis(600);

  @Test
  void entriesHeldDownstreamAreNotClaimedByAnotherConsumerUntilTheHolderGoesAway() throws Exception {
    try (RedisServerProcess server = RedisServerProcess.start();
        RedisTestClient other = new RedisTestClient(server.port())) {
      List<ChangeEvent> held = new CopyOnWriteArrayList<>();
      Disposable sub =
          ChangeSources.open(
                  server.uri("?stream=held&group=g&consumer=c1&start=0&ack=manual&claimIdle=" + CLAIM_IDLE.toMillis() + "ms"))
              .events()
              .subscribe(held::add); // never acknowledges
      for (int i = 0; i < 3; i++) {
        other.sync().xadd("held", Map.of("key", "k" + i));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> held.size() == 3);
      // Held unacknowledged for five times claimIdle, with another consumer claiming entries idle
      // for claimIdle all the while: it gets none of them.
      await()
          .during(CLAIM_IDLE.multipliedBy(5))
          .atMost(CLAIM_IDLE.multipliedBy(10))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> claimByOther(other).isEmpty());
      assertThat(other.sync().xpending("held", "g").getConsumerMessageCount()).containsOnlyKeys("c1").containsEntry("c1", 3L);
      sub.dispose();
      // The holder is gone (its entries still pending, nobody resets their idle time): claimed.
      List<String> claimed = new CopyOnWriteArrayList<>();
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(100))
          .untilAsserted(
              () -> {
                claimed.addAll(claimByOther(other));
                assertThat(claimed).hasSize(3);
              });
      assertThat(other.sync().xpending("held", "g").getConsumerMessageCount()).containsOnlyKeys("c2");
    }
  }

  /** XAUTOCLAIM by consumer {@code c2} of entries idle at least {@link #CLAIM_IDLE}; their ids. */
  static List<String> claimByOther(RedisTestClient other) {
    ClaimedMessages<String, String> c =
        other
            .sync()
            .xautoclaim("held", new XAutoClaimArgs<String>().consumer(Consumer.from("g", "c2")).minIdleTime(CLAIM_IDLE).startId("0-0").count(100));
    return c.getMessages().stream().map(m -> m.getId()).toList();
  }
}
