package io.changeflux.redis.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeOps;
import io.changeflux.ChangeSource;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Channels, patterns and keyspace notifications. Each subscription opens its own Lettuce client
 * and pub/sub connection; messages pass through {@link ChangeOps#coalesce} on the Netty event loop
 * (a map update, never blocking) and reach downstream on a thread of this subscription, so a slow
 * subscriber neither blocks Lettuce nor grows memory past the {@code coalesce} bound.
 */
public final class PubSubSource implements ChangeSource {

  /** Events handed across the thread boundary at a time; small so the coalescing bound rules. */
  static final int PREFETCH = 32;

  private static final AtomicInteger IDS = new AtomicInteger();

  private final RedisSettings settings;

  /** A source for validated settings. */
  public PubSubSource(RedisSettings settings) {
    this.settings = settings.requireSourceMode();
  }

  @Override
  public Flux<ChangeEvent> events() {
    return Flux.defer(
        () -> {
          Scheduler scheduler = Schedulers.newSingle("changeflux-redis-" + IDS.incrementAndGet(), true);
          return Flux.<ChangeEvent>create(
                  sink -> new PubSubSession(settings, sink).start(), FluxSink.OverflowStrategy.IGNORE)
              // IGNORE, not BUFFER: coalesce below always requests unbounded, so a buffer would
              // only add a queue offer and poll per message on the event loop
              .transform(ChangeOps.coalesce(settings.maxKeys()))
              .publishOn(scheduler, PREFETCH)
              .doFinally(s -> scheduler.disposeGracefully().subscribe(v -> {}, t -> {}));
        });
  }

  @Override
  public String toString() {
    return "PubSubSource{" + settings.source() + "}";
  }
}
