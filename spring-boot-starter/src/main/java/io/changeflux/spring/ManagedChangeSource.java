package io.changeflux.spring;

import org.jspecify.annotations.Nullable;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSource;
import io.changeflux.Delivery;
import io.changeflux.HealthMonitor;
import io.changeflux.ShaResolver;
import io.changeflux.micrometer.ChangeMetrics;
import java.util.List;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * A source as the starter makes it a bean: named, metered once a {@code MeterRegistry} binds it,
 * and closed with the application context (every subscription then completes, releasing what it
 * opened).
 */
public final class ManagedChangeSource implements ChangeSource, AutoCloseable {

  private final String name;
  private final ChangeSource source;
  private final Sinks.Empty<Void> closed = Sinks.empty();
  private volatile @Nullable ChangeMetrics metrics;

  ManagedChangeSource(String name, ChangeSource source) {
    this.name = Objects.requireNonNull(name, "name");
    this.source = Objects.requireNonNull(source, "source");
  }

  /**
   * The source's name ({@code changeflux.sources.NAME}).
   *
   * @return the name; never null
   */
  public String name() {
    return name;
  }

  /**
   * The meters of this source, once bound to a registry.
   *
   * @return the meters, or empty until a {@code MeterRegistry} bound this source (or with {@code
   *     changeflux.metrics=false})
   */
  public java.util.Optional<ChangeMetrics> metrics() {
    return java.util.Optional.ofNullable(metrics);
  }

  void meter(ChangeMetrics m) {
    ChangeMetrics old = metrics;
    metrics = m;
    if (old != null) {
      old.close();
    }
  }

  /**
   * The wrapped source's events, metered when a registry is bound; each subscription completes when
   * this bean is closed.
   *
   * @return a cold stream, as the wrapped source's
   */
  @Override
  public Flux<ChangeEvent> events() {
    return Flux.defer(
        () -> {
          Flux<ChangeEvent> f = source.events().takeUntilOther(closed.asMono());
          ChangeMetrics m = metrics;
          return m == null ? f : f.transform(m.events());
        });
  }

  /**
   * The wrapped source's batches, metered when a registry is bound; each subscription completes
   * when this bean is closed.
   *
   * @return a cold stream of non-empty batches, as the wrapped source's
   */
  @Override
  public Flux<List<ChangeEvent>> batches() {
    return Flux.defer(
        () -> {
          Flux<List<ChangeEvent>> f = source.batches().takeUntilOther(closed.asMono());
          ChangeMetrics m = metrics;
          return m == null ? f : f.transform(m.batches());
        });
  }

  @Override
  public Delivery delivery() {
    return source.delivery();
  }

  @Override
  public ShaResolver contentSha() {
    return source.contentSha();
  }

  @Override
  public HealthMonitor health() {
    return source.health();
  }

  /** Completes every subscription (each releases its watch or connection) and removes the meters. */
  @Override
  public void close() {
    closed.tryEmitEmpty();
    ChangeMetrics m = metrics;
    if (m != null) {
      m.close();
    }
  }

  @Override
  public String toString() {
    return name + " (" + source.health().source() + ")";
  }
}
