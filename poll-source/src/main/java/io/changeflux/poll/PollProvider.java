package io.changeflux.poll;

import org.jspecify.annotations.Nullable;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangePipeline;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSourceException;
import io.changeflux.Delivery;
import io.changeflux.OptionSpec;
import io.changeflux.ShaResolver;
import io.changeflux.ShaResolvers;
import io.changeflux.SourceOptions;
import io.changeflux.files.VcsSettle;
import io.changeflux.poll.internal.DirectoryPoller;
import io.changeflux.spi.ChangeSourceProvider;
import io.changeflux.spi.Readiness;
import io.changeflux.state.StateFlux;
import io.changeflux.state.StateOptions;
import io.changeflux.state.StateStore;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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

  /** Leave out the files git ignores. */
  public static final OptionSpec<Boolean> GITIGNORE =
      OptionSpec.bool(
          "gitignore",
          false,
          "leave out files ignored by .gitignore (nested), .ignore, .git/info/exclude and core.excludesFile, re-read when they change; also .git/; ignored directories are never entered");

  /** Hold events while a version-control operation is in progress. */
  public static final OptionSpec<String> SETTLE =
      OptionSpec.choice(
          "settle",
          "none",
          "vcs: hold events while a git/hg operation is in progress (index.lock, rebase, ...), then release them together; none: off",
          "none",
          "vcs");

  /** The longest {@code settle=vcs} holds events. */
  public static final OptionSpec<Duration> SETTLE_MAX =
      OptionSpec.duration(
          "settleMax",
          "30s",
          "with settle=vcs: the longest events are held (a stale lock); then they flow, with a warning");

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
    List<OptionSpec<?>> all =
        new ArrayList<>(
            List.of(INTERVAL, COMPARE, RECURSIVE, INITIAL, FOLLOW_LINKS, AWAIT_ROOT, SETTLE, SETTLE_MAX, GITIGNORE));
    all.addAll(StateOptions.OPTIONS);
    return List.copyOf(all);
  }

  @Override
  public ChangeSource create(SourceOptions options) {
    Path root = root(options, options.require(AWAIT_ROOT));
    Duration interval = options.require(INTERVAL);
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
            options.require(RECURSIVE),
            options.require(FOLLOW_LINKS),
            options.require(INITIAL),
            options.require(AWAIT_ROOT),
            options.require(GITIGNORE),
            "sha256".equals(options.get(ChangePipeline.CONFIRM)));
    Settle settle = new Settle(settleMax(options), options.require(ChangePipeline.COALESCE));
    StateStore.Spec state = StateStore.spec(options);
    ShaResolver content = ShaResolvers.fileSha256(root, config.followLinks());
    if (state == null) {
      return new ChangeSource() {
        @Override
        public Flux<ChangeEvent> events() {
          return flux(config, null, settle);
        }

        /** Files below the root, following links only with {@code followLinks}, never out of it. */
        @Override
        public ShaResolver contentSha() {
          return content;
        }
      };
    }
    state.refuseInside(root);
    return new ChangeSource() {
      @Override
      public Flux<ChangeEvent> events() {
        return StateFlux.merged(flux(config, state, settle));
      }

      /** With {@code state=}: at least once, acknowledged, never coalesced into OVERFLOW. */
      @Override
      public Delivery delivery() {
        return Delivery.PULL;
      }

      /** Files below the root, following links only with {@code followLinks}, never out of it. */
      @Override
      public ShaResolver contentSha() {
        return content;
      }
    };
  }

  /**
   * The kind a state file of a directory tree records: the same for {@code fs:} and {@code poll:},
   * so that switching the backend of one tree keeps its state.
   */
  public static final String STATE_KIND = "files";

  /**
   * The identity a state file of this root records: the scheme and the absolute root, so a file
   * written for another directory is never trusted.
   *
   * @param root the absolute, normalised root
   * @return the root identity to give {@link io.changeflux.state.StateStore.Spec#open}
   */
  public static String stateRoot(Path root) {
    return root.toString();
  }

  /**
   * The longest {@code settle=vcs} holds ({@code settleMax}), or null with {@code settle=none}; the
   * same rule for {@code fs:} and {@code poll:}.
   *
   * @param options the source's options
   * @return {@code settleMax} with {@code settle=vcs}, else null
   * @throws ChangeSourceException naming {@code settleMax} when it is not positive
   */
  public static @Nullable Duration settleMax(SourceOptions options) {
    Duration settleMax = options.require(SETTLE_MAX);
    if (settleMax.isZero() || settleMax.isNegative()) {
      throw new ChangeSourceException(
          options.redacted() + ": option 'settleMax' must be positive, was " + settleMax, "settleMax", null);
    }
    return "vcs".equals(options.get(SETTLE)) ? settleMax : null;
  }

  /**
   * The absolute, normalised root a URI names; a missing root is an error unless awaited.
   *
   * @throws ChangeSourceException naming the path when it is empty, malformed or missing
   * @param options the source's options; the target is the path, percent-decoded
   * @param awaitRoot whether a root that does not exist yet is accepted ({@code awaitRoot=true})
   * @return the root
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

  /**
   * The raw events of one polled directory, a push source: {@link io.changeflux.ChangeSources#open}
   * coalesces behind it with the {@code coalesce} bound.
   *
   * @param config what to poll, how often and how
   * @return a cold stream: each subscription starts its own poller thread, released at cancel
   */
  public static Flux<ChangeEvent> flux(PollConfig config) {
    return flux(config, null, Settle.OFF);
  }

  /** {@code settle=vcs}: its longest hold (null: off) and the most keys it holds ({@code coalesce}). */
  private record Settle(@Nullable Duration max, int maxHeld) {
    static final Settle OFF = new Settle(null, 1);
  }

  /**
   * The raw events of one polled directory resuming from (and recording into) the state file
   * {@code state} names (null: no state), held during version-control operations as {@code
   * settle} says.
   */
  private static Flux<ChangeEvent> flux(PollConfig config, StateStore.@Nullable Spec state, Settle settle) {
    return Flux.<ChangeEvent>create(
            sink -> {
              StateStore store;
              try {
                store = state == null ? null : state.open(STATE_KIND, stateRoot(config.root()));
              } catch (ChangeSourceException e) {
                sink.error(e);
                return;
              }
              Duration settleMax = settle.max();
              VcsSettle gate =
                  settleMax == null
                      ? null
                      : VcsSettle.forScans(config.root(), settleMax, sink::next, settle.maxHeld(), config.source());
              DirectoryPoller poller =
                  new DirectoryPoller(
                      config,
                      gate == null ? sink::next : gate,
                      sink::error,
                      () -> Readiness.signal(sink.contextView()),
                      store,
                      sink.contextView(),
                      null,
                      null,
                      gate);
              sink.onDispose(
                  () -> {
                    poller.cancel();
                    if (gate != null) {
                      gate.cancel();
                    }
                    if (store != null) {
                      store.close();
                    }
                  });
              poller.start(null);
            },
            FluxSink.OverflowStrategy.BUFFER);
  }
}
