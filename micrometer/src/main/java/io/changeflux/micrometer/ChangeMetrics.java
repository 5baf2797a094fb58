package io.changeflux.micrometer;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSources;
import io.changeflux.HealthMonitor;
import io.changeflux.HealthState;
import io.changeflux.SourceListener;
import io.changeflux.SourceOptions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import reactor.core.publisher.Flux;

/**
 * The meters of one source, and the operator that records them.
 *
 * <pre>{@code
 * ChangeSource source = ChangeSources.open("fs:/srv/data?debounce=200ms");
 * ChangeMetrics metrics = ChangeMetrics.of(registry, source, "data");
 * source.batches().transform(metrics.batches()).subscribe(this::rebuild);
 * }</pre>
 *
 * <p>Every meter carries the tag {@code source}: the name given, or by default the source's
 * redacted URI (passwords, tokens and secret option values shown as {@code ***}); either way
 * redacted again, so no secret reaches a tag. Names follow Micrometer's conventions (dot-separated,
 * base units); see {@link #EVENTS} and the following constants, and the module README's table.
 *
 * <p>The operator ({@link #events()}, {@link #batches()}) counts what reaches the consumer and
 * listens to the subscription ({@link ChangeSources#observe}) for what only the backend knows:
 * reconnects, rescans, acknowledgements, redeliveries. Put it last, right before the consumer. The
 * health gauges ({@link #HEALTH}) read {@link ChangeSource#health()} and need no subscription.
 * Meters stay registered until {@link #close()}.
 */
public final class ChangeMetrics implements AutoCloseable {

  /** Counter of events handed to the consumer; tags {@code source}, {@code kind}. */
  public static final String EVENTS = "changeflux.events";

  /** Counter of OVERFLOW events handed to the consumer; tags {@code source}, {@code reason}. */
  public static final String OVERFLOWS = "changeflux.overflows";

  /** Timer of rescans (count and duration) after lost events or a watcher restart; tag {@code source}. */
  public static final String RESCANS = "changeflux.rescans";

  /** Counter of reconnects after a lost connection; tag {@code source}. */
  public static final String RECONNECTS = "changeflux.reconnects";

  /** Distribution summary of batch sizes (events per batch, {@link #batches()} only); tag {@code source}. */
  public static final String BATCH_SIZE = "changeflux.batch.size";

  /**
   * Timer of delivery latency: from the event's {@link ChangeEvent#time()} (when the source observed
   * it) to being handed to the consumer, with percentiles 0.5, 0.95 and 0.99; tag {@code source}.
   * Sampled: every event while events come more than 1 ms apart; on a busier stream about one per
   * millisecond (at least one per 4096 events), so its count is the number of samples, not of events
   * (that is {@link #EVENTS}).
   */
  public static final String DELIVERY_LATENCY = "changeflux.delivery.latency";

  /** Counter of acknowledgements an at-least-once source sent to its broker; tag {@code source}. */
  public static final String ACKS = "changeflux.acks";

  /** Counter of messages an at-least-once source received again; tag {@code source}. */
  public static final String REDELIVERIES = "changeflux.redeliveries";

  /**
   * Gauge per health state: 1 for the state the source is in, 0 for the others; tags {@code
   * source}, {@code state} (STARTING, UP, DEGRADED, DOWN, STOPPED).
   */
  public static final String HEALTH = "changeflux.health";

  /**
   * Gauge of the keys the source's merge tables (coalesce, debounce) hold for its consumers, over
   * all its subscriptions ({@link HealthMonitor#pendingKeys()}): near 0 while consumers keep up,
   * growing while one lags; tag {@code source}.
   */
  public static final String PENDING_KEYS = "changeflux.pending.keys";

  /** Distinct OVERFLOW reasons counted separately; past this many, a reason counts as {@code other}. */
  static final int MAX_REASONS = 16;

  private final MeterRegistry registry;
  private final String name;
  private final HealthMonitor health;
  private final Tags tags;
  /** The subscriptions being metered (their counts are summed with {@link #ended}'s). */
  private final Set<Recording<?>> live = ConcurrentHashMap.newKeySet();
  /** Events by kind of the subscriptions that ended; guarded by {@link #counts}. */
  private final long[] ended = new long[ChangeKind.values().length];
  private final Object counts = new Object();
  private final Map<String, Counter> overflows = new ConcurrentHashMap<>();
  private final Timer rescans;
  private final Counter reconnects;
  final DistributionSummary batchSize;
  final Timer latency;
  private final Counter acks;
  private final Counter redeliveries;
  private final List<Meter> meters = new ArrayList<>();
  final Clock clock;
  final LongSupplier nanoTime;
  /** Puts the listener in a subscription's context ({@link ChangeSources#observe}). */
  final Function<reactor.util.context.Context, reactor.util.context.Context> observe;

  private ChangeMetrics(
      MeterRegistry registry, ChangeSource source, String name, Clock clock, LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
    this.registry = Objects.requireNonNull(registry, "registry");
    this.health = source.health();
    this.name = Objects.requireNonNull(SourceOptions.redact(Objects.requireNonNull(name, "name")), "redact keeps text non-null");
    this.clock = clock;
    this.tags = Tags.of("source", this.name);
    for (ChangeKind k : ChangeKind.values()) {
      int kind = k.ordinal();
      keep(
          FunctionCounter.builder(EVENTS, this, m -> m.events(kind))
              .description("events handed to the consumer")
              .baseUnit("events")
              .tags(tags)
              .tag("kind", k.name())
              .register(registry));
    }
    rescans =
        keep(Timer.builder(RESCANS).description("rescans after lost events or a watcher restart").tags(tags).register(registry));
    reconnects =
        keep(Counter.builder(RECONNECTS).description("reconnects after a lost connection").tags(tags).register(registry));
    batchSize =
        keep(
            DistributionSummary.builder(BATCH_SIZE)
                .description("events per batch handed to the consumer")
                .baseUnit("events")
                .tags(tags)
                .register(registry));
    latency =
        keep(
            Timer.builder(DELIVERY_LATENCY)
                .description("from the source observing an event to the consumer getting it")
                .publishPercentiles(0.5, 0.95, 0.99)
                .tags(tags)
                .register(registry));
    acks =
        keep(
            Counter.builder(ACKS)
                .description("acknowledgements sent to the broker")
                .baseUnit("messages")
                .tags(tags)
                .register(registry));
    redeliveries =
        keep(
            Counter.builder(REDELIVERIES)
                .description("messages received again")
                .baseUnit("messages")
                .tags(tags)
                .register(registry));
    for (HealthState s : HealthState.values()) {
      keep(
          Gauge.builder(HEALTH, health, h -> h.current().state() == s ? 1 : 0)
              .description("1 for the source's health state, 0 for the others")
              .tags(tags)
              .tag("state", s.name())
              .register(registry));
    }
    keep(
        Gauge.builder(PENDING_KEYS, health, HealthMonitor::pendingKeys)
            .description("keys held for the consumers in the coalesce and debounce tables")
            .baseUnit("keys")
            .tags(tags)
            .register(registry));
    SourceListener listener =
        new SourceListener() {
          @Override
          public void onReconnect() {
            reconnects.increment();
          }

          @Override
          public void onRescan(Duration took) {
            rescans.record(took);
          }

          @Override
          public void onAck(long count) {
            acks.increment(count);
          }

          @Override
          public void onRedelivery(long count) {
            redeliveries.increment(count);
          }
        };
    this.observe = ChangeSources.observe(listener);
  }

  /**
   * The meters of {@code source}, tagged with its redacted URI (its health monitor's).
   *
   * @param registry where the meters are registered (the health gauges at once)
   * @param source the source to measure; its {@link ChangeSource#health()} feeds the gauges
   * @return the meters; {@link #close()} removes them from the registry
   */
  public static ChangeMetrics of(MeterRegistry registry, ChangeSource source) {
    return new ChangeMetrics(registry, source, source.health().source(), Clock.systemUTC(), System::nanoTime);
  }

  /**
   * The meters of {@code source}, tagged {@code source=name} (redacted all the same).
   *
   * @param registry where the meters are registered (the health gauges at once)
   * @param source the source to measure; its {@link ChangeSource#health()} feeds the gauges
   * @param name the {@code source} tag's value, such as {@code data}; not null
   * @return the meters; {@link #close()} removes them from the registry
   */
  public static ChangeMetrics of(MeterRegistry registry, ChangeSource source, String name) {
    return new ChangeMetrics(
        registry, source, Objects.requireNonNull(name, "name"), Clock.systemUTC(), System::nanoTime);
  }

  /** The same, with the latency measured against {@code clock} and samples spaced by {@code nanoTime} (for tests). */
  static ChangeMetrics of(
      MeterRegistry registry, ChangeSource source, String name, Clock clock, LongSupplier nanoTime) {
    return new ChangeMetrics(registry, source, name, clock, nanoTime);
  }

  /**
   * The {@code source} tag's value.
   *
   * @return the redacted tag value
   */
  public String name() {
    return name;
  }

  /**
   * The operator for {@link ChangeSource#events()}: {@code events().transform(metrics.events())}.
   *
   * @return the operator; apply it last, right before the consumer
   */
  public Function<Flux<ChangeEvent>, Flux<ChangeEvent>> events() {
    return f -> new Metered<ChangeEvent>(f, this, Recording.Events::new);
  }

  /**
   * The operator for {@link ChangeSource#batches()}: each event as {@link #events()} records it,
   * and the batch size.
   *
   * @return the operator; apply it last, right before the consumer
   */
  public Function<Flux<List<ChangeEvent>>, Flux<List<ChangeEvent>>> batches() {
    return f -> new Metered<List<ChangeEvent>>(f, this, Recording.Batches::new);
  }

  /** A metered subscription started. */
  void started(Recording<?> r) {
    live.add(r);
  }

  /** A metered subscription ended: its counts move to {@link #ended} (once). */
  void ended(Recording<?> r) {
    synchronized (counts) {
      if (live.remove(r)) {
        for (int k = 0; k < ended.length; k++) {
          ended[k] += r.count(k);
        }
      }
    }
  }

  /** Events of kind {@code kind} handed to consumers: ended subscriptions' and live ones'. */
  double events(int kind) {
    synchronized (counts) {
      long n = ended[kind];
      for (Recording<?> r : live) {
        n += r.count(kind);
      }
      return n;
    }
  }

  void overflow(String reason) {
    Counter c = overflows.get(reason);
    if (c == null) {
      String r = overflows.size() >= MAX_REASONS ? "other" : SourceOptions.redact(reason);
      c =
          overflows.computeIfAbsent(
              r,
              x ->
                  keep(
                      Counter.builder(OVERFLOWS)
                          .description("OVERFLOW events (events may have been lost) by reason")
                          .baseUnit("events")
                          .tags(tags)
                          .tag("reason", x)
                          .register(registry)));
    }
    c.increment();
  }

  private synchronized <M extends Meter> M keep(M m) {
    meters.add(m);
    return m;
  }

  /** Removes this source's meters from the registry. */
  @Override
  public synchronized void close() {
    for (Meter m : meters) {
      registry.remove(m);
    }
    meters.clear();
    overflows.clear();
  }
}
