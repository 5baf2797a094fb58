package io.changeflux.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.IdempotencyKey;
import io.changeflux.testkit.HostileStrings;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Arbitrary keys, SHAs and header values ({@code / ? @ # % :}, non-ASCII, control characters)
 * survive the stream fields and the JSON envelope, and every entry carries the event's idempotency
 * key in the field {@code idem}.
 */
class EnvelopePropertyTest {

  @Provide
  Arbitrary<String> text() {
    return HostileStrings.text();
  }

  @Property(tries = 300)
  void keysAndHeadersSurviveAndTheEntryCarriesTheIdempotencyKey(
      @ForAll("text") String key, @ForAll("text") String value, @ForAll("text") String version, @ForAll ChangeKind kind)
      throws Exception {
    ChangeEvent e =
        ChangeEvent.builder(kind, key)
            .source("fs:/data?state=/var/lib/x")
            .sha(value)
            .header(value, value)
            .header(IdempotencyKey.VERSION, version)
            .payload(value.getBytes(StandardCharsets.UTF_8))
            .build();
    Map<String, byte[]> f = Envelope.toFields(e);
    assertThat(new String(f.get(Envelope.IDEM), StandardCharsets.UTF_8)).isEqualTo(IdempotencyKey.of(e));
    ChangeEvent back = Envelope.fromFields(f).source(e.source()).time(e.time()).build();
    assertThat(back.headers()).isEqualTo(e.headers());
    assertThat(back.sha()).isEqualTo(e.sha());
    assertThat(back.payload()).isEqualTo(e.payload());
    assertThat(back).isEqualTo(e);
    assertThat(IdempotencyKey.of(back)).isEqualTo(IdempotencyKey.of(e));
    ChangeEvent json = Envelope.fromJson(Envelope.toJson(e)).source(e.source()).time(e.time()).build();
    assertThat(json).isEqualTo(e);
  }
}
