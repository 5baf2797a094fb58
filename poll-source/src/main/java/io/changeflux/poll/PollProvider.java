package io.changeflux.poll;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeOps;
import io.changeflux.ChangePipeline;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSourceException;
import io.changeflux.OptionSpec;
import io.changeflux.SourceOptions;
import io.changeflux.poll.internal.DirectoryPoller;
import io.changeflux.poll.internal.PollConfig;
import io.changeflux.spi.ChangeSourceProvider;
import io.changeflux.spi.Readiness;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/** The {@code poll:PATH} scheme: a snapshot diff of a directory tree every interval. */
public final class PollProvider implements ChangeSourceProvider {

  /** Time between scans. */
  public static final OptionSpec<Duration> INTERVAL =
      OptionSpec.duration("interval", "1s", "time between scans of the tree");

  /** What makes a file modified. */
  public static final OptionSpec<String> COMPARE =
      OptionSpec.choice(
          "compare",
          "mtime",
          "mtime: size or modification time changed; content: SHA-256 of the bytes changed",
          "mtime",
          "content");

  /** Walk sub-directories. */
  public static final OptionSpec<Boolean> RECURSIVE =
      OptionSpec.bool("recursive", true, "watch sub-directories too (false: the root's own files)");

  /** Report existing files at start. */
  public static final OptionSpec<Boolean> INITIAL =
      OptionSpec.bool("initial", false, "first emit CREATED for every file that already exists");

  /** Follow symbolic links to directories. */
  public static final OptionSpec<Boolean> FOLLOW_LINKS =
      OptionSpec.bool(
          "followLinks", false, "follow symbolic links to directories (loops are not followed)");

  /** Wait for a missing root. */
  public static final OptionSpec<Boolean> AWAIT_ROOT =
      OptionSpec.bool(
          "awaitRoot", false, "when the root is missing or deleted, wait for it instead of failing");

  @Override
  public String scheme() {
    return "poll";
  }

  @Override
  public String usage() {
    return "poll:PATH";
  }

  @Override
  public String description() {
    return "polls a directory tree every interval and reports files created, modified, deleted";
  }

  @Override
  public List<OptionSpec<?>> options() {
    return List.of(INTERVAL, COMPARE, RECURSIVE, INITIAL, FOLLOW_LINKS, AWAIT_ROOT);
  }

  @Override
  public ChangeSource create(SourceOptions options) {
    Path root = root(options, options.get(AWAIT_ROOT));
    Duration interval = options.get(INTERVAL);
    if (interval.isZero() || interval.isNegative()) {
      throw new ChangeSourceException(
          options.redacted() + ": option 'interval' must be positive, was " + interval, "interval", null);
    }
    PollConfig config =
        new PollConfig(
            root,
            options.redacted(),
            interval,
            "content".equals(options.get(COMPARE)),
            options.get(RECURSIVE),
            options.get(FOLLOW_LINKS),
            options.get(INITIAL),
            options.get(AWAIT_ROOT));
    int maxKeys = options.get(ChangePipeline.COALESCE);
    return () -> flux(config, maxKeys);
  }

  /**
   * The absolute, normalised root a URI names; a missing root is an error unless awaited.
   *
   * @throws ChangeSourceException naming the path when it is empty, malformed or missing
   */
  public static Path root(SourceOptions options, boolean awaitRoot) {
    String target = options.targetDecoded();
    if (target.isBlank()) {
      throw new ChangeSourceException(
          options.redacted() + ": missing path; expected " + options.scheme() + ":PATH");
    }
    Path root;
    try {
      root = Path.of(target).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw new ChangeSourceException(options.redacted() + ": bad path '" + target + "': " + e.getReason());
    }
    if (!awaitRoot && !Files.exists(root)) {
      throw new ChangeSourceException(
          options.redacted() + ": no such directory: " + root + " (add awaitRoot=true to wait for it)");
    }
    return root;
  }

  /** The events of one polled directory, coalesced for slow subscribers. */
  public static Flux<ChangeEvent> flux(PollConfig config, int maxKeys) {
    return Flux.<ChangeEvent>create(
            sink -> {
              DirectoryPoller poller =
                  new DirectoryPoller(
                      config, sink::next, sink::error, () -> Readiness.signal(sink.contextView()));
              sink.onDispose(poller::cancel);
              poller.start(null);
            },
            FluxSink.OverflowStrategy.BUFFER)
        .transform(ChangeOps.coalesce(maxKeys));
  }
}
