package io.changeflux;

import io.changeflux.internal.Globs;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
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
 * <p>The pipeline adds no separate coalescing stage: push sources coalesce at their own boundary
 * with the {@code coalesce} bound, every stage after it keeps backpressure, and the debounce batch
 * (the one stage that must read ahead) is bounded by the same {@code coalesce} keys.
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

  /** Every pipeline option, accepted by every scheme. */
  public static final List<OptionSpec<?>> OPTIONS =
      List.of(INCLUDE, EXCLUDE, DEDUP, CONFIRM, COALESCE, DEBOUNCE, MAX_WAIT);

  /** The longest default max-wait. */
  public static final Duration MAX_DEFAULT_MAX_WAIT = Duration.ofSeconds(5);

  private final SourceOptions options;
  private final List<String> include;
  private final List<String> exclude;
  private final Duration dedup;
  private final boolean confirm;
  private final int maxKeys;
  private final Duration debounce;
  private final Duration maxWait;
  private final boolean manualAck;
  /** Null: {@link Schedulers#parallel()} at the time a stream is built. */
  private final Scheduler scheduler;

  private ChangePipeline(SourceOptions options, Scheduler scheduler) {
    this.options = options;
    this.scheduler = scheduler;
    this.include = options.get(INCLUDE);
    this.exclude = options.get(EXCLUDE);
    checkGlobs(INCLUDE, include);
    checkGlobs(EXCLUDE, exclude);
    this.dedup = options.get(DEDUP);
    checkLength(DEDUP, dedup);
    if (dedup != null && dedup.isZero()) {
      throw bad(DEDUP, "must be more than 0 (leave it out for no dedup)");
    }
    this.confirm = "sha256".equals(options.get(CONFIRM));
    this.maxKeys = options.get(COALESCE);
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
    this.manualAck =
        options.value("ack").map(v -> v.trim().toLowerCase(Locale.ROOT).equals("manual")).orElse(false);
  }

  /**
   * The pipeline that validated options name.
   *
   * @throws ChangeSourceException naming the option when a value is bad or options contradict
   *     ({@code maxWait} without {@code debounce}, {@code maxWait} below it, a malformed glob)
   */
  public static ChangePipeline of(SourceOptions options) {
    return new ChangePipeline(options, null);
  }

  /**
   * The same pipeline with its timers and clock on {@code scheduler} (virtual time in tests).
   * Default: {@link Schedulers#parallel()}, looked up when a stream is built.
   */
  public ChangePipeline on(Scheduler scheduler) {
    return new ChangePipeline(options, scheduler);
  }

  /** The max-wait used when only {@code debounce} is given: 10 × debounce, at most 5 s, at least debounce. */
  public static Duration defaultMaxWait(Duration debounce) {
    Duration tenfold = debounce.multipliedBy(10);
    Duration capped = tenfold.compareTo(MAX_DEFAULT_MAX_WAIT) > 0 ? MAX_DEFAULT_MAX_WAIT : tenfold;
    return capped.compareTo(debounce) < 0 ? debounce : capped;
  }

  /** The source with this pipeline's operators applied to its events and batches. */
  public ChangeSource apply(ChangeSource raw) {
    ChangePipeline p = this;
    return new ChangeSource() {
      @Override
      public Flux<ChangeEvent> events() {
        return p.events(raw.events());
      }

      @Override
      public Flux<List<ChangeEvent>> batches() {
        return p.batches(raw.events());
      }

      @Override
      public String toString() {
        return options.redacted();
      }
    };
  }

  /** This pipeline applied to a raw stream, one event at a time (debounced batches flattened). */
  public Flux<ChangeEvent> events(Flux<ChangeEvent> raw) {
    Flux<ChangeEvent> out;
    if (debounce != null) {
      // prefetch 1: a slow consumer leaves closed batches merging inside debounce, not queued here
      out = batchesUnacked(raw).concatMapIterable(Function.identity(), 1);
    } else {
      out = eventsUnacked(raw);
    }
    return manualAck ? out : out.transform(ChangeOps.acknowledge());
  }

  /** This pipeline applied to a raw stream, in batches (batches of one without debounce). */
  public Flux<List<ChangeEvent>> batches(Flux<ChangeEvent> raw) {
    Flux<List<ChangeEvent>> out =
        debounce != null ? batchesUnacked(raw) : eventsUnacked(raw).map(List::of);
    return manualAck ? out : out.transform(ChangeOps.acknowledgeBatches());
  }

  private Flux<ChangeEvent> eventsUnacked(Flux<ChangeEvent> raw) {
    Flux<ChangeEvent> f = filtered(raw);
    if (confirm) {
      f = f.transform(ChangeOps.confirm(ShaResolvers.sha256()));
    }
    if (dedup != null) {
      f = f.transform(ChangeOps.dedup(dedup, ChangeOps.DEFAULT_STATE_KEYS, scheduler()));
    }
    return f;
  }

  private Flux<List<ChangeEvent>> batchesUnacked(Flux<ChangeEvent> raw) {
    Flux<List<ChangeEvent>> b =
        filtered(raw).transform(ChangeOps.debounce(debounce, maxWait, maxKeys, scheduler()));
    if (confirm) {
      b = b.transform(ChangeOps.confirmBatches(ShaResolvers.sha256()));
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

  /** The options this pipeline was made from. */
  public SourceOptions options() {
    return options;
  }

  /** The debounce quiet period, or null without debounce (then batches are of one event). */
  public Duration debounce() {
    return debounce;
  }

  /** The max-wait in effect (given, or the default), or null without debounce. */
  public Duration maxWait() {
    return maxWait;
  }

  /** Whether the consumer acknowledges events itself ({@code ack=manual}). */
  public boolean manualAck() {
    return manualAck;
  }

  /** The longest duration accepted: timers count in nanoseconds. */
  static final Duration LONGEST = Duration.ofDays(365);

  private void checkLength(OptionSpec<Duration> spec, Duration d) {
    if (d != null && d.compareTo(LONGEST) > 0) {
      throw bad(spec, "is too long; accepted: at most 365d");
    }
  }

  private void checkGlobs(OptionSpec<List<String>> spec, List<String> globs) {
    for (String g : globs) {
      try {
        Globs.compile(g);
      } catch (IllegalArgumentException e) {
        throw bad(spec, e.getMessage());
      }
    }
  }

  private ChangeSourceException bad(OptionSpec<?> spec, String why) {
    String v = options.value(spec.name()).orElse("");
    return new ChangeSourceException(
        options.redacted() + ": option '" + spec.name() + "' = '" + v + "' " + why, spec.name(), null);
  }
}
