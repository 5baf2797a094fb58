package io.changeflux;

import io.changeflux.internal.Coalescer;
import io.changeflux.internal.Globs;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The operator chain that the options of every scheme name ({@code include}, {@code exclude},
 * {@code dedup}, {@code confirm}, {@code coalesce}, {@code debounce}, {@code maxWait}), applied by
 * {@link ChangeSources#open} so that {@code fs:/srv?debounce=200ms&confirm=sha256} just works.
 *
 * <p>The order is fixed: <b>paths</b> ({@code include}/{@code exclude}) → <b>debounce</b> (with
 * {@code maxWait}, batches bounded by {@code coalesce} keys) → <b>confirm</b> (per batch) →
 * <b>dedup</b> → <b>acknowledge</b>. Filtering first keeps unwanted keys out of every later stage;
 * debouncing before confirming hashes a file written 50 times once per batch; confirming before
 * dedup lets dedup compare content hashes, so a second real edit within the window is never
 * mistaken for a repeat; acknowledging last means an event is acknowledged only once the consumer
 * has it. Without {@code debounce}, {@link ChangeSource#batches()} gives batches of one; with it,
 * {@link ChangeSource#events()} gives the debounced batches' events one by one.
 *
 * <p>Coalescing depends on the source's {@link Delivery}: behind a {@link Delivery#PUSH} source
 * the pipeline coalesces once, right after the paths filter, with the {@code coalesce} bound (the
 * source itself keeps no merge table; the coalescing stage requests it unbounded and merges on the
 * source's thread). A {@link Delivery#PULL} source is never requested unbounded: every stage
 * requests in bounded amounts, debounce within its acknowledgement budget ({@link
 * ChangeOps#DEFAULT_KEY_ACK_BUDGET} per key, {@link ChangeOps#DEFAULT_ACK_BUDGET} in all), so a
 * slow consumer leaves the messages at the broker. Every stage after the coalescing one keeps
 * backpressure, and the debounce batch (the one stage that must read ahead) is bounded by the
 * same {@code coalesce} keys.
 *
 * <p>Acknowledgement: unless the source's {@code ack} option is {@code manual}, each event is
 * acknowledged right after the consumer's {@code onNext} returned (for batches: every event of a
 * batch, after the batch). Events the pipeline drops are acknowledged when dropped, in both modes.
 */
public final class ChangePipeline {

  /** Globs of keys to keep. */
  public static final OptionSpec<List<String>> INCLUDE =
      OptionSpec.list("include", "keep only keys matching these globs (e.g. **/*.java); default: all");

  /** Globs of keys to drop. */
  public static final OptionSpec<List<String>> EXCLUDE =
      OptionSpec.list("exclude", "drop keys matching these globs (e.g. target/**)");

  /** Dedup window. */
  public static final OptionSpec<Duration> DEDUP =
      OptionSpec.duration(
          "dedup", null, "drop an event equal to one emitted for the same key within this window");

  /** Content confirmation. */
  public static final OptionSpec<String> CONFIRM =
      OptionSpec.choice(
          "confirm",
          "none",
          "re-read the content (file, or payload without a path) and drop events whose SHA-256 did not change",
          "none",
          "sha256");

  /** Coalescing bound. */
  public static final OptionSpec<Integer> COALESCE =
      OptionSpec.integer(
          "coalesce",
          10_000,
          1,
          Integer.MAX_VALUE,
          "pending distinct keys kept for a slow consumer (and per debounce batch) before they become one OVERFLOW");

  /** Debounce quiet period. */
  public static final OptionSpec<Duration> DEBOUNCE =
      OptionSpec.duration(
          "debounce", null, "emit batches after this quiet period (batches() merges per key)");

  /** Debounce max-wait. */
  public static final OptionSpec<Duration> MAX_WAIT =
      OptionSpec.duration(
          "maxWait", null, "with debounce: close a batch at most this long after it opened (default 10 × debounce, at most 5s, at least debounce)");

  /** How long an OVERFLOW keeps the source's health DEGRADED. */
  public static final OptionSpec<Duration> OVERFLOW_HEALTH =
      OptionSpec.duration(
          "overflowHealth", "1m", "how long an OVERFLOW keeps the source's health DEGRADED (0: not at all)");

  /** How many keys pending for a slow consumer make the source's health DEGRADED. */
  public static final OptionSpec<Integer> LAG_KEYS =
      OptionSpec.integer(
          "lagKeys",
          null,
          0,
          Integer.MAX_VALUE,
          "keys pending for a slow consumer (in the coalesce and debounce tables) that make the health DEGRADED (consumer lag) until back to half; default half of coalesce, 0: off");

  /** Every pipeline option, accepted by every scheme. */
  public static final List<OptionSpec<?>> OPTIONS =
      List.of(INCLUDE, EXCLUDE, DEDUP, CONFIRM, COALESCE, DEBOUNCE, MAX_WAIT, OVERFLOW_HEALTH, LAG_KEYS);

  /** The longest default max-wait. */
  public static final Duration MAX_DEFAULT_MAX_WAIT = Duration.ofSeconds(5);

  private final SourceOptions options;
  private final List<String> include;
  private final List<String> exclude;
  private final @Nullable Duration dedup;
  private final boolean confirm;
  private final int maxKeys;
  private final @Nullable Duration debounce;
  private final @Nullable Duration maxWait;
  private final boolean manualAck;
  private final Duration overflowHealth;
  private final int lagKeys;
  /** Null: {@link Schedulers#parallel()} at the time a stream is built. */
  private final @Nullable Scheduler scheduler;
  /** How {@code confirm=sha256} reads content: the source's own rule (see {@link ChangeSource#contentSha()}). */
  private final ShaResolver content;

  private ChangePipeline(SourceOptions options, @Nullable Scheduler scheduler, ShaResolver content) {
    this.options = options;
    this.scheduler = scheduler;
    this.content = content;
    this.include = options.require(INCLUDE);
    this.exclude = options.require(EXCLUDE);
    checkGlobs(INCLUDE, include);
    checkGlobs(EXCLUDE, exclude);
    this.dedup = options.get(DEDUP);
    checkLength(DEDUP, dedup);
    if (dedup != null && dedup.isZero()) {
      throw bad(DEDUP, "must be more than 0 (leave it out for no dedup)");
    }
    this.confirm = "sha256".equals(options.get(CONFIRM));
    this.maxKeys = options.require(COALESCE);
    this.debounce = options.get(DEBOUNCE);
    checkLength(DEBOUNCE, debounce);
    Duration mw = options.get(MAX_WAIT);
    checkLength(MAX_WAIT, mw);
    if (debounce == null) {
      if (mw != null) {
        throw bad(MAX_WAIT, "needs debounce (maxWait bounds how long a debounce batch stays open)");
      }
    } else {
      if (debounce.isZero()) {
        throw bad(DEBOUNCE, "must be more than 0 (leave it out for no debounce)");
      }
      if (mw == null) {
        mw = defaultMaxWait(debounce);
      } else if (mw.compareTo(debounce) < 0) {
        throw bad(MAX_WAIT, "must be at least debounce (" + Durations.format(debounce) + ")");
      }
    }
    this.maxWait = mw;
    this.overflowHealth = options.require(OVERFLOW_HEALTH);
    checkLength(OVERFLOW_HEALTH, overflowHealth);
    Integer lag = options.get(LAG_KEYS);
    this.lagKeys = lag != null ? lag : Math.max(1, maxKeys / 2);
    this.manualAck =
        options.value("ack").map(v -> v.trim().toLowerCase(Locale.ROOT).equals("manual")).orElse(false);
  }

  /**
   * The pipeline that validated options name.
   *
   * @throws ChangeSourceException naming the option when a value is bad or options contradict
   *     ({@code maxWait} without {@code debounce}, {@code maxWait} below it, a malformed glob)
   * @param options the source's options, already validated against its provider's specs and {@link
   *     #OPTIONS}
   * @return the pipeline; immutable and reusable for any number of streams
   */
  public static ChangePipeline of(SourceOptions options) {
    return new ChangePipeline(options, null, ShaResolvers.sha256());
  }

  /**
   * The same pipeline with its timers and clock on {@code scheduler} (virtual time in tests).
   * Default: {@link Schedulers#parallel()}, looked up when a stream is built.
   *
   * @param scheduler the clock and timer of every timed stage; not null
   * @return a new pipeline; this one is unchanged
   */
  public ChangePipeline on(Scheduler scheduler) {
    return new ChangePipeline(options, scheduler, content);
  }

  /**
   * The same pipeline confirming content ({@code confirm=sha256}) with {@code resolver} instead of
   * {@link ShaResolvers#sha256()}. {@link #apply} uses the source's {@link ChangeSource#contentSha()}.
   *
   * @param resolver the resolver {@code confirm=sha256} uses; not null
   * @return a new pipeline; this one is unchanged
   */
  public ChangePipeline confirmingWith(ShaResolver resolver) {
    return new ChangePipeline(options, scheduler, java.util.Objects.requireNonNull(resolver, "resolver"));
  }

  /**
   * The max-wait used when only {@code debounce} is given: 10 × debounce, at most 5 s, at least
   * debounce.
   *
   * @param debounce the quiet period; positive
   * @return the max-wait to use
   */
  public static Duration defaultMaxWait(Duration debounce) {
    Duration tenfold = debounce.multipliedBy(10);
    Duration capped = tenfold.compareTo(MAX_DEFAULT_MAX_WAIT) > 0 ? MAX_DEFAULT_MAX_WAIT : tenfold;
    return capped.compareTo(debounce) < 0 ? debounce : capped;
  }

  /**
   * The source with this pipeline's operators applied to its events and batches, and its health
   * kept (see {@link HealthMonitor}): every subscription is tracked from STARTING to UP (at the
   * source's readiness signal), DEGRADED (reasons the backend reports, or an OVERFLOW in the last
   * minute) and DOWN (the redacted cause of an error).
   *
   * @param raw the source the backend built, before any pipeline stage
   * @return a source whose streams run this pipeline and whose {@link ChangeSource#health()} tracks
   *     them
   */
  public ChangeSource apply(ChangeSource raw) {
    ChangePipeline p = confirm ? confirmingWith(raw.contentSha()) : this;
    HealthMonitor monitor = new HealthMonitor(options.redacted());
    return new ChangeSource() {
      @Override
      public Flux<ChangeEvent> events() {
        return SubscriptionTracker.track(
            monitor,
            overflowHealth,
            lagKeys,
            scheduler(),
            raw.events(),
            f -> p.events(f, raw.delivery()),
            SubscriptionTracker::one);
      }

      @Override
      public Flux<List<ChangeEvent>> batches() {
        return SubscriptionTracker.track(
            monitor,
            overflowHealth,
            lagKeys,
            scheduler(),
            raw.events(),
            f -> p.batches(f, raw.delivery()),
            b -> b);
      }

      @Override
      public HealthMonitor health() {
        return monitor;
      }

      @Override
      public Delivery delivery() {
        return raw.delivery();
      }

      @Override
      public ShaResolver contentSha() {
        return raw.contentSha();
      }

      @Override
      public String toString() {
        return options.redacted();
      }
    };
  }

  /**
   * This pipeline applied to a raw stream taken as it is (nothing coalesced in front of it, as
   * for a {@link Delivery#PULL} source), one event at a time (debounced batches flattened).
   *
   * @param raw the raw events, requested in bounded amounts
   * @return the processed events
   */
  public Flux<ChangeEvent> events(Flux<ChangeEvent> raw) {
    return events(raw, Delivery.PULL);
  }

  /**
   * This pipeline applied to the raw stream of a source that delivers as {@code delivery} says.
   *
   * @param raw the raw events
   * @param delivery how the source delivers: {@link Delivery#PUSH} streams are coalesced first
   * @return the processed events
   */
  public Flux<ChangeEvent> events(Flux<ChangeEvent> raw, Delivery delivery) {
    Flux<ChangeEvent> in = front(raw, delivery);
    Flux<ChangeEvent> out;
    if (debounce != null) {
      // prefetch 1: a slow consumer leaves closed batches merging inside debounce, not queued here
      out = batchesUnacked(in).concatMapIterable(Function.identity(), 1);
    } else {
      out = eventsUnacked(in);
    }
    return manualAck ? out : out.transform(ChangeOps.acknowledge());
  }

  /**
   * This pipeline applied to a raw stream taken as it is (as for a {@link Delivery#PULL} source),
   * in batches (batches of one without debounce).
   *
   * @param raw the raw events, requested in bounded amounts
   * @return the processed batches; never empty
   */
  public Flux<List<ChangeEvent>> batches(Flux<ChangeEvent> raw) {
    return batches(raw, Delivery.PULL);
  }

  /**
   * This pipeline applied, in batches, to the raw stream of a source that delivers as {@code
   * delivery} says.
   *
   * @param raw the raw events
   * @param delivery how the source delivers: {@link Delivery#PUSH} streams are coalesced first
   * @return the processed batches; never empty
   */
  public Flux<List<ChangeEvent>> batches(Flux<ChangeEvent> raw, Delivery delivery) {
    Flux<ChangeEvent> in = front(raw, delivery);
    Flux<List<ChangeEvent>> out =
        debounce != null ? batchesUnacked(in) : eventsUnacked(in).map(List::of);
    return manualAck ? out : out.transform(ChangeOps.acknowledgeBatches());
  }

  /** The paths filter, then, for a push source, the one coalescing stage (requesting it unbounded). */
  private Flux<ChangeEvent> front(Flux<ChangeEvent> raw, Delivery delivery) {
    Flux<ChangeEvent> f = filtered(raw);
    if (delivery == Delivery.PUSH) {
      f = Coalescer.apply(f, maxKeys, true, ChangeOps.DEFAULT_KEY_ACK_BUDGET, ChangeOps.DEFAULT_ACK_BUDGET);
    }
    return f;
  }

  private Flux<ChangeEvent> eventsUnacked(Flux<ChangeEvent> in) {
    Flux<ChangeEvent> f = in;
    if (confirm) {
      f = f.transform(ChangeOps.confirm(content));
    }
    if (dedup != null) {
      f = f.transform(ChangeOps.dedup(dedup, ChangeOps.DEFAULT_STATE_KEYS, scheduler()));
    }
    return f;
  }

  private Flux<List<ChangeEvent>> batchesUnacked(Flux<ChangeEvent> in) {
    Duration debounce = this.debounce;
    Duration maxWait = this.maxWait;
    if (debounce == null || maxWait == null) {
      // callers check debounce != null; maxWait is set whenever debounce is
      throw new IllegalStateException("no debounce");
    }
    Flux<List<ChangeEvent>> b =
        in.transform(ChangeOps.debounce(debounce, maxWait, maxKeys, scheduler()));
    if (confirm) {
      b = b.transform(ChangeOps.confirmBatches(content));
    }
    if (dedup != null) {
      b = b.transform(ChangeOps.dedupBatches(dedup, ChangeOps.DEFAULT_STATE_KEYS, scheduler()));
    }
    return b;
  }

  private Flux<ChangeEvent> filtered(Flux<ChangeEvent> raw) {
    if (include.isEmpty() && exclude.isEmpty()) {
      return raw;
    }
    return raw.transform(ChangeOps.paths(include, exclude));
  }

  private Scheduler scheduler() {
    return scheduler != null ? scheduler : Schedulers.parallel();
  }

  /**
   * The options this pipeline was made from.
   *
   * @return the options, secrets included (print only their {@link SourceOptions#redacted()} form)
   */
  public SourceOptions options() {
    return options;
  }

  /**
   * The debounce quiet period, or null without debounce (then batches are of one event).
   *
   * @return the quiet period, or null
   */
  public @Nullable Duration debounce() {
    return debounce;
  }

  /**
   * The max-wait in effect (given, or the default), or null without debounce.
   *
   * @return the max-wait, or null
   */
  public @Nullable Duration maxWait() {
    return maxWait;
  }

  /**
   * The pending keys at or over which the health is DEGRADED for consumer lag ({@code lagKeys}:
   * given, or half of {@code coalesce}).
   *
   * @return the bound in keys; 0 when the lag check is off
   */
  public int lagKeys() {
    return lagKeys;
  }

  /**
   * Whether the consumer acknowledges events itself ({@code ack=manual}).
   *
   * @return {@code true} when the pipeline leaves acknowledgement to the consumer
   */
  public boolean manualAck() {
    return manualAck;
  }

  /** The longest duration accepted: timers count in nanoseconds. */
  static final Duration LONGEST = Duration.ofDays(365);

  private void checkLength(OptionSpec<Duration> spec, @Nullable Duration d) {
    if (d != null && d.compareTo(LONGEST) > 0) {
      throw bad(spec, "is too long; accepted: at most 365d");
    }
  }

  private void checkGlobs(OptionSpec<List<String>> spec, List<String> globs) {
    for (String g : globs) {
      try {
        Globs.compile(g);
      } catch (IllegalArgumentException e) {
        throw bad(spec, String.valueOf(e.getMessage()));
      }
    }
  }

  private ChangeSourceException bad(OptionSpec<?> spec, String why) {
    String v = options.value(spec.name()).orElse("");
    return new ChangeSourceException(
        options.redacted() + ": option '" + spec.name() + "' = '" + v + "' " + why, spec.name(), null);
  }
}
