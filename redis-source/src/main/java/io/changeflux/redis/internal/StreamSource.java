package io.changeflux.redis.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSource;
import io.changeflux.Delivery;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * A Redis Stream read with a consumer group: at-least-once. Each subscription runs one reader
 * thread that reads only as many entries as downstream requested (so no buffer grows and nothing
 * is coalesced), on a dedicated connection, plus a second connection for XACK.
 */
public final class StreamSource implements ChangeSource {

  private final RedisSettings settings;

  /** A source for validated settings. */
  public StreamSource(RedisSettings settings) {
    this.settings = settings.requireSourceMode();
  }

  @Override
  public Flux<ChangeEvent> events() {
    return Flux.create(sink -> new StreamSession(settings, sink).start(), FluxSink.OverflowStrategy.BUFFER);
  }

  @Override
  public Delivery delivery() {
    return Delivery.PULL;
  }

  @Override
  public String toString() {
    return "StreamSource{" + settings.source() + "}";
  }
}
