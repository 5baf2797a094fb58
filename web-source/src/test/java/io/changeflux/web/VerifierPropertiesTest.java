package io.changeflux.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.web.internal.GithubVerifier;
import io.changeflux.web.internal.Hmac;
import io.changeflux.web.internal.StandardVerifier;
import io.changeflux.web.internal.WebhookEvents;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Arbitrary bodies, secrets and header values: verifiers never throw, only the right signature passes. */
class VerifierPropertiesTest {

  @Provide
  Arbitrary<String> anyText() {
    // every character class: controls, / ? @ # % :, quotes, non-ASCII, surrogates in pairs
    return Arbitraries.strings().all().ofMaxLength(200);
  }

  @Provide
  Arbitrary<byte[]> anyBytes() {
    return Arbitraries.bytes().list().ofMaxSize(2000).map(VerifierPropertiesTest::toArray);
  }

  static byte[] toArray(java.util.List<Byte> l) {
    byte[] b = new byte[l.size()];
    for (int i = 0; i < b.length; i++) {
      b[i] = l.get(i);
    }
    return b;
  }

  static Function<String, String> headers(Map<String, String> m) {
    return name -> m.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst().orElse(null);
  }

  @Property(tries = 300)
  void githubAcceptsItsOwnSignatureAndNothingElse(
      @ForAll("anyText") String secret, @ForAll("anyBytes") byte[] body, @ForAll("anyText") String junk) {
    if (secret.isEmpty()) {
      return; // refused at configuration (the provider names option 'secret')
    }
    GithubVerifier v = new GithubVerifier(secret);
    String sig = "sha256=" + Hmac.hex(Hmac.sha256(secret.getBytes(StandardCharsets.UTF_8), body));
    assertThat(v.check(headers(Map.of("X-Hub-Signature-256", sig)), body, 0)).isNull();
    String why = v.check(headers(Map.of("X-Hub-Signature-256", junk)), body, 0);
    if (!junk.trim().equals(sig)) {
      assertThat(why).isNotNull();
      if (secret.length() >= 8) { // the fixed reasons contain short strings by chance
        assertThat(why).doesNotContain(secret);
      }
    }
    byte[] other = java.util.Arrays.copyOf(body, body.length + 1);
    assertThat(v.check(headers(Map.of("X-Hub-Signature-256", sig)), other, 0)).isEqualTo("signature mismatch");
  }

  @Property(tries = 300)
  void standardAcceptsItsOwnSignatureAndNothingElse(
      @ForAll("anyBytes") byte[] key, @ForAll("anyText") String id, @ForAll("anyBytes") byte[] body, @ForAll("anyText") String junk) {
    if (key.length == 0) {
      return;
    }
    StandardVerifier v = new StandardVerifier("whsec_" + Base64.getEncoder().encodeToString(key), Duration.ofMinutes(5));
    long now = 1_700_000_000L;
    String sig = v.sign(id, now, body);
    Map<String, String> h = Map.of("webhook-id", id, "webhook-timestamp", Long.toString(now), "webhook-signature", sig);
    assertThat(v.check(headers(h), body, now)).isNull();
    Map<String, String> bad = Map.of("webhook-id", id, "webhook-timestamp", Long.toString(now), "webhook-signature", junk);
    String why = v.check(headers(bad), body, now);
    if (!junk.contains(sig.substring(3))) {
      assertThat(why).isNotNull();
    }
    Map<String, String> junkTs = Map.of("webhook-id", id, "webhook-timestamp", junk, "webhook-signature", sig);
    String whyTs = v.check(headers(junkTs), body, now);
    if (!junk.trim().equals(Long.toString(now))) {
      assertThat(whyTs).isNotNull();
    }
  }

  @Property(tries = 300)
  void anyBodyMapsToAnEventWithTheRawPayload(
      @ForAll("anyBytes") byte[] body, @ForAll("anyText") String path, @ForAll boolean github, @ForAll boolean standard) {
    WebhookEvents.Mapped m = WebhookEvents.map("webhook://x", "/" + path, github ? "push" : null, "id", standard, body);
    assertThat(m.event.payload()).isEqualTo(body);
    assertThat(m.event.key()).isNotNull();
  }
}
