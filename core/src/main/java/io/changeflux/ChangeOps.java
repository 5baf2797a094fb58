package io.changeflux;

import io.changeflux.internal.Coalescer;
import java.util.function.Function;
import reactor.core.publisher.Flux;

/**
 * Operators for {@code Flux<ChangeEvent>}, each a {@link Function} for {@link Flux#transform}.
 *
 * <p>Merging within a batch follows one table, per key, in arrival order: CREATED+MODIFIED →
 * CREATED; CREATED+DELETED → nothing; MODIFIED+DELETED → DELETED; DELETED+CREATED → MODIFIED;
 * MODIFIED+MODIFIED → MODIFIED. The merged event keeps the last time and payload and sums {@code
 * count}. OVERFLOW is never merged away.
 */
public final class ChangeOps {

  private ChangeOps() {}

  /**
   * Coalescing backpressure: while downstream has not requested more, pending events merge per
   * key; past {@code maxKeys} distinct keys, everything pending is replaced by one OVERFLOW event
   * (key {@code ""}, header {@code reason=coalesce}, {@code count} = the events it replaced), so
   * memory stays bounded under a slow consumer. Upstream is requested unbounded.
   */
  public static Function<Flux<ChangeEvent>, Flux<ChangeEvent>> coalesce(int maxKeys) {
    if (maxKeys < 1) {
      throw new IllegalArgumentException("maxKeys must be at least 1, was " + maxKeys);
    }
    return upstream -> Coalescer.apply(upstream, maxKeys);
  }
}
