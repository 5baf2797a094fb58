package io.changeflux.nats.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.IdempotencyKey;
import io.changeflux.testkit.HostileStrings;
import io.nats.client.impl.NatsMessage;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Arbitrary keys, SHAs and header values ({@code / ? @ # % :}, non-ASCII, control characters)
 * survive the NATS header encoding, and every message carries the event's idempotency key as
 * {@code Nats-Msg-Id}.
 */
class CodecPropertyTest {

  @Provide
  Arbitrary<String> text() {
    return HostileStrings.text();
  }

  @Property(tries = 300)
  void keysAndHeadersSurviveAndTheMessageIdIsTheIdempotencyKey(
      @ForAll("text") String key, @ForAll("text") String value, @ForAll("text") String version, @ForAll ChangeKind kind) {
    ChangeEvent e =
        ChangeEvent.builder(kind, key)
            .source("fs:/data?state=/var/lib/x")
            .sha("<" + value + ">")
            .header("note", value)
            .header(IdempotencyKey.VERSION, version)
            .payload(value.getBytes(java.nio.charset.StandardCharsets.UTF_8))
            .build();
    NatsMessage m = Codec.encode(e, "chg.files");
    assertThat(m.getHeaders().getFirst(Codec.MSG_ID)).isEqualTo(IdempotencyKey.of(e));
    List<String> malformed = new ArrayList<>();
    ChangeEvent back = Codec.decode(m, "nats://h?subjects=chg.files", malformed::add).build();
    assertThat(malformed).isEmpty();
    assertThat(back.key()).isEqualTo(key);
    assertThat(back.kind()).isEqualTo(kind);
    assertThat(back.sha()).contains("<" + value + ">");
    assertThat(back.headers()).containsEntry("note", value).containsEntry(IdempotencyKey.VERSION, version);
    assertThat(back.payload()).isEqualTo(e.payload());
    // A relay re-publishing the decoded event keeps the version, so its key is stable too.
    assertThat(IdempotencyKey.of(back)).isEqualTo(IdempotencyKey.of(back.toBuilder().time(back.time().plusSeconds(9)).build()));
  }
}
