package io.changeflux.redis;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.redis.internal.Envelope;
import io.changeflux.testkit.ChangeSourceTestKit;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The TestKit contract through one channel carrying sink envelopes (key = the envelope's key). */
class RedisChannelEnvelopeSourceTest implements ChangeSourceTestKit {

  static RedisServerProcess server;
  static RedisClient client;
  static StatefulRedisConnection<byte[], byte[]> connection;

  @BeforeAll
  static void startServer() throws Exception {
    server = RedisServerProcess.start();
    client = RedisClient.create("redis://127.0.0.1:" + server.port());
    connection = client.connect(ByteArrayCodec.INSTANCE);
  }

  @AfterAll
  static void stopServer() throws Exception {
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    server.close();
  }

  @Override
  public String uri() {
    return server.uri("?channels=envelopes");
  }

  @Override
  public String failingUri() {
    try {
      return "redis://127.0.0.1:" + RedisServerProcess.freePort() + "?channels=envelopes";
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public String change(int i) {
    String key = "files/f" + i + ".txt";
    connection
        .sync()
        .publish(
            "envelopes".getBytes(StandardCharsets.UTF_8),
            Envelope.toJson(ChangeEvent.builder(ChangeKind.CREATED, key).build()));
    return key;
  }
}
