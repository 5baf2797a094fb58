package io.changeflux.nats.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The sorting of publish failures, for the kinds a test server cannot produce on demand. */
class PublishFailuresTest {

  static PublishFailures.Verdict sort(Throwable t, String violation, Boolean bound) {
    return PublishFailures.classify(t, "relay.x", violation, () -> bound);
  }

  @Test
  void ioTimeoutsAndNotConnectedAreTransient() {
    assertThat(sort(new IOException("broken pipe"), null, true).permanent).isFalse();
    assertThat(sort(new CancellationException("Future cancelled"), null, true).kind).isEqualTo("timeout");
    assertThat(sort(new CompletionException(new TimeoutException("t")), null, true).permanent).isFalse();
    assertThat(sort(new IllegalStateException("Output queue is full"), null, true).kind).isEqualTo("connection");
  }

  @Test
  void noRespondersIsPermanentOnlyWhenTheServerSaysNoStreamHoldsTheSubject() {
    IOException noResponders = new IOException("Error Publishing: 503 No Responders Available For Request");
    assertThat(sort(new RuntimeException(noResponders), null, false).permanent).isTrue();
    assertThat(sort(noResponders, null, true).permanent).isFalse();
    assertThat(sort(noResponders, null, null).permanent).as("cannot tell: retry").isFalse();
  }

  @Test
  void theStreamBindingIsAskedOnlyForNoResponders() {
    AtomicInteger asked = new AtomicInteger();
    PublishFailures.classify(new IOException("reset"), "s", null, () -> { asked.incrementAndGet(); return false; });
    PublishFailures.classify(new CancellationException(), "s", null, () -> { asked.incrementAndGet(); return false; });
    assertThat(asked).hasValue(0);
  }

  @Test
  void aReportedPermissionsViolationTurnsATimeoutPermanent() {
    String v = "Permissions Violation for Publish to \"relay.x\"";
    assertThat(PublishFailures.deniesPublishing(v, "relay.x")).isTrue();
    assertThat(PublishFailures.deniesPublishing(v, "relay")).isFalse();
    assertThat(PublishFailures.deniesPublishing("Permissions Violation for Publish to \"relay.y\"", "relay.x")).isFalse();
    assertThat(PublishFailures.deniesPublishing("Stale Connection", "relay.x")).isFalse();
    assertThat(sort(new CancellationException(), v, true).kind).isEqualTo("permission denied");
    assertThat(sort(new CancellationException(), v, true).permanent).isTrue();
  }

  @Test
  void oversizedPayloadsAndStreamMismatchesArePermanent() {
    assertThat(sort(new IllegalArgumentException("Message payload size exceed server configuration 10 vs 4096"), null, true).kind)
        .isEqualTo("payload over the server's max_payload");
    assertThat(sort(new IOException("Expected ack from stream S, received from: T"), null, true).permanent).isTrue();
    assertThat(sort(new NullPointerException("bug"), null, true).permanent).isTrue();
  }
}
