package io.changeflux.fs;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeOps;
import io.changeflux.Delivery;
import io.changeflux.ChangePipeline;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSourceException;
import io.changeflux.OptionSpec;
import io.changeflux.ShaResolver;
import io.changeflux.ShaResolvers;
import io.changeflux.SourceOptions;
import io.changeflux.files.TreeScanner;
import io.changeflux.files.internal.ConfirmBaseline;
import io.changeflux.fs.internal.FileWatch;
import io.changeflux.fs.internal.Engines;
import io.changeflux.fs.internal.FsConfig;
import io.changeflux.fs.internal.FsWatch;
import io.changeflux.files.GitIgnore;
import io.changeflux.files.GitIgnoreFilter;
import io.changeflux.files.VcsSettle;
import io.changeflux.fs.internal.Pruning;
import io.changeflux.fs.internal.StableGate;
import io.changeflux.poll.PollProvider;
import io.changeflux.spi.ChangeSourceProvider;
import io.changeflux.spi.Readiness;
import io.changeflux.state.StateFlux;
import io.changeflux.state.StateOptions;
import io.changeflux.state.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * The {@code fs:PATH} scheme: native file-system watching — on Linux inotify read directly (the
 * native engine), elsewhere FSEvents or ReadDirectoryChangesW through directory-watcher (the
 * portable engine; {@code engine=} chooses) — with a rescan on overflow and a polling fallback; {@code fs:FILE} watches one file through atomic saves and symlink swaps. See the module README for every option and the delivery guarantee.
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

  /** Hold a file's CREATED/MODIFIED until it stopped changing. */
  public static final OptionSpec<Duration> STABLE =
      OptionSpec.duration(
          "stable",
          "0",
          "hold a file's CREATED/MODIFIED until its size and mtime were unchanged this long (write finished); 0: off");

  /** Which engine watches natively. */
  public static final OptionSpec<String> ENGINE =
      OptionSpec.choice(
          "engine",
          "auto",
          "auto: native on Linux (unless hash=true), else portable; native: inotify read directly (Linux); portable: directory-watcher",
          "auto",
          "native",
          "portable");

  /** Hold events while a version-control operation is in progress. */
  public static final OptionSpec<String> SETTLE = PollProvider.SETTLE;

  /** The longest {@code settle=vcs} holds events. */
  public static final OptionSpec<Duration> SETTLE_MAX = PollProvider.SETTLE_MAX;

  /** Leave out the files git ignores: the same option as {@code poll:}'s ({@link PollProvider#GITIGNORE}). */
  public static final OptionSpec<Boolean> GITIGNORE = PollProvider.GITIGNORE; // one definition, one text

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
    List<OptionSpec<?>> all = new ArrayList<>(List.of(
        RECURSIVE,
        INITIAL,
        HASH,
        FALLBACK,
        POLL_INTERVAL,
        FOLLOW_LINKS,
        AWAIT_ROOT,
        STABLE,
        SETTLE,
        SETTLE_MAX,
        GITIGNORE,
        ENGINE));
    all.addAll(StateOptions.OPTIONS);
    return List.copyOf(all);
  }

  /**
   * {@inheritDoc}
   *
   * @throws ChangeSourceException naming the path when it does not exist (unless {@code
   *     awaitRoot=true})
   */
  @Override
  public ChangeSource create(SourceOptions options) {
    boolean awaitRoot = options.require(AWAIT_ROOT);
    Path root = PollProvider.root(options, awaitRoot);
    Duration pollInterval = options.require(POLL_INTERVAL);
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
            options.require(RECURSIVE),
            options.require(INITIAL),
            options.require(HASH),
            options.require(FALLBACK),
            pollInterval,
            options.require(FOLLOW_LINKS),
            awaitRoot,
            Files.exists(root) && !Files.isDirectory(root),
            stable(options),
            engine(options));
    Engines.prepare(config);
    int maxKeys = options.require(ChangePipeline.COALESCE);
    ShaResolver content = contentSha(config);
    Duration settleMax = PollProvider.settleMax(options);
    java.util.function.Predicate<String> excluded = ChangeOps.excludedDirectories(options.require(ChangePipeline.EXCLUDE));
    Gates gates =
        new Gates(
            settleMax,
            options.require(GITIGNORE),
            "sha256".equals(options.get(ChangePipeline.CONFIRM)) ? content : null,
            options.require(ChangePipeline.EXCLUDE).isEmpty() ? null : excluded);
    StateStore.Spec state = StateStore.spec(options);
    if (state != null && config.file()) {
      throw new ChangeSourceException(
          options.redacted()
              + ": option 'state' is for directories; to resume one file, watch its directory with include=NAME",
          "state",
          null);
    }
    if (state != null) {
      state.refuseInside(config.root());
    }
    return new ChangeSource() {
      @Override
      public Flux<ChangeEvent> events() {
        return state == null
            ? flux(config, gates, maxKeys, null)
            : StateFlux.merged(flux(config, gates, maxKeys, state));
      }

      /**
       * {@link Delivery#PULL} with {@code state=} (at least once: every event carries the handle
       * that advances the state file, and the pipeline must not coalesce it into an OVERFLOW);
       * {@link Delivery#PUSH} without.
       */
      @Override
      public Delivery delivery() {
        return state == null ? Delivery.PUSH : Delivery.PULL;
      }

      @Override
      public ShaResolver contentSha() {
        return content;
      }
    };
  }

  /**
   * What {@code confirm=sha256} hashes: files below the root, following links only with {@code
   * followLinks} and never out of the root; for {@code fs:FILE}, the named file through its links
   * within its directory (a ConfigMap's {@code app.yaml -> ..data/app.yaml}), since following that
   * file is what the user asked for.
   */
  private static ShaResolver contentSha(FsConfig config) {
    if (config.file()) {
      Path dir = config.root().getParent();
      return ShaResolvers.fileSha256(dir == null ? config.root() : dir, true);
    }
    return ShaResolvers.fileSha256(config.root(), config.followLinks());
  }

  /**
   * The operators between the watch and the sink, each optional: {@code settle=vcs} (its maximum
   * hold, or null), {@code gitignore=true}, and with {@code confirm=sha256} the content rule of the
   * baseline taken at start (or null).
   */
  private record Gates(
      @Nullable Duration settleMax,
      boolean gitignore,
      @Nullable ShaResolver baseline,
      java.util.function.@Nullable Predicate<String> excludedDirs) {}

  /**
   * The directories a watch need not watch nor list: those {@code exclude=} drops whole, and with
   * {@code gitignore=true} those git ignores (git never looks inside an ignored directory, so no
   * negation can re-include anything below one) — except {@code .git} itself and {@code
   * .git/info}, whose {@code exclude} file is an ignore file to follow. With {@code gitignore=true}
   * a change of an ignore file re-registers the tree.
   */
  private static Pruning pruning(Gates gates, @Nullable GitIgnore ignore) {
    java.util.function.Predicate<String> ex = gates.excludedDirs();
    if (ignore == null && ex == null) {
      return Pruning.NONE;
    }
    java.util.function.Predicate<String> git =
        ignore == null
            ? k -> false
            : k -> {
              int slash = k.lastIndexOf('/');
              String name = k.substring(slash + 1);
              if (name.equals(".git") || k.equals(".git/info") || k.endsWith("/.git/info")) {
                return false;
              }
              return ignore.ignored(k, true);
            };
    java.util.function.Predicate<String> dirs = ex == null ? git : ignore == null ? ex : ex.or(git);
    return ignore == null
        ? new Pruning(dirs, k -> false, k -> false)
        : new Pruning(dirs, ignore::ignored, ignore::changed);
  }

  private static void stop(
      Runnable watch, @Nullable StableGate gate, @Nullable VcsSettle settle, @Nullable ConfirmBaseline baseline) {
    watch.run();
    if (baseline != null) {
      baseline.cancel();
    }
    if (gate != null) {
      gate.cancel();
    }
    if (settle != null) {
      settle.cancel();
    }
  }

  private static String fileKey(Path file) {
    Path name = file.getFileName();
    return name == null ? file.toString() : name.toString();
  }

  private static String engine(SourceOptions options) {
    String engine = options.require(ENGINE);
    if ("native".equals(engine) && options.require(HASH)) {
      throw new ChangeSourceException(
          options.redacted() + ": option 'hash' needs engine=portable (or auto), not engine=native",
          "hash",
          null);
    }
    return engine;
  }

  private static Duration stable(SourceOptions options) {
    Duration d = options.require(STABLE);
    if (d.isNegative()) {
      throw new ChangeSourceException(
          options.redacted() + ": option 'stable' must be 0 (off) or positive, was " + d, "stable", null);
    }
    return d;
  }

  /** A push source: {@link io.changeflux.ChangeSources#open} coalesces behind it. */
  private static Flux<ChangeEvent> flux(
      FsConfig config, Gates gates, int maxKeys, StateStore.@Nullable Spec state) {
    if (gates.baseline() == null) {
      return create(config, gates, maxKeys, state, null);
    }
    // The baseline walk begins when the watch is ready: the watch signals readiness through the
    // context, so the sink's context gets a callback that begins the walk, then tells the subscriber.
    return Flux.deferContextual(
        ctx -> {
          java.util.concurrent.atomic.AtomicReference<ConfirmBaseline> walk =
              new java.util.concurrent.atomic.AtomicReference<>();
          Runnable user = ctx.<Runnable>getOrEmpty(Readiness.KEY).orElse(null);
          Runnable ready =
              () -> {
                ConfirmBaseline b = walk.get();
                if (b != null) {
                  b.begin();
                }
                if (user != null) {
                  user.run();
                }
              };
          return create(config, gates, maxKeys, state, walk).contextWrite(c -> c.put(Readiness.KEY, ready));
        });
  }

  private static Flux<ChangeEvent> create(
      FsConfig config,
      Gates gates,
      int maxKeys,
      StateStore.@Nullable Spec state,
      java.util.concurrent.atomic.@Nullable AtomicReference<ConfirmBaseline> walk) {
    return Flux.<ChangeEvent>create(
            sink -> {
              StateStore store;
              try {
                store = state == null ? null : state.open(PollProvider.STATE_KIND, PollProvider.stateRoot(config.root()));
              } catch (ChangeSourceException e) {
                sink.error(e);
                return;
              }
              // One onDispose per sink: a second call would dispose its argument at once.
              StableGate gate =
                  config.stable().isZero()
                      ? null
                      : StableGate.create(config.stable(), sink::next, maxKeys, config.source());
              Consumer<ChangeEvent> out = gate == null ? sink::next : gate;
              // Built from the sink outwards; events go watch → confirm baseline → gitignore →
              // settle=vcs → stable= → sink: a settled batch reaches the stable gate at once and
              // leaves it together.
              VcsSettle settle =
                  gates.settleMax() == null
                      ? null
                      : VcsSettle.create(config.root(), gates.settleMax(), out, maxKeys, config.source());
              if (settle != null) {
                out = settle;
              }
              // gitignore first: what git ignores is never held or waited for.
              GitIgnore ignore = null;
              if (gates.gitignore()) {
                Path ignoreRoot = config.file() ? config.root().toAbsolutePath().getParent() : config.root();
                ignore = GitIgnore.forRoot(ignoreRoot == null ? config.root() : ignoreRoot);
                // A directory watch keeps ignored files out of its tree: its DELETED are of files
                // that were visible (hidden by a change of the rules), and pass.
                out = new GitIgnoreFilter(ignore, out, !config.file());
              }
              // watch → confirm baseline → ...: the first event of a file that existed at start
              // carries the SHA it had then.
              ConfirmBaseline baseline = null;
              ShaResolver content = gates.baseline();
              if (content != null) {
                GitIgnore ig = ignore;
                ConfirmBaseline b =
                    config.file()
                        ? ConfirmBaseline.ofFile("fs", config.root(), fileKey(config.root()), content, config.source())
                        : ConfirmBaseline.ofTree(
                            "fs",
                            new TreeScanner(
                                config.root(), config.recursive(), config.followLinks(), pruning(gates, ig).dirs()),
                            content,
                            ig == null ? k -> false : ig::ignored,
                            ChangeOps.DEFAULT_STATE_KEYS,
                            config.source());
                Consumer<ChangeEvent> next = out;
                out = e -> next.accept(b.mark(e));
                baseline = b;
                if (walk != null) {
                  walk.set(baseline);
                }
              }
              ConfirmBaseline base = baseline;
              Runnable cancel;
              if (config.file()) {
                FileWatch watch = new FileWatch(config, sink, out);
                cancel = watch::cancel;
                sink.onDispose(() -> stop(cancel, gate, settle, base));
                watch.start();
              } else {
                FsWatch watch = new FsWatch(config, sink, out, store, pruning(gates, ignore));
                watch.closeWritesTo(gate);
                cancel = watch::cancel;
                sink.onDispose(
                    () -> {
                      stop(cancel, gate, settle, base);
                      if (store != null) {
                        store.close();
                      }
                    });
                watch.start();
              }
            },
            FluxSink.OverflowStrategy.BUFFER);
  }
}
