package io.changeflux.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.web.internal.Hmac;
import io.changeflux.web.internal.StandardVerifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * webhook:?verify=standard. The vector (secret, id, timestamp, payload, signature) is the one the
 * Standard Webhooks reference libraries test against (libraries/java WebhookTest
 * verifyWebhookSignWorks in standard-webhooks/standard-webhooks); signatures sent over HTTP are
 * computed by openssl.
 */
class StandardWebhookTest {

  static final String VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  static final String VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  static final long VECTOR_TS = 1614265330;
  static final String VECTOR_PAYLOAD = "{\"test\": 2432232314}";
  static final String VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

  @TempDir Path dir;

  static java.util.function.Function<String, String> headers(Map<String, String> m) {
    return name -> m.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst().orElse(null);
  }

  @Test
  void publishedVectorSignsAndVerifies() {
    StandardVerifier v = new StandardVerifier(VECTOR_SECRET, Duration.ofMinutes(5));
    byte[] body = VECTOR_PAYLOAD.getBytes(StandardCharsets.UTF_8);
    assertThat(v.sign(VECTOR_ID, VECTOR_TS, body)).isEqualTo(VECTOR_SIGNATURE);
    Map<String, String> h =
        Map.of("webhook-id", VECTOR_ID, "webhook-timestamp", Long.toString(VECTOR_TS), "webhook-signature", VECTOR_SIGNATURE);
    assertThat(v.check(headers(h), body, VECTOR_TS)).isNull();
    // the prefix is optional
    assertThat(new StandardVerifier("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Duration.ofMinutes(5)).check(headers(h), body, VECTOR_TS)).isNull();
    // several signatures, other versions ignored, one valid is enough (secret rotation)
    String many = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= " + VECTOR_SIGNATURE + " v1,garbage!";
    assertThat(v.check(headers(Map.of("webhook-id", VECTOR_ID, "webhook-timestamp", "" + VECTOR_TS, "webhook-signature", many)), body, VECTOR_TS)).isNull();
    // within tolerance both ways; past it refused (replay)
    assertThat(v.check(headers(h), body, VECTOR_TS + 300)).isNull();
    assertThat(v.check(headers(h), body, VECTOR_TS - 300)).isNull();
    assertThat(v.check(headers(h), body, VECTOR_TS + 301)).contains("tolerance");
    assertThat(v.check(headers(h), body, VECTOR_TS - 301)).contains("tolerance");
    // a changed id, timestamp or body breaks it
    assertThat(v.check(headers(Map.of("webhook-id", "msg_other", "webhook-timestamp", "" + VECTOR_TS, "webhook-signature", VECTOR_SIGNATURE)), body, VECTOR_TS)).isEqualTo("signature mismatch");
    assertThat(v.check(headers(h), "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8), VECTOR_TS)).isEqualTo("signature mismatch");
    assertThat(v.check(headers(Map.of("webhook-id", VECTOR_ID, "webhook-timestamp", "" + VECTOR_TS, "webhook-signature", "v2," + VECTOR_SIGNATURE.substring(3))), body, VECTOR_TS)).isEqualTo("signature mismatch");
    assertThat(v.check(headers(Map.of("webhook-id", VECTOR_ID, "webhook-signature", VECTOR_SIGNATURE)), body, VECTOR_TS)).contains("webhook-timestamp");
    assertThat(v.check(headers(Map.of("webhook-id", VECTOR_ID, "webhook-timestamp", "soon", "webhook-signature", VECTOR_SIGNATURE)), body, VECTOR_TS)).contains("not a number");
  }

  /** {@code v1,BASE64} computed by openssl from the base64 secret. */
  String opensslSign(String secret, String id, long ts, String body) {
    byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
    Path msg = Web.file(dir, "msg-" + System.nanoTime(), id + "." + ts + "." + body);
    Path bin = dir.resolve("mac-" + System.nanoTime());
    Web.run(msg, "openssl", "dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:" + Hmac.hex(key), "-binary", "-out", bin.toString());
    return "v1," + Web.run(bin, "base64", "-w0").trim();
  }

  @Test
  void opensslAgreesWithThePublishedVector() {
    assertThat(opensslSign(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_PAYLOAD)).isEqualTo(VECTOR_SIGNATURE);
  }

  @Test
  void signedRequestOverHttpIsAnEventKeyedByType() throws Exception {
    int port = Web.freePort();
    String secret = "whsec_" + Base64.getEncoder().encodeToString("a key of thirty-two random bytes".getBytes(StandardCharsets.UTF_8));
    String uri = "webhook://127.0.0.1:" + port + "/hooks?verify=standard&secret=" + java.net.URLEncoder.encode(secret, StandardCharsets.UTF_8);
    try (Web.Collector c = new Web.Collector(uri)) {
      String url = "http://127.0.0.1:" + port + "/hooks";
      long now = System.currentTimeMillis() / 1000;
      String json = "{\"type\":\"invoice.paid\",\"timestamp\":\"2026-12-01T00:00:00Z\",\"data\":{\"id\":\"in_1\"}}";
      Path body = Web.file(dir, "body.json", json);
      String sig = opensslSign(secret, "msg_1", now, json);
      assertThat(Web.curlPost(url, body, "webhook-id: msg_1", "webhook-timestamp: " + now, "webhook-signature: v1,AAAA " + sig))
          .startsWith("200\n");
      ChangeEvent e = c.next();
      assertThat(e.kind()).isEqualTo(ChangeKind.MODIFIED);
      assertThat(e.key()).isEqualTo("invoice.paid");
      assertThat(e.headers()).containsEntry("webhook-id", "msg_1").containsEntry("id", "msg_1");
      assertThat(new String(e.payload(), StandardCharsets.UTF_8)).isEqualTo(json);
      // replay of the same message: answered, not emitted twice
      assertThat(Web.curlPost(url, body, "webhook-id: msg_1", "webhook-timestamp: " + now, "webhook-signature: " + sig))
          .startsWith("200\n");
      // a stale timestamp (replayed after 10 minutes) is refused, even correctly signed
      long stale = now - 600;
      String staleSig = opensslSign(secret, "msg_2", stale, json);
      assertThat(Web.curlPost(url, body, "webhook-id: msg_2", "webhook-timestamp: " + stale, "webhook-signature: " + staleSig))
          .startsWith("401\n");
      // a GitHub header does not turn a standard source into a GitHub one
      assertThat(Web.curlPost(url, body, "X-GitHub-Event: ping", "webhook-id: msg_3", "webhook-timestamp: " + now, "webhook-signature: " + opensslSign(secret, "msg_3", now, json)))
          .startsWith("200\n");
      assertThat(c.next().headers()).containsEntry("id", "msg_3");
      // malformed JSON passes as raw payload keyed by path
      Path bad = Web.file(dir, "bad", "not json");
      assertThat(Web.curlPost(url, bad, "webhook-id: msg_4", "webhook-timestamp: " + now, "webhook-signature: " + opensslSign(secret, "msg_4", now, "not json")))
          .startsWith("200\n");
      ChangeEvent raw = c.next();
      assertThat(raw.key()).isEqualTo("/hooks");
      assertThat(raw.payload()).isEqualTo("not json".getBytes(StandardCharsets.UTF_8));
      assertThat(c.events.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }
  }
}
