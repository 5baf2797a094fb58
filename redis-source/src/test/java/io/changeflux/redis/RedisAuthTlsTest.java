package io.changeflux.redis;

import io.changeflux.testkit.LogCapture;
import static io.changeflux.redis.RedisPubSubTest.PATIENCE;
import static io.changeflux.redis.RedisPubSubTest.subscribe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSinks;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.changeflux.testkit.ChangeSourceTestKit.Recorder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/** ACL users, passwords and TLS (certificates made with openssl at test time). */
class RedisAuthTlsTest {

  static final String ACL_PW = "acl-pw-Zq81";
  static final String REQUIRE_PW = "default-pw-Xy72";
  static final String WRONG_PW = "wrong-pw-Kk93";
  static final String STORE_PW = "store-pw-Tt55";

  @TempDir static Path certs;
  static RedisServerProcess server;

  @BeforeAll
  static void start() throws Exception {
    LogCapture.install();
    makeCertificates(certs);
    server =
        RedisServerProcess.start(
            true,
            List.of(
                "requirepass " + REQUIRE_PW,
                "user alice on >" + ACL_PW + " ~* &* +@all",
                "tls-cert-file " + certs.resolve("server.crt"),
                "tls-key-file " + certs.resolve("server.key"),
                "tls-ca-cert-file " + certs.resolve("ca.crt"),
                "tls-auth-clients optional"));
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    String logs = LogCapture.text();
    for (String secret : List.of(ACL_PW, REQUIRE_PW, WRONG_PW, STORE_PW)) {
      assertThat(logs).as("logs").doesNotContain(secret);
    }
  }

  static void makeCertificates(Path dir) throws Exception {
    Files.writeString(dir.resolve("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=changeflux-test-ca");
    for (String name : List.of("server", "client")) {
      run(dir, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=localhost");
      run(dir, "openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", name + ".crt", "-days", "2", "-extfile", "ext.cnf");
    }
    run(dir, "keytool", "-importcert", "-noprompt", "-alias", "ca", "-file", "ca.crt", "-keystore", "trust.p12", "-storetype", "PKCS12", "-storepass", STORE_PW);
  }

  static void run(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
    }
  }

  static void publish(String channel, String message) {
    ChangeSinks.open("redis://:" + REQUIRE_PW + "@127.0.0.1:" + server.port() + "?channels=" + channel)
        .publish(Flux.just(ChangeEvent.builder(ChangeKind.MODIFIED, message).build()))
        .block(PATIENCE);
  }

  static Throwable startupError(String uri) {
    AtomicReference<Throwable> error = new AtomicReference<>();
    Disposable d = ChangeSources.open(uri).events().subscribe(e -> {}, error::set);
    try {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(error.get()).isNotNull());
      return error.get();
    } finally {
      d.dispose();
    }
  }

  static void assertDelivers(String uri, String channel) throws Exception {
    Recorder r = subscribe(uri);
    try {
      publish(channel, "k-" + channel);
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.keys()).containsExactly("k-" + channel));
      assertThat(r.events.get(0).source()).doesNotContain(ACL_PW).doesNotContain(REQUIRE_PW).doesNotContain(STORE_PW);
    } finally {
      r.disposable.dispose();
    }
  }

  @Test
  void aclUserAndPasswordOnlyAndPasswordOptionAllAuthenticate() throws Exception {
    assertDelivers("redis://alice:" + ACL_PW + "@127.0.0.1:" + server.port() + "?channels=a1", "a1");
    assertDelivers("redis://:" + REQUIRE_PW + "@127.0.0.1:" + server.port() + "?channels=a2", "a2");
    assertDelivers("redis://127.0.0.1:" + server.port() + "/3?channels=a3&user=alice&password=" + ACL_PW, "a3");
  }

  @Test
  void wrongPasswordFailsAtStartNamingTheRedactedUriNeverThePassword() {
    for (String uri :
        List.of(
            "redis://alice:" + WRONG_PW + "@127.0.0.1:" + server.port() + "?channels=x",
            "redis://alice:" + WRONG_PW + "@127.0.0.1:" + server.port() + "?stream=s&group=g",
            "redis://127.0.0.1:" + server.port() + "?channels=x&user=alice&password=" + WRONG_PW)) {
      Throwable e = startupError(uri);
      assertThat(e).isInstanceOf(ChangeSourceException.class).hasMessageContaining("authentication failed");
      assertThat(e.getMessage()).startsWith("redis://").contains("***").doesNotContain(WRONG_PW);
      for (Throwable c = e; c != null; c = c.getCause()) {
        assertThat(String.valueOf(c)).doesNotContain(WRONG_PW);
      }
    }
    Throwable sink =
        org.assertj.core.api.Assertions.catchThrowable(
            () ->
                ChangeSinks.open("redis://alice:" + WRONG_PW + "@127.0.0.1:" + server.port() + "?channels=x")
                    .publish(Flux.just(ChangeEvent.of(ChangeKind.MODIFIED, "k")))
                    .block(PATIENCE));
    assertThat(sink).isInstanceOf(ChangeSourceException.class).hasMessageContaining("authentication failed");
    assertThat(sink.getMessage()).doesNotContain(WRONG_PW);
  }

  @Test
  void tlsWithCaFileTrustStoreOrNoVerification() throws Exception {
    String base = "rediss://:" + REQUIRE_PW + "@127.0.0.1:" + server.tlsPort();
    assertDelivers(base + "?channels=t1&caFile=" + certs.resolve("ca.crt"), "t1");
    assertDelivers(
        base + "?channels=t2&trustStore=" + certs.resolve("trust.p12") + "&trustStorePassword=" + STORE_PW, "t2");
    assertDelivers(base + "?channels=t3&verifyPeer=false", "t3");
    assertThat(ChangeSources.open(base + "?channels=t2&trustStorePassword=" + STORE_PW).toString())
        .doesNotContain(STORE_PW);
  }

  @Test
  void tlsClientCertificateForServersThatAskForOne() throws Exception {
    assertDelivers(
        "rediss://alice:" + ACL_PW + "@localhost:" + server.tlsPort()
            + "?channels=m1&caFile=" + certs.resolve("ca.crt")
            + "&certFile=" + certs.resolve("client.crt") + "&keyFile=" + certs.resolve("client.key"),
        "m1");
  }

  @Test
  void tlsWithAnUntrustedCertificateFailsAtStart() {
    Throwable e = startupError("rediss://:" + WRONG_PW + "@127.0.0.1:" + server.tlsPort() + "?channels=x");
    assertThat(e).isInstanceOf(ChangeSourceException.class).hasMessageContaining("cannot connect");
    assertThat(e.getMessage()).doesNotContain(WRONG_PW);
  }

  @Test
  void plainClientOnTheTlsPortAndTlsOptionsWithoutTlsAreRefused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ChangeSources.open("redis://127.0.0.1:1?channels=x&verifyPeer=false&caFile=" + certs.resolve("ca.crt")))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("'caFile' needs TLS");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ChangeSources.open("rediss://127.0.0.1:1?channels=x&caFile=/no/such.pem"))
        .hasMessageContaining("no such file");
  }
}
