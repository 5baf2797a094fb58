package io.changeflux.samples.git;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.changeflux.OptionSpec;
import io.changeflux.SourceOptions;
import io.changeflux.spi.ChangeSourceProvider;
import io.changeflux.spi.Readiness;
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
 * <p>This provider lives outside the library's modules and registers through the same SPI as the
 * backends: it is also the example of how to write your own scheme.
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
    return List.of(BRANCH, INITIAL);
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
    boolean initial = options.get(INITIAL);
    String source = options.redacted();
    String b = branch;
    return () -> events(refs, b, initial, source);
  }

  private static Flux<ChangeEvent> events(GitRefs refs, String branch, boolean initial, String source) {
    return Flux.deferContextual(
        ctx -> {
          AtomicReference<Optional<String>> last = new AtomicReference<>();
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
                    Optional<String> now = refs.resolve(branch);
                    last.set(now);
                    return initial && now.isPresent()
                        ? Optional.of(event(ChangeKind.CREATED, branch, now.get(), source))
                        : Optional.<ChangeEvent>empty();
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
                                      Mono.fromCallable(() -> check(refs, branch, last, source))
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
    if (now.isEmpty()) {
      return Optional.of(ChangeEvent.builder(ChangeKind.DELETED, branch).source(source).time(Instant.now()).build());
    }
    ChangeKind kind = before == null || before.isEmpty() ? ChangeKind.CREATED : ChangeKind.MODIFIED;
    return Optional.of(event(kind, branch, now.get(), source));
  }

  private static ChangeEvent event(ChangeKind kind, String branch, String sha, String source) {
    return ChangeEvent.builder(kind, branch).source(source).sha(sha).time(Instant.now()).build();
  }

  /** A path as an fs: URI target: {@code %} and {@code ?} escaped. */
  static String encode(Path p) {
    return p.toAbsolutePath().toString().replace("%", "%25").replace("?", "%3F");
  }

}
