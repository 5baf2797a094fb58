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

  /** The main scheme, such as {@code fs}. */
  String scheme();

  /** Every scheme this provider serves (such as {@code redis} and {@code rediss}). */
  default Set<String> schemes() {
    return Set.of(scheme());
  }

  /** How a URI of this scheme looks, such as {@code fs:PATH}. */
  default String usage() {
    return scheme() + ":TARGET";
  }

  /** One line saying what the backend watches. */
  String description();

  /** The options this backend accepts, besides the pipeline's (which every scheme accepts). */
  List<OptionSpec<?>> options();

  /** Makes a source; nothing is opened until subscription. */
  ChangeSource create(SourceOptions options);

  /** Whether {@link #createSink} is supported. */
  default boolean supportsSink() {
    return false;
  }

  /** Makes a sink that publishes events to this backend. */
  default ChangeSink createSink(SourceOptions options) {
    throw new ChangeSourceException(
        options.redacted() + ": scheme '" + options.scheme() + "' cannot publish events");
  }
}
