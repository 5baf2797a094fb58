package io.changeflux.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;

/** A plain Lettuce connection for tests to publish, inspect and configure with. */
public final class RedisTestClient implements AutoCloseable {

  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;

  public RedisTestClient(int port) {
    client = RedisClient.create(RedisURI.Builder.redis("127.0.0.1", port).withTimeout(Duration.ofSeconds(10)).build());
    connection = client.connect();
  }

  public RedisCommands<String, String> sync() {
    return connection.sync();
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
