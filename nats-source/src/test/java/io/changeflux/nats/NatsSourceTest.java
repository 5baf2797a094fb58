package io.changeflux.nats;

import io.changeflux.testkit.ChangeSourceTestKit;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The backend contract, on core NATS subjects of a real nats-server. */
class NatsSourceTest implements ChangeSourceTestKit {

  static NatsServerProcess server;
  static Connection publisher;

  @BeforeAll
  static void startServer() throws Exception {
    server = NatsServerProcess.start();
    publisher = Nats.connect(server.url());
  }

  @AfterAll
  static void stopServer() throws Exception {
    publisher.close();
    server.close();
  }

  @Override
  public String uri() {
    return server.url() + "?subjects=kit.>";
  }

  @Override
  public String failingUri() {
    return "nats://someone:s3cretPw@127.0.0.1:" + NatsServerProcess.freePort() + "?subjects=kit.>";
  }

  @Override
  public String secret() {
    return "s3cretPw";
  }

  @Override
  public String change(int i) throws Exception {
    String subject = "kit.k" + i;
    publisher.publish(subject, ("change " + i).getBytes(StandardCharsets.UTF_8));
    publisher.flush(Duration.ofSeconds(5));
    return subject;
  }
}
