package io.changeflux.spi;

import io.changeflux.ChangeSink;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSourceException;
import io.changeflux.OptionSpec;
import io.changeflux.SourceOptions;
import java.util.List;
import java.util.Set;

/**
 * A backend, found by {@link java.util.ServiceLoader} through {@code
 * META-INF/services/io.changeflux.spi.ChangeSourceProvider}. Core never names a backend; adding
 * one never touches core.
 *
 * <p>{@link #create} receives options already validated against {@link #options()} and the
 * pipeline's options; it checks what it can without I/O that blocks for long (a path exists) and
 * throws {@link ChangeSourceException} for bad configuration. Connecting or watching happens on
 * subscription to {@link ChangeSource#events()}.
 */
public interface ChangeSourceProvider {

  /**
   * The main scheme, such as {@code fs}.
   *
   * @return the lower-case scheme, without the colon
   */
  String scheme();

  /**
   * Every scheme this provider serves (such as {@code redis} and {@code rediss}).
   *
   * @return the lower-case schemes; by default the main one only
   */
  default Set<String> schemes() {
    return Set.of(scheme());
  }

  /**
   * How a URI of this scheme looks, such as {@code fs:PATH}.
   *
   * @return a short usage pattern for help output; by default {@code SCHEME:TARGET}
   */
  default String usage() {
    return scheme() + ":TARGET";
  }

  /**
   * One line saying what the backend watches.
   *
   * @return the description shown by help and the option tables
   */
  String description();

  /**
   * The options this backend accepts, besides the pipeline's (which every scheme accepts).
   *
   * @return the backend's option specs; the same list on every call
   */
  List<OptionSpec<?>> options();

  /**
   * Makes a source; nothing is opened until subscription.
   *
   * @param options the options, validated against {@link #options()} and the pipeline's
   * @return a raw source, without pipeline stages (core applies them)
   * @throws ChangeSourceException for bad configuration; the message shows no secret
   */
  ChangeSource create(SourceOptions options);

  /**
   * Whether {@link #createSink} is supported.
   *
   * @return {@code true} when {@link #createSink} makes sinks; by default {@code false}
   */
  default boolean supportsSink() {
    return false;
  }

  /**
   * Makes a sink that publishes events to this backend.
   *
   * @param options the sink's options, validated against {@link #options()}
   * @return a sink; nothing is connected until it publishes
   * @throws ChangeSourceException by default, and for bad configuration
   */
  default ChangeSink createSink(SourceOptions options) {
    throw new ChangeSourceException(
        options.redacted() + ": scheme '" + options.scheme() + "' cannot publish events");
  }
}
