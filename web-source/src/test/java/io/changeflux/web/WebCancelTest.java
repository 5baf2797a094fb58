package io.changeflux.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.web.TestHttpServer.Answer;
import java.io.File;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Cancel releases what a subscription opened: its thread, its server socket, its connections. */
class WebCancelTest {

  static long fds() {
    String[] l = new File("/proc/self/fd").list();
    return l == null ? 0 : l.length;
  }

  /** The threads subscriptions own (shared pools such as Reactor Netty's event loops are not theirs). */
  static List<String> ownThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .map(Thread::getName)
        .filter(n -> n.startsWith("changeflux-web-") || n.startsWith("changeflux-http-"))
        .collect(Collectors.toList());
  }

  void cycle(TestHttpServer s, int port, int i) {
    try (Web.Collector w = new Web.Collector("webhook://127.0.0.1:" + port + "/h?verify=none");
        Web.Collector p = new Web.Collector(s.base() + "/f?interval=20ms")) {
      assertThat(ownThreads()).isNotEmpty();
      assertThat(Web.post("http://127.0.0.1:" + port + "/h", new byte[] {(byte) i}).statusCode()).isEqualTo(200);
      assertThat(w.next().payload()).containsExactly((byte) i);
      p.next();
    }
  }

  @Test
  void webhookAndPollSubscriptionsLeaveNoThreadOrDescriptorBehind() throws Exception {
    AtomicInteger n = new AtomicInteger();
    try (TestHttpServer s = new TestHttpServer(r -> Answer.ok("v" + n.incrementAndGet()))) {
      int port = Web.freePort();
      // warm up the shared pools (Reactor Netty's event loops are made lazily, one per new channel)
      for (int i = 0; i < 4; i++) {
        cycle(s, port, i);
      }
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(ownThreads()).isEmpty());
      long fds = fds();
      for (int i = 0; i < 10; i++) {
        cycle(s, port, i);
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                assertThat(ownThreads()).as("threads of cancelled subscriptions").isEmpty();
                assertThat(fds()).as("open fds").isLessThanOrEqualTo(fds + 4);
              });
    }
  }
}
