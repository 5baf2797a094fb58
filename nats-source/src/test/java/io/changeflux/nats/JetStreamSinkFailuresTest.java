package io.changeflux.nats;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSinks;
import io.changeflux.ChangeSourceException;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * The JetStream sink against a real nats-server with a small {@code max_payload}, a user who may
 * not publish to a subject, and subjects bound to no stream or to another stream: each is a
 * permanent failure, so {@code publish()} fails with a {@link ChangeSourceException} naming it
 * (instead of retrying forever), and the failed event is not acknowledged.
 */
class JetStreamSinkFailuresTest {

  static final String ADMIN_PW = "adm1n-Pw";
  static final String LIMITED_PW = "l1m1ted-Pw";
  static final int MAX_PAYLOAD = 4096;

  static NatsServerProcess server;
  static Connection admin;

  @BeforeAll
  static void start() throws Exception {
    server =
        NatsServerProcess.start(
            true,
            "max_payload: " + MAX_PAYLOAD + "\n"
                + "authorization {\n"
                + "  users: [\n"
                + "    { user: admin, password: \"" + ADMIN_PW + "\" }\n"
                + "    { user: limited, password: \"" + LIMITED_PW + "\", permissions: { publish: { allow: [\"$JS.API.>\", \"_INBOX.>\", \"relay.allowed\"], deny: [\"relay.denied\"] } } }\n"
                + "  ]\n"
                + "}\n");
    admin =
        Nats.connect(
            new Options.Builder().server(server.url()).userInfo("admin".toCharArray(), ADMIN_PW.toCharArray()).build());
    JetStreamManagement jsm = admin.jetStreamManagement();
    jsm.addStream(StreamConfiguration.builder().name("DENIED").subjects("relay.denied").storageType(StorageType.Memory).build());
    jsm.addStream(StreamConfiguration.builder().name("ONLY").subjects("only.here").storageType(StorageType.Memory).build());
    jsm.addStream(StreamConfiguration.builder().name("OTHER").subjects("relay.other").storageType(StorageType.Memory).build());
  }

  @AfterAll
  static void stop() throws Exception {
    admin.close();
    server.close();
  }

  static String uri(String user, String password, String query) {
    return "nats://" + user + ":" + password + "@" + server.hostPort() + "?" + query;
  }

  static ChangeEvent event(String key, int payloadBytes, AtomicInteger acks) {
    return ChangeEvent.builder(ChangeKind.MODIFIED, key).payload(new byte[payloadBytes]).onAck(acks::incrementAndGet).build();
  }

  static void failsFor(String uri, ChangeEvent e, String... expected) {
    StepVerifier.create(ChangeSinks.open(uri).publish(Flux.just(e)))
        .expectErrorSatisfies(
            t -> {
              assertThat(t).isInstanceOf(ChangeSourceException.class);
              assertThat(t.getMessage()).contains(expected).doesNotContain(ADMIN_PW).doesNotContain(LIMITED_PW);
            })
        .verify(Duration.ofSeconds(60));
  }

  @Test
  void aPayloadOverMaxPayloadFailsPublishAndTheEventsBeforeItAreAcked() {
    AtomicInteger acks = new AtomicInteger();
    String to = uri("admin", ADMIN_PW, "subjects=relay.big&stream=BIG");
    StepVerifier.create(
            ChangeSinks.open(to).publish(Flux.just(event("small", 10, acks), event("huge", 2 * MAX_PAYLOAD, acks))))
        .expectErrorSatisfies(
            t -> {
              assertThat(t).isInstanceOf(ChangeSourceException.class);
              assertThat(t.getMessage()).contains("huge", "max_payload").doesNotContain(ADMIN_PW);
            })
        .verify(Duration.ofSeconds(60));
    assertThat(acks).as("only the small event was acknowledged").hasValue(1);
  }

  @Test
  void aUserWithoutPublishPermissionFailsPublish() {
    AtomicInteger acks = new AtomicInteger();
    failsFor(uri("limited", LIMITED_PW, "subjects=relay.denied&stream=DENIED&createStream=false"), event("k", 1, acks), "permission denied");
    assertThat(acks).hasValue(0);
  }

  @Test
  void aSubjectBoundToNoStreamFailsPublish() {
    AtomicInteger acks = new AtomicInteger();
    failsFor(uri("admin", ADMIN_PW, "subjects=relay.nostream&stream=ONLY&createStream=false"), event("k", 1, acks), "no stream is bound to subject 'relay.nostream'");
    assertThat(acks).hasValue(0);
  }

  @Test
  void aSubjectBoundToAnotherStreamFailsPublish() {
    AtomicInteger acks = new AtomicInteger();
    failsFor(uri("admin", ADMIN_PW, "subjects=relay.other&stream=ONLY&createStream=false"), event("k", 1, acks), "bound to another stream");
    assertThat(acks).hasValue(0);
  }

  @Test
  void theLimitedUserStillPublishesWhereAllowed() throws Exception {
    admin.jetStreamManagement().addStream(StreamConfiguration.builder().name("ALLOWED").subjects("relay.allowed").storageType(StorageType.Memory).build());
    AtomicInteger acks = new AtomicInteger();
    StepVerifier.create(
            ChangeSinks.open(uri("limited", LIMITED_PW, "subjects=relay.allowed&stream=ALLOWED&createStream=false"))
                .publish(Flux.just(event("a", 1, acks), event("b", 1, acks))))
        .verifyComplete();
    assertThat(acks).hasValue(2);
    assertThat(admin.jetStreamManagement().getStreamInfo("ALLOWED").getStreamState().getMsgCount()).isEqualTo(2);
  }
}
