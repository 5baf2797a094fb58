package io.changeflux.redis.internal;

import io.changeflux.SourceOptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvelopeTest {

  final ChangeEvent event =
      ChangeEvent.builder(ChangeKind.DELETED, "dir/ä b.txt")
          .sha("00ff")
          .header("x", "1")
          .header("quote\"d", "v\nnewline")
          .payload(new byte[] {0, (byte) 0xff, 10})
          .build();

  @Test
  void jsonRoundTripKeepsKindKeyShaHeadersPayload() throws Exception {
    byte[] json = Envelope.toJson(event);
    assertThat(new String(json, StandardCharsets.UTF_8)).startsWith("{\"changeflux\":1,");
    assertThat(Envelope.isJsonEnvelope(json)).isTrue();
    ChangeEvent back = Envelope.fromJson(json).time(event.time()).build();
    assertThat(back).isEqualTo(event);
  }

  @Test
  void fieldsRoundTripKeepsKindKeyShaHeadersPayload() throws Exception {
    Map<String, byte[]> f = Envelope.toFields(event);
    assertThat(Envelope.isFieldEnvelope(f)).isTrue();
    assertThat(Envelope.fromFields(f).time(event.time()).build()).isEqualTo(event);
  }

  @Test
  void onlyMessagesStartingWithTheMarkerAreEnvelopes() {
    assertThat(Envelope.isJsonEnvelope("{\"other\":1}".getBytes(StandardCharsets.UTF_8))).isFalse();
    assertThat(Envelope.isJsonEnvelope("hello".getBytes(StandardCharsets.UTF_8))).isFalse();
    assertThat(Envelope.isJsonEnvelope(new byte[0])).isFalse();
    assertThat(Envelope.isJsonEnvelope("  {\"changeflux\":1}".getBytes(StandardCharsets.UTF_8))).isTrue();
  }

  @Test
  void malformedEnvelopesSayWhatIsWrong() {
    assertThatThrownBy(() -> Envelope.fromJson("{\"changeflux\":1,\"kind\":\"MODIFIED\"}".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("missing 'key'");
    assertThatThrownBy(() -> Envelope.fromJson("{\"changeflux\":1,\"kind\":\"X\",\"key\":\"k\"}".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("bad kind 'X'");
    assertThatThrownBy(() -> Envelope.fromJson("{\"changeflux\":1,\"kind\":\"CREATED\",\"key\":\"k\",\"payload\":\"%%\"}".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("base64");
    assertThatThrownBy(() -> Envelope.fromJson("{\"changeflux\":1,".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("not valid JSON");
    Map<String, byte[]> f = new LinkedHashMap<>();
    f.put("changeflux", new byte[] {'1'});
    f.put("key", new byte[] {'k'});
    assertThatThrownBy(() -> Envelope.fromFields(f)).hasMessageContaining("missing field 'kind'");
  }

  @Test
  void rawStreamEntryIsModifiedWithFieldsAsHeaders() {
    Map<String, byte[]> f = new LinkedHashMap<>();
    f.put("payload", new byte[] {1, 2});
    f.put("user", "ada".getBytes(StandardCharsets.UTF_8));
    ChangeEvent e = Envelope.rawFields("orders", f).build();
    assertThat(e.kind()).isEqualTo(ChangeKind.MODIFIED);
    assertThat(e.key()).isEqualTo("orders");
    assertThat(e.payload()).containsExactly(1, 2);
    assertThat(e.headers()).containsExactly(Map.entry("user", "ada"));
  }

  @Test
  void keyspaceFlagsNeedKAndA() {
    assertThat(PubSubSession.missingFlags("")).isEqualTo("KA");
    assertThat(PubSubSession.missingFlags("KA")).isEmpty();
    assertThat(PubSubSession.missingFlags("AKE")).isEmpty();
    assertThat(PubSubSession.missingFlags("Kg$lshzxe")).isEmpty();
    assertThat(PubSubSession.missingFlags("Kg$")).isEqualTo("A");
    assertThat(PubSubSession.missingFlags("Ex")).isEqualTo("KA");
  }

  @Test
  void redactorRemovesUserInfoPasswordsAndLiteralSecrets() {
    SourceOptions r =
        RedisSettings.of(
                SourceOptions.parse("redis://u:s3cret@h:1?channels=a")
                    .validate(io.changeflux.ChangeSources.options(new io.changeflux.redis.RedisProvider())))
            .redactor();
    assertThat(r.scrub("connect redis://u:s3cret@h:1 failed")).doesNotContain("s3cret");
    assertThat(r.scrub("AUTH s3cret refused")).isEqualTo("AUTH *** refused");
    Throwable t = r.sanitize(new IllegalStateException("bad s3cret", new RuntimeException("x s3cret")));
    assertThat(String.valueOf(t)).doesNotContain("s3cret").contains("IllegalStateException");
    assertThat(String.valueOf(t.getCause())).doesNotContain("s3cret");
  }
}
