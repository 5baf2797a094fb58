package io.changeflux.git;

import org.jspecify.annotations.Nullable;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.changeflux.Delivery;
import io.changeflux.IdempotencyKey;
import io.changeflux.OptionSpec;
import io.changeflux.SourceOptions;
import io.changeflux.git.internal.GitRefs;
import io.changeflux.spi.ChangeSourceProvider;
import io.changeflux.spi.Readiness;
import io.changeflux.state.StateEntry;
import io.changeflux.state.StateOptions;
import io.changeflux.state.StateStore;
import java.util.Map;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * {@code git:REPO?branch=main}: one event per new head of a branch, confirmed by its commit id.
 *
 * <p>It watches the folders git writes refs into — {@code <common-dir>/refs/heads} (git renames
 * {@code BRANCH.lock} into place, so the folder, not the file) and {@code <common-dir>} itself for
 * {@code packed-refs} — through the {@code fs:} backend, and on any notification re-reads the
 * branch's commit id ({@link GitRefs}). It emits only when that id differs from the last one:
 * MODIFIED with {@code sha} = the commit id and {@code key} = the branch; CREATED when the branch
 * appears, DELETED when it goes. {@code git gc}, commits on other branches, index writes and other
 * spurious notifications give nothing.
 *
 * <p>This provider registers through the same SPI as the backends and uses only core's API (and
 * {@code fs:} through {@link ChangeSources}): it is also the example of how to write your own scheme.
 */
public final class GitProvider implements ChangeSourceProvider {

  private static final Logger log = LoggerFactory.getLogger(GitProvider.class);

  static final OptionSpec<String> BRANCH =
      OptionSpec.string("branch", null, "the branch to follow; default: the branch HEAD points at");
  static final OptionSpec<Boolean> INITIAL =
      OptionSpec.bool("initial", false, "first emit the branch's current commit as CREATED");

  @Override
  public String scheme() {
    return "git";
  }

  @Override
  public String usage() {
    return "git:REPO";
  }

  @Override
  public String description() {
    return "new commits on a branch of a local repository (or linked worktree), confirmed by commit id";
  }

  @Override
  public List<OptionSpec<?>> options() {
    List<OptionSpec<?>> all = new ArrayList<>(List.of(BRANCH, INITIAL));
    all.addAll(StateOptions.OPTIONS);
    return List.copyOf(all);
  }

  @Override
  public ChangeSource create(SourceOptions options) {
    Path repo = Path.of(options.targetDecoded().isEmpty() ? "." : options.targetDecoded());
    GitRefs refs;
    String branch;
    try {
      refs = GitRefs.of(repo);
      branch = options.get(BRANCH);
      if (branch == null) {
        branch =
            refs.currentBranch()
                .orElseThrow(
                    () -> new IllegalArgumentException("HEAD is detached; name the branch with branch=NAME"));
      }
    } catch (IllegalArgumentException | IOException e) {
      throw new ChangeSourceException(options.redacted() + ": " + e.getMessage(), e);
    }
    boolean initial = options.require(INITIAL);
    String source = options.redacted();
    String b = branch;
    StateStore.Spec state = StateStore.spec(options);
    if (state == null) {
      return () -> events(refs, b, initial, source, null);
    }
    return new ChangeSource() {
      @Override
      public Flux<ChangeEvent> events() {
        return Flux.defer(
            () -> {
              StateStore store = state.open("git", stateRoot(refs));
              return GitProvider.events(refs, b, initial, source, store).doFinally(s -> store.close());
            });
      }

      /** With {@code state=}: at least once, every event acknowledged into the state file. */
      @Override
      public Delivery delivery() {
        return Delivery.PULL;
      }
    };
  }

  /** The identity a git state file records: the repository's common git directory. */
  private static String stateRoot(GitRefs refs) {
    Path dir = refs.commonDir().toAbsolutePath().normalize();
    try {
      dir = dir.toRealPath();
    } catch (IOException e) {
      // keep the absolute path
    }
    return dir.toString();
  }

  /**
   * The commit a state file says was acknowledged for {@code branch} (empty: the branch did not
   * exist), or null when the store has nothing to resume from (a first start).
   */
  @SuppressWarnings("NullAway") // null, not empty: "nothing to resume from" (documented above)
  private static @Nullable Optional<String> resumed(@Nullable StateStore store, String branch) {
    if (store == null || store.status() == StateStore.Status.NEW) {
      return null;
    }
    StateEntry e = store.loaded().get(branch);
    return Optional.ofNullable(e == null ? null : e.id());
  }

  private static Flux<ChangeEvent> events(
      GitRefs refs, String branch, boolean initial, String source, @Nullable StateStore store) {
    return Flux.deferContextual(
        ctx -> {
          AtomicReference<Optional<String>> last = new AtomicReference<>();
          Optional<String> resumed = resumed(store, branch);
          Sinks.Many<Boolean> kick = Sinks.many().unicast().onBackpressureBuffer();
          List<Flux<ChangeEvent>> watches = new ArrayList<>();
          Path heads = refs.commonDir().resolve("refs").resolve("heads");
          if (Files.isDirectory(heads)) {
            watches.add(ChangeSources.open("fs:" + encode(heads) + "?recursive=true").events());
          }
          watches.add(
              ChangeSources.open("fs:" + encode(refs.commonDir()) + "?recursive=false").events());
          AtomicInteger pending = new AtomicInteger(watches.size());
          Runnable oneReady =
              () -> {
                if (pending.decrementAndGet() == 0) {
                  // Re-check once now that every watch is up: a commit made while they started is
                  // not lost.
                  kick.tryEmitNext(Boolean.TRUE);
                  Readiness.signal(ctx);
                }
              };
          Mono<Optional<ChangeEvent>> baseline =
              Mono.fromCallable(
                  () -> {
                    if (resumed != null && store != null) { // resumed is non-null only with a store
                      // Resume: the check once every watch is up emits the move since, if any.
                      last.set(resumed);
                      return store.status() == StateStore.Status.DISCARDED
                          ? Optional.of(
                              ChangeEvent.builder(ChangeKind.OVERFLOW, branch)
                                  .source(source)
                                  .header("reason", "state")
                                  .build())
                          : Optional.<ChangeEvent>empty();
                    }
                    Optional<String> now = refs.resolve(branch);
                    last.set(now);
                    if (initial && now.isPresent()) {
                      return Optional.of(tracked(store, event(ChangeKind.CREATED, branch, "", now.get(), source)));
                    }
                    if (store != null) {
                      store.baseline(now.isPresent() ? Map.of(branch, StateEntry.ofId(now.get())) : Map.of());
                    }
                    return Optional.<ChangeEvent>empty();
                  });
          Flux<Boolean> notifications =
              Flux.merge(
                      Flux.merge(watches)
                          .contextWrite(ChangeSources.onReady(oneReady))
                          .map(e -> Boolean.TRUE),
                      kick.asFlux())
                  .onBackpressureLatest();
          return baseline
              .subscribeOn(Schedulers.boundedElastic())
              .flatMapMany(
                  first ->
                      Flux.concat(
                          Mono.justOrEmpty(first),
                          notifications
                              .concatMap(
                                  n ->
                                      Mono.fromCallable(() -> check(refs, branch, last, source).map(e -> tracked(store, e)))
                                          .subscribeOn(Schedulers.boundedElastic()),
                                  1)
                              .filter(Optional::isPresent)
                              .map(Optional::get)));
        });
  }

  private static Optional<ChangeEvent> check(
      GitRefs refs, String branch, AtomicReference<Optional<String>> last, String source) {
    Optional<String> now;
    try {
      now = refs.resolve(branch);
    } catch (IOException e) {
      log.warn("{}: cannot read ref of branch {}: {}", source, branch, e.toString());
      return Optional.empty();
    }
    Optional<String> before = last.getAndSet(now);
    if (now.equals(before)) {
      return Optional.empty();
    }
    String from = before == null ? "" : before.orElse("");
    if (now.isEmpty()) {
      return Optional.of(
          ChangeEvent.builder(ChangeKind.DELETED, branch)
              .source(source)
              .time(Instant.now())
              .header(IdempotencyKey.VERSION, from + "..")
              .build());
    }
    ChangeKind kind = from.isEmpty() ? ChangeKind.CREATED : ChangeKind.MODIFIED;
    return Optional.of(event(kind, branch, from, now.get(), source));
  }

  /** With a store, the event carrying the handle that records its commit (or the branch's deletion). */
  private static ChangeEvent tracked(@Nullable StateStore store, ChangeEvent e) {
    return store == null ? e : store.track(e, StateEntry.ofId(e.sha().orElse(null)));
  }

  /**
   * A move of the branch from commit {@code from} (empty: none) to {@code sha}; header {@value
   * IdempotencyKey#VERSION} is {@code FROM..SHA}, the same when a resume reports that move again.
   */
  private static ChangeEvent event(ChangeKind kind, String branch, String from, String sha, String source) {
    return ChangeEvent.builder(kind, branch)
        .source(source)
        .sha(sha)
        .time(Instant.now())
        .header(IdempotencyKey.VERSION, from + ".." + sha)
        .build();
  }

  /** A path as an fs: URI target: {@code %} and {@code ?} escaped. */
  static String encode(Path p) {
    return p.toAbsolutePath().toString().replace("%", "%25").replace("?", "%3F");
  }

}
