package io.changeflux.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** webhooks:// with a certificate made by openssl; curl sends over TLS. */
class WebhookTlsTest {

  @TempDir Path dir;

  @Test
  void signedPushOverTlsIsAnEvent() {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Web.run(
        null,
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
        "-keyout", key.toString(), "-out", cert.toString());
    int port = Web.freePort();
    String uri = "webhooks://127.0.0.1:" + port + "/gh?secret=s3cret&tlsCert=" + cert + "&tlsKey=" + key;
    try (Web.Collector c = new Web.Collector(uri)) {
      Path body = Web.file(dir, "push.json", GithubWebhookTest.push("refs/heads/main", GithubWebhookTest.SHA, false));
      String out =
          Web.curlPost(
              "https://127.0.0.1:" + port + "/gh",
              body,
              "X-GitHub-Event: push",
              "X-Hub-Signature-256: " + Web.githubSignature("s3cret", body));
      assertThat(out).startsWith("200\n");
      assertThat(c.next().sha()).contains(GithubWebhookTest.SHA);
    }
  }

  @Test
  void webhooksWithoutCertificateIsAStartupError() {
    assertThatThrownBy(() -> ChangeSources.open("webhooks://127.0.0.1:" + Web.freePort() + "/gh?secret=x"))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("tlsCert");
  }
}
