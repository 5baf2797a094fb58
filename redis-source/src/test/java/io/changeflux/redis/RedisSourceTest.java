package io.changeflux.redis;

import io.changeflux.testkit.LogCapture;
import io.changeflux.testkit.ChangeSourceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The TestKit contract against a real redis-server, with an ACL user, through patterns=. */
class RedisSourceTest implements ChangeSourceTestKit {

  static final String PASSWORD = "kit-pass-3141";
  static final String WRONG = "wrong-secret-2718";
  static RedisServerProcess server;
  static RedisTestClient client;

  @BeforeAll
  static void startServer() throws Exception {
    LogCapture.install();
    server =
        RedisServerProcess.start(
            "user default on nopass ~* &* +@all", "user kit on >" + PASSWORD + " ~* &* +@all");
    client = new RedisTestClient(server.port());
  }

  @AfterAll
  static void stopServer() throws Exception {
    client.close();
    server.close();
    org.assertj.core.api.Assertions.assertThat(LogCapture.text()).doesNotContain(PASSWORD).doesNotContain(WRONG);
  }

  @Override
  public String uri() {
    return "redis://kit:" + PASSWORD + "@127.0.0.1:" + server.port() + "?patterns=kit.*";
  }

  @Override
  public String failingUri() {
    return "redis://kit:" + WRONG + "@127.0.0.1:" + server.port() + "?patterns=kit.*";
  }

  @Override
  public String secret() {
    return WRONG;
  }

  @Override
  public String change(int i) {
    String channel = "kit." + i;
    client.sync().publish(channel, "change " + i);
    return channel;
  }
}
