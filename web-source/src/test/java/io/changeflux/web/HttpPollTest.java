package io.changeflux.web;

import io.changeflux.testkit.LogCapture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.changeflux.web.TestHttpServer.Answer;
import io.changeflux.web.internal.Hmac;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** http: polling against a local server that counts requests and serves scripted answers. */
class HttpPollTest {

  @BeforeAll
  static void logs() {
    LogCapture.install();
  }

  static String sha(String s) {
    return Hmac.sha256Hex(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Serves {@code body} with an ETag; answers 304 to a matching If-None-Match. */
  static Answer etagged(TestHttpServer.Request r, String body) {
    String tag = "\"" + sha(body).substring(0, 16) + "\"";
    if (tag.equals(r.headers().getFirst("If-None-Match"))) {
      return Answer.status(304, "ETag", tag);
    }
    return Answer.ok(body, "ETag", tag);
  }

  @Test
  void notModifiedIsNoEventAndAChangedBodyIsModifiedWithItsSha() throws Exception {
    AtomicReference<String> body = new AtomicReference<>("{\"v\":1}");
    try (TestHttpServer s = new TestHttpServer(r -> etagged(r, body.get()));
        Web.Collector c = new Web.Collector(s.base() + "/thing?interval=50ms")) {
      await().atMost(Duration.ofSeconds(30)).until(() -> s.requests().size() >= 4);
      assertThat(c.events).isEmpty();
      // every poll after the first carried the validator
      List<TestHttpServer.Request> rs = s.requests();
      assertThat(rs.get(0).headers().getFirst("If-None-Match")).isNull();
      assertThat(rs.get(2).headers().getFirst("If-None-Match")).isEqualTo("\"" + sha("{\"v\":1}").substring(0, 16) + "\"");
      body.set("{\"v\":2}");
      ChangeEvent e = c.next();
      assertThat(e.kind()).isEqualTo(ChangeKind.MODIFIED);
      assertThat(e.key()).isEqualTo(s.base() + "/thing");
      assertThat(e.sha()).contains(sha("{\"v\":2}"));
      assertThat(e.payload()).isEqualTo("{\"v\":2}".getBytes(StandardCharsets.UTF_8));
      assertThat(e.headers()).containsKey("ETag");
      int before = s.requests().size();
      await().atMost(Duration.ofSeconds(30)).until(() -> s.requests().size() >= before + 3);
      assertThat(c.events).isEmpty();
    }
  }

  @Test
  void lastModifiedIsSentBackAsIfModifiedSince() {
    String lm = "Tue, 01 Dec 2026 10:00:00 GMT";
    try (TestHttpServer s =
            new TestHttpServer(r -> lm.equals(r.headers().getFirst("If-Modified-Since")) ? Answer.status(304) : Answer.ok("x", "Last-Modified", lm));
        Web.Collector c = new Web.Collector(s.base() + "/f?interval=50ms")) {
      await().atMost(Duration.ofSeconds(30)).until(() -> s.requests().size() >= 3);
      assertThat(s.requests().get(1).headers().getFirst("If-Modified-Since")).isEqualTo(lm);
      assertThat(c.events).isEmpty();
    }
  }

  @Test
  void etagIdMakesTheEtagTheSha() {
    AtomicInteger version = new AtomicInteger(1);
    try (TestHttpServer s = new TestHttpServer(r -> Answer.ok("same body", "ETag", "W/\"v" + version.get() + "\""));
        Web.Collector c = new Web.Collector(s.base() + "/f?interval=50ms&id=etag")) {
      await().atMost(Duration.ofSeconds(30)).until(() -> s.requests().size() >= 2);
      version.set(2);
      ChangeEvent e = c.next();
      assertThat(e.sha()).contains("W/\"v2\"");
    }
  }

  @Test
  void goneAfterContentIsDeletedAndBackIsCreated() {
    AtomicInteger status = new AtomicInteger(200);
    try (TestHttpServer s = new TestHttpServer(r -> status.get() == 200 ? Answer.ok("here") : Answer.status(status.get()));
        Web.Collector c = new Web.Collector(s.base() + "/f?interval=50ms")) {
      await().atMost(Duration.ofSeconds(30)).until(() -> s.requests().size() >= 2);
      status.set(404);
      assertThat(c.next().kind()).isEqualTo(ChangeKind.DELETED);
      status.set(200);
      ChangeEvent back = c.next();
      assertThat(back.kind()).isEqualTo(ChangeKind.CREATED);
      assertThat(back.sha()).contains(sha("here"));
      status.set(410);
      assertThat(c.next().kind()).isEqualTo(ChangeKind.DELETED);
    }
  }

  @Test
  void retryAfterOf429IsAFloorOnTheNextPoll() {
    AtomicInteger n = new AtomicInteger();
    try (TestHttpServer s =
            new TestHttpServer(r -> n.incrementAndGet() == 2 ? Answer.status(429, "Retry-After", "2") : Answer.ok("x"));
        Web.Collector c = new Web.Collector(s.base() + "/f?interval=50ms")) {
      await().atMost(Duration.ofSeconds(30)).until(() -> s.requests().size() >= 4);
      List<TestHttpServer.Request> rs = s.requests();
      long gap = rs.get(2).nanos() - rs.get(1).nanos();
      assertThat(Duration.ofNanos(gap)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
      assertThat(c.events).as("throttling is not an outage: no OVERFLOW").isEmpty();
    }
  }

  @Test
  void xPollIntervalIsAFloorOnEveryPoll() {
    try (TestHttpServer s = new TestHttpServer(r -> Answer.ok("x", "X-Poll-Interval", "1"));
        Web.Collector c = new Web.Collector(s.base() + "/f?interval=20ms")) {
      await().atMost(Duration.ofSeconds(30)).until(() -> s.requests().size() >= 3);
      List<TestHttpServer.Request> rs = s.requests();
      for (int i = 1; i < rs.size(); i++) {
        assertThat(Duration.ofNanos(rs.get(i).nanos() - rs.get(i - 1).nanos())).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
      }
    }
  }

  @Test
  void anOutageBacksOffAndEndsWithOverflowThenTheChange() {
    AtomicReference<String> mode = new AtomicReference<>("ok1");
    try (TestHttpServer s =
            new TestHttpServer(
                r -> switch (mode.get()) {
                  case "ok1" -> Answer.ok("one");
                  case "down" -> Answer.status(500);
                  default -> Answer.ok("two");
                });
        Web.Collector c = new Web.Collector(s.base() + "/f?interval=20ms&maxBackoff=400ms")) {
      await().atMost(Duration.ofSeconds(30)).until(() -> s.requests().size() >= 2);
      mode.set("down");
      int at = s.requests().size();
      await().atMost(Duration.ofSeconds(30)).until(() -> s.requests().size() >= at + 5);
      // backed off: the 5th failed poll waited longer than the interval (at least half of 1s base, jittered)
      List<TestHttpServer.Request> rs = s.requests();
      assertThat(Duration.ofNanos(rs.get(at + 4).nanos() - rs.get(at + 3).nanos())).isGreaterThanOrEqualTo(Duration.ofMillis(200));
      assertThat(c.events).isEmpty();
      mode.set("ok2");
      ChangeEvent overflow = c.next();
      assertThat(overflow.kind()).isEqualTo(ChangeKind.OVERFLOW);
      assertThat(overflow.headers()).containsEntry("reason", "outage");
      ChangeEvent changed = c.next();
      assertThat(changed.kind()).isEqualTo(ChangeKind.MODIFIED);
      assertThat(changed.sha()).contains(sha("two"));
      assertThat(c.error).isNull();
    }
  }

  @Test
  void selectWatchesOneFieldAndIdValueMakesItTheSha() throws Exception {
    AtomicReference<String> commit = new AtomicReference<>("aaaa");
    AtomicInteger noise = new AtomicInteger();
    try (TestHttpServer s =
            new TestHttpServer(
                r ->
                    Answer.ok(
                        "{\"ref\":\"refs/heads/main\",\"node\":" + noise.incrementAndGet() + ",\"object\":{\"sha\":\"" + commit.get() + "\",\"type\":\"commit\"}}"));
        Web.Collector c = new Web.Collector(s.base() + "/git/refs/heads/main?interval=20ms&select=/object/sha&id=value")) {
      await().atMost(Duration.ofSeconds(30)).until(() -> s.requests().size() >= 5);
      assertThat(c.events).as("other fields changed every poll").isEmpty();
      commit.set("bbbb");
      ChangeEvent e = c.next();
      assertThat(e.sha()).contains("bbbb");
      assertThat(e.payload()).isEqualTo("bbbb".getBytes(StandardCharsets.UTF_8));
      assertThat(c.events.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  @Test
  void malformedJsonWithSelectIsNoEventAndTheStreamLivesOn() {
    AtomicReference<String> body = new AtomicReference<>("{\"object\":{\"sha\":\"1\"}}");
    try (TestHttpServer s = new TestHttpServer(r -> Answer.ok(body.get()));
        Web.Collector c = new Web.Collector(s.base() + "/r?interval=20ms&select=/object/sha")) {
      await().atMost(Duration.ofSeconds(30)).until(() -> s.requests().size() >= 2);
      body.set("<html>oops / ? @ # % : \u00e9</html>");
      int at = s.requests().size();
      await().atMost(Duration.ofSeconds(30)).until(() -> s.requests().size() >= at + 3);
      assertThat(c.events).isEmpty();
      body.set("{\"object\":{\"sha\":\"2\"}}");
      assertThat(c.next().sha()).contains(sha("2"));
      assertThat(LogCapture.text()).contains("body is not JSON");
    }
  }

  @Test
  void authorizationIsSentAndNeverShown() {
    String token = "Bearer ghp_thisIsTheToken";
    try (TestHttpServer s = new TestHttpServer(r -> Answer.ok("x"));
        Web.Collector c = new Web.Collector(s.base() + "/f?interval=50ms&authorization=" + token.replace(" ", "%20") + "&accept=application/vnd.github%2Bjson")) {
      await().atMost(Duration.ofSeconds(30)).until(() -> s.requests().size() >= 1);
      assertThat(s.requests().get(0).headers().getFirst("Authorization")).isEqualTo(token);
      assertThat(s.requests().get(0).headers().getFirst("Accept")).isEqualTo("application/vnd.github+json");
      String shown = ChangeSources.open(s.base() + "/f?authorization=" + token.replace(" ", "%20")).toString();
      assertThat(shown).doesNotContain("ghp_").contains("authorization=***");
      assertThat(LogCapture.text()).doesNotContain("ghp_thisIsTheToken");
    }
    try (TestHttpServer s = new TestHttpServer(r -> Answer.ok("x"));
        Web.Collector c = new Web.Collector(s.base().replace("//", "//me:pa%40ss@") + "/f?interval=50ms")) {
      await().atMost(Duration.ofSeconds(30)).until(() -> s.requests().size() >= 1);
      assertThat(s.requests().get(0).headers().getFirst("Authorization"))
          .isEqualTo("Basic " + java.util.Base64.getEncoder().encodeToString("me:pa@ss".getBytes(StandardCharsets.UTF_8)));
    }
  }

  @Test
  void startupErrorsNameTheCulprit() {
    int closed = Web.freePort();
    assertThatThrownBy(() -> ChangeSources.open("http://127.0.0.1:" + closed + "/x?interval=1s").events().blockFirst(Duration.ofSeconds(30)))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("cannot connect");
    try (TestHttpServer s = new TestHttpServer(r -> Answer.status(401))) {
      assertThatThrownBy(() -> ChangeSources.open(s.base() + "/x?authorization=secretvalue").events().blockFirst(Duration.ofSeconds(30)))
          .isInstanceOf(ChangeSourceException.class)
          .hasMessageContaining("401")
          .hasMessageNotContaining("secretvalue");
    }
    assertThatThrownBy(() -> ChangeSources.open("http://127.0.0.1:1/x?select=object"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("'select'");
    assertThatThrownBy(() -> ChangeSources.open("http://127.0.0.1:1/x?id=value"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("'select'");
    assertThatThrownBy(() -> ChangeSources.open("http://127.0.0.1:1/x?interval=0s"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("'interval'");
  }
}
