package io.changeflux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ChangeEventTest {

  private static final Instant T = Instant.parse("2026-01-02T03:04:05Z");

  @Test
  void eventsWithTheSameValuesAreEqual() {
    ChangeEvent a = full().build();
    ChangeEvent b = full().build();
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(full().sha("other").build());
    assertThat(a).isNotEqualTo(full().payload("x".getBytes(StandardCharsets.UTF_8)).build());
    assertThat(a).isNotEqualTo(full().count(2).build());
    assertThat(a).isNotEqualTo(full().header("h", "other").build());
    assertThat(a).isNotEqualTo(full().kind(ChangeKind.DELETED).build());
  }

  @Test
  void payloadIsCopiedInAndOut() {
    byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
    ChangeEvent e = full().payload(body).build();
    body[0] = 'j';
    assertThat(new String(e.payload(), StandardCharsets.UTF_8)).isEqualTo("hello");
    e.payload()[0] = 'y';
    assertThat(new String(e.payload(), StandardCharsets.UTF_8)).isEqualTo("hello");
    assertThat(e.payloadSize()).isEqualTo(5);
  }

  @Test
  void ofGivesDefaults() {
    ChangeEvent e = ChangeEvent.of(ChangeKind.CREATED, "a/b.txt");
    assertThat(e.key()).isEqualTo("a/b.txt");
    assertThat(e.kind()).isEqualTo(ChangeKind.CREATED);
    assertThat(e.source()).isEmpty();
    assertThat(e.path()).isEmpty();
    assertThat(e.sha()).isEmpty();
    assertThat(e.payload()).isEmpty();
    assertThat(e.headers()).isEmpty();
    assertThat(e.count()).isEqualTo(1);
    assertThat(e.time()).isNotNull();
    assertThat(e.acknowledgeable()).isFalse();
  }

  @Test
  void headersAreImmutable() {
    ChangeEvent e = full().build();
    assertThatThrownBy(() -> e.headers().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void countMustBePositive() {
    assertThatThrownBy(() -> full().count(0).build()).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void ackRunsEveryHandleAndIsNotPartOfTheValue() {
    AtomicInteger acks = new AtomicInteger();
    ChangeEvent a = full().onAck(acks::incrementAndGet).build();
    ChangeEvent merged = a.toBuilder().onAck(acks::incrementAndGet).build();
    assertThat(a).isEqualTo(full().build());
    assertThat(merged.acknowledgeable()).isTrue();
    merged.ack();
    assertThat(acks).hasValue(2);
    merged.ack();
    assertThat(acks).as("handles run once per event").hasValue(2);
  }

  @Test
  void toBuilderCopiesEverything() {
    ChangeEvent a = full().build();
    assertThat(a.toBuilder().build()).isEqualTo(a);
  }

  @Test
  void toStringShowsKindKeyAndSourceButNotThePayload() {
    ChangeEvent e = full().payload("secret body".getBytes(StandardCharsets.UTF_8)).build();
    assertThat(e.toString()).contains("MODIFIED", "src/A.java", "fs:/repo").doesNotContain("secret body");
  }

  private static ChangeEvent.Builder full() {
    return ChangeEvent.builder(ChangeKind.MODIFIED, "src/A.java")
        .source("fs:/repo")
        .time(T)
        .path(Path.of("/repo/src/A.java"))
        .sha("ab12")
        .header("h", "v")
        .count(1);
  }
}
