package io.changeflux.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.nats.client.NKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/** Token, user/password and TLS (certificates made with openssl at test time). */
class NatsAuthTest {

  static final String TOKEN = "s3cr3t-t0ken";
  static final String PASSWORD = "alice-pw-1";

  @TempDir static Path certs;
  static NatsServerProcess tokenServer;
  static NatsServerProcess userServer;
  static NatsServerProcess tlsServer;

  @BeforeAll
  static void start() throws Exception {
    tokenServer = NatsServerProcess.start(false, "authorization { token: \"" + TOKEN + "\" }");
    userServer =
        NatsServerProcess.start(
            false, "authorization { users: [ { user: alice, password: \"" + PASSWORD + "\" } ] }");
    makeCertificates(certs);
    tlsServer =
        NatsServerProcess.start(
            false,
            "tls {\n  cert_file: \"" + certs.resolve("server.pem") + "\"\n  key_file: \""
                + certs.resolve("server.key") + "\"\n  ca_file: \"" + certs.resolve("ca.pem")
                + "\"\n  verify: true\n  timeout: 2\n}\n");
  }

  @AfterAll
  static void stop() {
    tokenServer.close();
    userServer.close();
    tlsServer.close();
  }

  static void openssl(Path dir, String... args) throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("openssl %s: %s", cmd, out).isZero();
  }

  static void makeCertificates(Path d) throws Exception {
    openssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=changeflux-test-ca");
    for (String who : List.of("server", "client", "stranger")) {
      openssl(d, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", who + ".key", "-out", who + ".csr", "-subj", "/CN=" + who);
    }
    Files.writeString(d.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
    Files.writeString(d.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
    openssl(d, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext");
    openssl(d, "x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.pem", "-days", "2", "-extfile", "client.ext");
    // A self-signed certificate the server does not trust.
    openssl(d, "x509", "-req", "-in", "stranger.csr", "-signkey", "stranger.key", "-out", "stranger.pem", "-days", "2", "-extfile", "client.ext");
  }

  /** Subscribes, publishes one event with a NatsSink on {@code sinkUri}, and expects it back. */
  static List<ChangeEvent> roundTrip(String sourceUri, String sinkUri) throws Exception {
    try (Subscriptions s = Subscriptions.subscribe(sourceUri)) {
      NatsSink.of(sinkUri).publish(Flux.just(ChangeEvent.of(ChangeKind.CREATED, "secure/file"))).block(Duration.ofSeconds(20));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(s.keys()).containsExactly("secure/file"));
      return s.events;
    }
  }

  /** The start-up error of {@code uri}, which must not show {@code secret}. */
  static Throwable failure(String uri, String... secrets) {
    AtomicReference<Throwable> error = new AtomicReference<>();
    Disposable d = ChangeSources.open(uri).events().subscribe(e -> {}, error::set);
    try {
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(error.get()).isNotNull());
    } finally {
      d.dispose();
    }
    Throwable t = error.get();
    assertThat(t).isInstanceOf(ChangeSourceException.class);
    java.io.StringWriter trace = new java.io.StringWriter();
    t.printStackTrace(new java.io.PrintWriter(trace));
    for (String secret : secrets) {
      assertThat(trace.toString()).doesNotContain(secret);
    }
    return t;
  }

  @Test
  void tokenInTheUriAuthenticates() throws Exception {
    String uri = "nats://" + TOKEN + "@" + tokenServer.hostPort() + "?subjects=t";
    roundTrip(uri, uri);
  }

  @Test
  void tokenOptionAuthenticatesAndIsNeverShown() throws Exception {
    String uri = tokenServer.url() + "?subjects=t&token=" + TOKEN;
    List<ChangeEvent> got = roundTrip(uri, uri);
    assertThat(got.get(0).source()).isEqualTo(tokenServer.url() + "?subjects=t&token=***");
    assertThat(got.get(0).toString()).doesNotContain(TOKEN);
    assertThat(NatsSink.of(uri).toString()).doesNotContain(TOKEN);
  }

  @Test
  void credsFileWithAnNKeySeedAuthenticates(@TempDir Path dir) throws Exception {
    NKey user = NKey.createUser(null);
    Path creds = dir.resolve("user.creds");
    // A creds file: the JWT block (unused by a server that authenticates the nkey alone), the seed.
    Files.writeString(
        creds,
        "-----BEGIN NATS USER JWT-----\nnone\n------END NATS USER JWT------\n\n"
            + "-----BEGIN USER NKEY SEED-----\n" + new String(user.getSeed()) + "\n------END USER NKEY SEED------\n");
    try (NatsServerProcess nkeyServer =
        NatsServerProcess.start(false, "authorization { users: [ { nkey: " + new String(user.getPublicKey()) + " } ] }")) {
      String uri = nkeyServer.url() + "?subjects=c&creds=" + creds;
      List<ChangeEvent> got = roundTrip(uri, uri);
      assertThat(got.get(0).source()).doesNotContain(creds.toString());
      failure(nkeyServer.url() + "?subjects=c"); // no creds: refused
    }
  }

  @Test
  void wrongTokenFailsAtStartWithoutPrintingIt() {
    Throwable t = failure("nats://wr0ng-t0ken@" + tokenServer.hostPort() + "?subjects=t", "wr0ng-t0ken", TOKEN);
    assertThat(t.getMessage()).startsWith("nats://***@" + tokenServer.hostPort()).containsIgnoringCase("author");
  }

  @Test
  void userAndPasswordAuthenticate() throws Exception {
    String uri = "nats://alice:" + PASSWORD + "@" + userServer.hostPort() + "?subjects=u";
    roundTrip(uri, uri);
  }

  @Test
  void wrongPasswordFailsAtStartWithoutPrintingIt() {
    Throwable t = failure("nats://alice:n0pe-pw@" + userServer.hostPort() + "?subjects=u", "n0pe-pw", PASSWORD);
    assertThat(t.getMessage()).startsWith("nats://alice:***@" + userServer.hostPort());
  }

  @Test
  void tlsWithCaAndClientCertificateDelivers() throws Exception {
    String uri =
        "tls://" + tlsServer.hostPort() + "?subjects=sec&tlsCa=" + certs.resolve("ca.pem") + "&tlsCert="
            + certs.resolve("client.pem") + "&tlsKey=" + certs.resolve("client.key");
    roundTrip(uri, uri);
  }

  @Test
  void tlsWithoutClientCertificateIsRefused() {
    Throwable t = failure("tls://" + tlsServer.hostPort() + "?subjects=sec&tlsCa=" + certs.resolve("ca.pem"));
    assertThat(t.getMessage()).startsWith("tls://" + tlsServer.hostPort());
  }

  @Test
  void tlsWithAnUntrustedClientCertificateIsRefused() {
    failure(
        "tls://" + tlsServer.hostPort() + "?subjects=sec&tlsCa=" + certs.resolve("ca.pem") + "&tlsCert="
            + certs.resolve("stranger.pem") + "&tlsKey=" + certs.resolve("stranger.key"));
  }

  @Test
  void tlsServerNotSignedByATrustedCaIsRefused() {
    // The JVM's trust store does not know the test CA.
    failure(
        "tls://" + tlsServer.hostPort() + "?subjects=sec&tlsCert=" + certs.resolve("client.pem") + "&tlsKey="
            + certs.resolve("client.key"));
  }

  @Test
  void plainClientToTlsServerFails() {
    failure(tlsServer.url() + "?subjects=sec");
  }
}
