package io.changeflux.redis.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The Lettuce objects of one subscription or one publish: its own {@link ClientResources} (so
 * that its event bus speaks only of its own connections, and cancel releases every thread) and
 * one {@link RedisClient}. Closing never blocks.
 */
final class LettuceSession {

  /** Keys and channel names as UTF-8 text, values as bytes. */
  static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

  private static final AtomicInteger IDS = new AtomicInteger();

  final ClientResources resources;
  final RedisClient client;
  final int id = IDS.incrementAndGet();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final java.util.Map<StatefulConnection<?, ?>, CompletableFuture<Void>> closing =
      new java.util.concurrent.ConcurrentHashMap<>();

  LettuceSession(RedisSettings settings, int requestQueueSize) {
    this.resources = settings.newResources();
    RedisClient c;
    try {
      c = RedisClient.create(resources, settings.uri());
      c.setOptions(settings.clientOptions(requestQueueSize));
    } catch (RuntimeException e) {
      resources.shutdown(0, 1, TimeUnit.SECONDS);
      throw e;
    }
    this.client = c;
  }

  /** Closes one connection once, however often it is asked to. */
  CompletableFuture<Void> closeConnection(@Nullable StatefulConnection<?, ?> c) {
    if (c == null) {
      return CompletableFuture.completedFuture(null);
    }
    return closing.computeIfAbsent(c, k -> k.closeAsync().exceptionally(t -> null));
  }

  /** Closes the given connections, then the client, then the resources; never blocks. */
  CompletableFuture<Void> closeAsync(@Nullable StatefulConnection<?, ?>... connections) {
    if (!closed.compareAndSet(false, true)) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<?>[] closing = new CompletableFuture<?>[connections.length];
    for (int i = 0; i < connections.length; i++) {
      closing[i] = closeConnection(connections[i]);
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    CompletableFuture.allOf(closing)
        .exceptionally(t -> null)
        .thenCompose(v -> client.shutdownAsync(0, 2, TimeUnit.SECONDS))
        .whenComplete(
            (v, t) ->
                resources
                    .shutdown(0, 2, TimeUnit.SECONDS)
                    .addListener(f -> done.complete(null)));
    return done;
  }
}
