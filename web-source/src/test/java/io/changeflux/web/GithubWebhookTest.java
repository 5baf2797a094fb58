package io.changeflux.web;

import io.changeflux.testkit.LogCapture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** webhook:?verify=github over real HTTP; curl and the JDK client send, openssl signs. */
class GithubWebhookTest {

  static final String SECRET = "It's a Secret to Everybody";
  static final String SHA = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c";

  @TempDir Path dir;

  @BeforeAll
  static void logs() {
    LogCapture.install();
  }

  static String push(String ref, String after, boolean deleted) {
    return "{\"ref\":\""
        + ref
        + "\",\"before\":\"6113728f27ae82c7b1a177c8d03f9e96e0adf246\",\"after\":\""
        + after
        + "\",\"created\":false,\"deleted\":"
        + deleted
        + ",\"repository\":{\"full_name\":\"octo/repo\"}}";
  }

  String uri(int port, String extra) {
    return "webhook://127.0.0.1:" + port + "/hooks/github?secret=" + SECRET.replace(" ", "%20").replace("'", "%27") + extra;
  }

  @Test
  void signedPushIsModifiedWithRefShaAndRawPayload() {
    int port = Web.freePort();
    try (Web.Collector c = new Web.Collector(uri(port, ""))) {
      String json = push("refs/heads/main", SHA, false);
      Path body = Web.file(dir, "push.json", json);
      String delivery = UUID.randomUUID().toString();
      String out =
          Web.curlPost(
              "http://127.0.0.1:" + port + "/hooks/github",
              body,
              "X-GitHub-Event: push",
              "X-GitHub-Delivery: " + delivery,
              "Content-Type: application/json",
              "X-Hub-Signature-256: " + Web.githubSignature(SECRET, body));
      assertThat(out).startsWith("200\n");
      ChangeEvent e = c.next();
      assertThat(e.kind()).isEqualTo(ChangeKind.MODIFIED);
      assertThat(e.key()).isEqualTo("refs/heads/main");
      assertThat(e.sha()).contains(SHA);
      assertThat(new String(e.payload(), StandardCharsets.UTF_8)).isEqualTo(json);
      assertThat(e.headers())
          .containsEntry("X-GitHub-Event", "push")
          .containsEntry("X-GitHub-Delivery", delivery)
          .containsEntry("id", delivery)
          .containsEntry("path", "/hooks/github");
      assertThat(e.source()).doesNotContain("Secret").contains("secret=***");
    }
  }

  @Test
  void branchDeletionIsDeleted() {
    int port = Web.freePort();
    try (Web.Collector c = new Web.Collector(uri(port, ""))) {
      Path body = Web.file(dir, "del.json", push("refs/heads/topic", "0000000000000000000000000000000000000000", true));
      String out =
          Web.curlPost(
              "http://127.0.0.1:" + port + "/hooks/github",
              body,
              "X-GitHub-Event: push",
              "X-GitHub-Delivery: " + UUID.randomUUID(),
              "X-Hub-Signature-256: " + Web.githubSignature(SECRET, body));
      assertThat(out).startsWith("200\n");
      ChangeEvent e = c.next();
      assertThat(e.kind()).isEqualTo(ChangeKind.DELETED);
      assertThat(e.key()).isEqualTo("refs/heads/topic");
      assertThat(e.sha()).isEmpty();
    }
  }

  @Test
  void pingIsAnsweredAndNotEmitted() throws Exception {
    int port = Web.freePort();
    try (Web.Collector c = new Web.Collector(uri(port, ""))) {
      Path ping = Web.file(dir, "ping.json", "{\"zen\":\"Keep it logically awesome.\",\"hook_id\":1}");
      String out =
          Web.curlPost(
              "http://127.0.0.1:" + port + "/hooks/github",
              ping,
              "X-GitHub-Event: ping",
              "X-GitHub-Delivery: " + UUID.randomUUID(),
              "X-Hub-Signature-256: " + Web.githubSignature(SECRET, ping));
      assertThat(out).startsWith("200\n");
      // a push after the ping is the first event: the ping emitted nothing
      Path body = Web.file(dir, "push.json", push("refs/heads/main", SHA, false));
      Web.curlPost(
          "http://127.0.0.1:" + port + "/hooks/github",
          body,
          "X-GitHub-Event: push",
          "X-Hub-Signature-256: " + Web.githubSignature(SECRET, body));
      assertThat(c.next().key()).isEqualTo("refs/heads/main");
      assertThat(c.events.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  @Test
  void badSignatureIs401WithoutEchoAndTheStreamLivesOn() throws Exception {
    int port = Web.freePort();
    try (Web.Collector c = new Web.Collector(uri(port, ""))) {
      String json = push("refs/heads/main", SHA, false);
      Path body = Web.file(dir, "push.json", json);
      String url = "http://127.0.0.1:" + port + "/hooks/github";
      String wrong = Web.githubSignature("not the secret", body);
      for (int i = 0; i < 3; i++) {
        String out = Web.curlPost(url, body, "X-GitHub-Event: push", "X-Hub-Signature-256: " + wrong);
        assertThat(out).startsWith("401\n").doesNotContain(SHA).doesNotContain("refs/heads").doesNotContain(SECRET);
      }
      assertThat(Web.curlPost(url, body, "X-GitHub-Event: push")).startsWith("401\n");
      assertThat(Web.curlPost(url, body, "X-GitHub-Event: push", "X-Hub-Signature-256: sha1=abc"))
          .startsWith("401\n");
      // the signature of a different body does not pass either
      Path other = Web.file(dir, "other.json", json + " ");
      assertThat(
              Web.curlPost(
                  url, body, "X-GitHub-Event: push", "X-Hub-Signature-256: " + Web.githubSignature(SECRET, other)))
          .startsWith("401\n");
      assertThat(c.events).isEmpty();
      String good = Web.curlPost(url, body, "X-GitHub-Event: push", "X-Hub-Signature-256: " + Web.githubSignature(SECRET, body));
      assertThat(good).startsWith("200\n");
      assertThat(c.next().sha()).contains(SHA);
      String log = LogCapture.text();
      assertThat(log).contains("refused unverified so far").doesNotContain(SECRET);
      // six refusals, one log line: at most once a minute
      long lines =
          log.lines().filter(l -> l.contains(":" + port + "/") && l.contains("refused unverified so far")).count();
      assertThat(lines).isEqualTo(1);
    }
  }

  @Test
  void wrongMethodUnknownPathAndOversizeBodyAreRefused() throws Exception {
    int port = Web.freePort();
    try (Web.Collector c = new Web.Collector(uri(port, "&maxBody=1000"))) {
      String url = "http://127.0.0.1:" + port + "/hooks/github";
      HttpResponse<String> get =
          Web.CLIENT.send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(get.statusCode()).isEqualTo(405);
      assertThat(get.headers().firstValue("Allow")).contains("POST");
      assertThat(Web.post("http://127.0.0.1:" + port + "/elsewhere", new byte[1]).statusCode()).isEqualTo(404);
      Path big = Web.file(dir, "big.json", "{\"ref\":\"" + "x".repeat(2000) + "\"}");
      String sig = Web.githubSignature(SECRET, big);
      assertThat(Web.curlPost(url, big, "X-GitHub-Event: push", "X-Hub-Signature-256: " + sig)).startsWith("413\n");
      // chunked: no Content-Length, the limit applies while reading
      assertThat(
              Web.curlPost(
                  url, big, "X-GitHub-Event: push", "Transfer-Encoding: chunked", "X-Hub-Signature-256: " + sig))
          .startsWith("413\n");
      assertThat(c.events).isEmpty();
      Path ok = Web.file(dir, "ok.json", push("refs/heads/main", SHA, false));
      assertThat(Web.curlPost(url, ok, "X-GitHub-Event: push", "X-Hub-Signature-256: " + Web.githubSignature(SECRET, ok)))
          .startsWith("200\n");
      assertThat(c.next().key()).isEqualTo("refs/heads/main");
    }
  }

  @Test
  void redeliveryOfOneDeliveryIdIsOneEvent() throws Exception {
    int port = Web.freePort();
    try (Web.Collector c = new Web.Collector(uri(port, ""))) {
      Path body = Web.file(dir, "push.json", push("refs/heads/main", SHA, false));
      String sig = Web.githubSignature(SECRET, body);
      String id = UUID.randomUUID().toString();
      String url = "http://127.0.0.1:" + port + "/hooks/github";
      for (int i = 0; i < 3; i++) {
        assertThat(Web.curlPost(url, body, "X-GitHub-Event: push", "X-GitHub-Delivery: " + id, "X-Hub-Signature-256: " + sig))
            .startsWith("200\n");
      }
      assertThat(Web.curlPost(url, body, "X-GitHub-Event: push", "X-GitHub-Delivery: other", "X-Hub-Signature-256: " + sig))
          .startsWith("200\n");
      assertThat(c.next().headers()).containsEntry("id", id);
      assertThat(c.next().headers()).containsEntry("id", "other");
      assertThat(c.events.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  @Test
  void malformedJsonIsPassedOnRawAndTheStreamLivesOn() {
    int port = Web.freePort();
    try (Web.Collector c = new Web.Collector(uri(port, ""))) {
      String url = "http://127.0.0.1:" + port + "/hooks/github";
      Path bad = Web.file(dir, "bad.json", "{not json \u00e9 / ? @ # % :");
      assertThat(Web.curlPost(url, bad, "X-GitHub-Event: push", "X-Hub-Signature-256: " + Web.githubSignature(SECRET, bad)))
          .startsWith("200\n");
      ChangeEvent e = c.next();
      assertThat(e.key()).isEqualTo("push");
      assertThat(new String(e.payload(), StandardCharsets.UTF_8)).isEqualTo("{not json \u00e9 / ? @ # % :");
      Path ok = Web.file(dir, "ok.json", push("refs/heads/main", SHA, false));
      Web.curlPost(url, ok, "X-GitHub-Event: push", "X-Hub-Signature-256: " + Web.githubSignature(SECRET, ok));
      assertThat(c.next().key()).isEqualTo("refs/heads/main");
      assertThat(c.error).isNull();
    }
  }

  @Test
  void otherEventsAreKeyedByEventName() {
    int port = Web.freePort();
    try (Web.Collector c = new Web.Collector(uri(port, "&paths=/hooks/other"))) {
      Path body = Web.file(dir, "pr.json", "{\"action\":\"opened\",\"number\":1}");
      String sig = Web.githubSignature(SECRET, body);
      assertThat(Web.curlPost("http://127.0.0.1:" + port + "/hooks/other", body, "X-GitHub-Event: pull_request", "X-Hub-Signature-256: " + sig))
          .startsWith("200\n");
      ChangeEvent e = c.next();
      assertThat(e.key()).isEqualTo("pull_request");
      assertThat(e.headers()).containsEntry("path", "/hooks/other");
    }
  }

  @Test
  void missingSecretIsAStartupErrorNamingTheKey() {
    assertThatThrownBy(() -> ChangeSources.open("webhook://127.0.0.1:" + Web.freePort() + "/h?verify=github"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("'secret'")
        .satisfies(t -> assertThat(((ChangeSourceException) t).option()).contains("secret"));
    assertThatThrownBy(() -> ChangeSources.open("webhook://127.0.0.1:" + Web.freePort() + "/h?verify=standard&secret=not%20base64!"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("'secret'")
        .hasMessageNotContaining("not base64!");
  }

  @Test
  void verifyNoneOnlyOnLoopbackUnlessInsecure() {
    assertThatThrownBy(() -> ChangeSources.open("webhook://0.0.0.0:" + Web.freePort() + "/h?verify=none"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("insecure=true");
    ChangeSources.open("webhook://0.0.0.0:" + Web.freePort() + "/h?verify=none&insecure=true");
    int port = Web.freePort();
    try (Web.Collector c = new Web.Collector("webhook://127.0.0.1:" + port + "/h?verify=none")) {
      assertThat(Web.post("http://127.0.0.1:" + port + "/h", "hello".getBytes(StandardCharsets.UTF_8)).statusCode())
          .isEqualTo(200);
      ChangeEvent e = c.next();
      assertThat(e.key()).isEqualTo("/h");
      assertThat(e.payload()).isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void aTakenPortIsAStartupErrorAndCancelReleasesThePort() {
    int port = Web.freePort();
    String uri = "webhook://127.0.0.1:" + port + "/h?verify=none";
    try (Web.Collector c = new Web.Collector(uri)) {
      Throwable err =
          ChangeSources.open(uri).events().take(Duration.ofSeconds(30)).then().onErrorResume(t -> reactor.core.publisher.Mono.error(t))
              .map(x -> (Throwable) null).onErrorResume(t -> reactor.core.publisher.Mono.just(t)).block();
      assertThat(err).isInstanceOf(ChangeSourceException.class).hasMessageContaining("cannot listen on 127.0.0.1:" + port);
    }
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      try (Web.Collector again = new Web.Collector(uri)) {
        assertThat(Web.post("http://127.0.0.1:" + port + "/h", new byte[] {1}).statusCode()).isEqualTo(200);
        assertThat(again.next().payload()).containsExactly(1);
      }
    });
  }
}
