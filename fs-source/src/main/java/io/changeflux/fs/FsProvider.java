package io.changeflux.fs;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeOps;
import io.changeflux.ChangePipeline;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSourceException;
import io.changeflux.OptionSpec;
import io.changeflux.SourceOptions;
import io.changeflux.fs.internal.FsConfig;
import io.changeflux.fs.internal.FsWatch;
import io.changeflux.poll.PollProvider;
import io.changeflux.spi.ChangeSourceProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * The {@code fs:PATH} scheme: native file-system watching (inotify, FSEvents,
 * ReadDirectoryChangesW) through directory-watcher, with a rescan on overflow and a polling
 * fallback. See the module README for every option and the delivery guarantee.
 */
public final class FsProvider implements ChangeSourceProvider {

  /** Watch sub-directories. */
  public static final OptionSpec<Boolean> RECURSIVE = PollProvider.RECURSIVE;

  /** Report existing files at start. */
  public static final OptionSpec<Boolean> INITIAL = PollProvider.INITIAL;

  /** Content hashing in directory-watcher. */
  public static final OptionSpec<Boolean> HASH =
      OptionSpec.bool(
          "hash",
          false,
          "hash every file at start and drop MODIFY events whose content did not change (slow start on big trees)");

  /** What to do where native watching cannot start. */
  public static final OptionSpec<String> FALLBACK =
      OptionSpec.choice(
          "fallback",
          "auto",
          "auto: poll where native watching cannot start; poll: always poll; none: fail instead",
          "auto",
          "poll",
          "none");

  /** The fallback's poll interval. */
  public static final OptionSpec<Duration> POLL_INTERVAL =
      OptionSpec.duration("pollInterval", "2s", "time between scans when polling (fallback)");

  /** Follow symbolic links to directories. */
  public static final OptionSpec<Boolean> FOLLOW_LINKS = PollProvider.FOLLOW_LINKS;

  /** Wait for a missing root. */
  public static final OptionSpec<Boolean> AWAIT_ROOT = PollProvider.AWAIT_ROOT;

  @Override
  public String scheme() {
    return "fs";
  }

  @Override
  public String usage() {
    return "fs:PATH";
  }

  @Override
  public String description() {
    return "watches a directory tree natively (inotify/FSEvents/ReadDirectoryChangesW), polling where it cannot";
  }

  @Override
  public List<OptionSpec<?>> options() {
    return List.of(RECURSIVE, INITIAL, HASH, FALLBACK, POLL_INTERVAL, FOLLOW_LINKS, AWAIT_ROOT);
  }

  /**
   * {@inheritDoc}
   *
   * @throws ChangeSourceException naming the path when it does not exist (unless {@code
   *     awaitRoot=true})
   */
  @Override
  public ChangeSource create(SourceOptions options) {
    boolean awaitRoot = options.get(AWAIT_ROOT);
    Path root = PollProvider.root(options, awaitRoot);
    Duration pollInterval = options.get(POLL_INTERVAL);
    if (pollInterval.isZero() || pollInterval.isNegative()) {
      throw new ChangeSourceException(
          options.redacted() + ": option 'pollInterval' must be positive, was " + pollInterval,
          "pollInterval",
          null);
    }
    FsConfig config =
        new FsConfig(
            root,
            options.redacted(),
            options.get(RECURSIVE),
            options.get(INITIAL),
            options.get(HASH),
            options.get(FALLBACK),
            pollInterval,
            options.get(FOLLOW_LINKS),
            awaitRoot);
    int maxKeys = options.get(ChangePipeline.COALESCE);
    return () -> flux(config, maxKeys);
  }

  private static Flux<ChangeEvent> flux(FsConfig config, int maxKeys) {
    return Flux.<ChangeEvent>create(
            sink -> {
              FsWatch watch = new FsWatch(config, sink);
              sink.onDispose(watch::cancel);
              watch.start();
            },
            FluxSink.OverflowStrategy.BUFFER)
        .transform(ChangeOps.coalesce(maxKeys));
  }
}
