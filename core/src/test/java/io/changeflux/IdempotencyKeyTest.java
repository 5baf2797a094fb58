package io.changeflux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The idempotency key: the same event (re-delivered: another time, count, path, acknowledgement
 * handle, other headers) gets the same key; a change of anything that tells changes apart gets
 * another one; arbitrary strings (with {@code / ? @ # % :} and non-ASCII) change nothing of that.
 */
class IdempotencyKeyTest {

  /** What an event is made of, before building it. */
  record Parts(String source, String key, ChangeKind kind, String sha, String id, String version, byte[] payload, Instant time) {
    ChangeEvent.Builder builder() {
      ChangeEvent.Builder b = ChangeEvent.builder(kind, key).source(source).time(time).payload(payload);
      if (sha != null) {
        b.sha(sha);
      }
      if (id != null) {
        b.header(IdempotencyKey.ID, id);
      }
      if (version != null) {
        b.header(IdempotencyKey.VERSION, version);
      }
      return b;
    }
  }

  @Provide
  Arbitrary<String> text() {
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars("/?@#%:&= abc.-_").ofMinLength(0).ofMaxLength(12),
        Arbitraries.strings().withChars("éß日本語💥\u0000\n\t/%").ofMinLength(0).ofMaxLength(8),
        Arbitraries.strings().ofMinLength(0).ofMaxLength(20));
  }

  @Provide
  Arbitrary<Parts> parts() {
    Arbitrary<String> opt = text().injectNull(0.4);
    Arbitrary<Instant> time = Arbitraries.longs().between(0, 4_000_000_000L).flatMap(s -> Arbitraries.integers().between(0, 999_999_999).map(n -> Instant.ofEpochSecond(s, n)));
    return Combinators.combine(
            text(),
            text(),
            Arbitraries.of(ChangeKind.class),
            Arbitraries.strings().withChars("0123456789abcdef").ofLength(64).injectNull(0.5),
            opt,
            opt,
            Arbitraries.bytes().array(byte[].class).ofMaxSize(16),
            time)
        .as(Parts::new);
  }

  @Property(tries = 300)
  void theSameEventReDeliveredGetsTheSameKey(@ForAll("parts") Parts p, @ForAll("text") String otherHeader) {
    ChangeEvent first = p.builder().build();
    ChangeEvent.Builder again = p.builder().count(7).path(Path.of("/elsewhere")).header("x-" + otherHeader.hashCode(), otherHeader).onAck(() -> { });
    if (p.id() != null || p.version() != null) {
      again.time(p.time().plusSeconds(3600)); // a re-delivery is observed later
    }
    assertThat(IdempotencyKey.of(again.build())).isEqualTo(IdempotencyKey.of(first));
    assertThat(IdempotencyKey.of(first)).matches("[0-9a-f]{32}");
  }

  @Property(tries = 300)
  void aDifferentChangeGetsAnotherKey(@ForAll("parts") Parts p, @ForAll("text") String other) {
    String k = IdempotencyKey.of(p.builder().build());
    String changed = p.key().equals(other) ? other + "x" : other;
    assertThat(IdempotencyKey.of(p.builder().key(changed).build())).as("key").isNotEqualTo(k);
    assertThat(IdempotencyKey.of(p.builder().source(p.source() + "/" + other).build())).as("source").isNotEqualTo(k);
    ChangeKind kind = ChangeKind.values()[(p.kind().ordinal() + 1) % ChangeKind.values().length];
    assertThat(IdempotencyKey.of(p.builder().kind(kind).build())).as("kind").isNotEqualTo(k);
    String sha = "f".repeat(64).equals(p.sha()) ? "e".repeat(64) : "f".repeat(64);
    assertThat(IdempotencyKey.of(p.builder().sha(sha).build())).as("sha").isNotEqualTo(k);
    if (p.id() != null) {
      assertThat(IdempotencyKey.of(p.builder().header(IdempotencyKey.ID, p.id() + "1").build())).as("id").isNotEqualTo(k);
    } else if (p.version() != null) {
      // a new modification time of the same file: a new change, even with the same content
      assertThat(IdempotencyKey.of(p.builder().header(IdempotencyKey.VERSION, p.version() + "1").build())).as("version").isNotEqualTo(k);
    } else {
      assertThat(IdempotencyKey.of(p.builder().time(p.time().plusNanos(1)).build())).as("time").isNotEqualTo(k);
    }
  }

  @Test
  void fieldsAreLengthPrefixedSoTheirBoundariesCannotShift() {
    ChangeEvent a = ChangeEvent.builder(ChangeKind.CREATED, "b/c").source("fs:/a").header(IdempotencyKey.VERSION, "1-2").build();
    ChangeEvent b = ChangeEvent.builder(ChangeKind.CREATED, "c").source("fs:/a/b/").header(IdempotencyKey.VERSION, "1-2").build();
    assertThat(IdempotencyKey.of(a)).isNotEqualTo(IdempotencyKey.of(b));
  }

  @Test
  void keysDifferingOnlyInAnUnpairedSurrogateGetDifferentKeys() {
    // UTF-8 turns every unpaired surrogate into '?': these three collided once
    Instant t = Instant.EPOCH;
    String a = IdempotencyKey.of(ChangeEvent.builder(ChangeKind.CREATED, "a\uD800b").time(t).build());
    String b = IdempotencyKey.of(ChangeEvent.builder(ChangeKind.CREATED, "a\uD801b").time(t).build());
    String q = IdempotencyKey.of(ChangeEvent.builder(ChangeKind.CREATED, "a?b").time(t).build());
    assertThat(a).isNotEqualTo(b).isNotEqualTo(q);
    assertThat(b).isNotEqualTo(q);
  }

  @Test
  void aWellFormedEventKeepsTheKeyItHadBefore() {
    // pinned: a relay upgraded across versions must not publish what it published before anew
    ChangeEvent e =
        ChangeEvent.builder(ChangeKind.MODIFIED, "src/\u00e9.txt").source("fs:/w").header("version", "1-2").build();
    assertThat(IdempotencyKey.of(e)).isEqualTo("3ecbf6ebf581d9319672e9e94c7c9266");
  }

  @Test
  void aBrokerIdWinsOverTheVersionAndTheTime() {
    ChangeEvent a = ChangeEvent.builder(ChangeKind.MODIFIED, "k").header("id", "7").header("version", "1-1").build();
    ChangeEvent b = a.toBuilder().header("version", "2-2").time(a.time().plusSeconds(1)).build();
    assertThat(IdempotencyKey.of(b)).isEqualTo(IdempotencyKey.of(a));
  }
}
