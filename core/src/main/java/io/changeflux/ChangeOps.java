package io.changeflux;

import io.changeflux.internal.Acknowledger;
import io.changeflux.internal.Acks;
import io.changeflux.internal.Coalescer;
import io.changeflux.internal.Confirmer;
import io.changeflux.internal.Debouncer;
import io.changeflux.internal.Deduper;
import io.changeflux.internal.Deduplicator;
import io.changeflux.internal.Globs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Operators for {@code Flux<ChangeEvent>}, each a {@link Function} for {@link Flux#transform}.
 *
 * <p>Merging within a batch follows one table, per key, in arrival order: CREATED+MODIFIED →
 * CREATED; CREATED+DELETED → nothing (DELETED when the CREATED carries {@link #REDELIVERED}: the
 * far side may hold it already); MODIFIED+DELETED → DELETED; DELETED+CREATED → MODIFIED;
 * MODIFIED+MODIFIED → MODIFIED. The merged event keeps the last time and payload and sums {@code
 * count}. OVERFLOW is never merged away.
 *
 * <p>Acknowledgement: an event an operator drops (filtered out, a duplicate, confirmed unchanged,
 * merged to nothing) was handled, so the operator acknowledges it ({@link ChangeEvent#ack()}) when
 * it drops it; a merged event carries the handles of everything merged into it. What reaches the
 * consumer is acknowledged by {@link #acknowledge()} (or by the consumer, with {@code ack=manual}).
 *
 * <p>Every timed operator has an overload that takes a {@link Scheduler} (for virtual time in
 * tests); the default is {@link Schedulers#parallel()}.
 */
public final class ChangeOps {

  /**
   * Merges a later event into an earlier one for the same key by the table above (the one every
   * merging operator uses), for sources and tools that hold events themselves. Empty when the pair
   * cancels out (CREATED then DELETED). The result keeps the later event's time, payload, sha and
   * path, both events' headers (the later's where both have one), sums {@code count}, and carries
   * both events' acknowledgement handles.
   *
   * @param earlier the event that arrived first; not null
   * @param later the event that arrived after it, for the same key; not null
   * @return the merged event, or empty when the pair cancels out
   */
  public static java.util.Optional<ChangeEvent> merge(ChangeEvent earlier, ChangeEvent later) {
    return java.util.Optional.ofNullable(
        io.changeflux.internal.Merging.merge(
            java.util.Objects.requireNonNull(earlier, "earlier"),
            java.util.Objects.requireNonNull(later, "later")));
  }

  /**
   * Header {@code redelivered=true} of an event that may have been delivered before: a source
   * resuming from {@code state=} sets it on every event of a key handed out in the last run and
   * never acknowledged. A CREATED that carries it never cancels out with a later DELETED: the merge
   * gives DELETED, so a far side that already holds the file learns it went. Not part of the
   * idempotency key.
   */
  public static final String REDELIVERED = io.changeflux.internal.Merging.REDELIVERED;

  /** Default bound of the per-key state of {@link #dedup} and {@link #confirm}. */
  public static final int DEFAULT_STATE_KEYS = 100_000;

  /** Default bound of the distinct keys of one {@link #debounce} batch (as {@code coalesce}). */
  public static final int DEFAULT_MAX_KEYS = 10_000;

  /**
   * Acknowledgement handles one key may hold in {@link #debounce} or {@link #coalesce} before they
   * stop requesting from upstream (debounce also closes its batch): at most about this many
   * messages of an at-least-once source are merged into one event, and acknowledged together once
   * it was delivered.
   */
  public static final int DEFAULT_KEY_ACK_BUDGET = Acks.KEY_BUDGET;

  /** Acknowledgement handles {@link #debounce} or {@link #coalesce} hold in all before they stop requesting. */
  public static final int DEFAULT_ACK_BUDGET = Acks.BUDGET;

  /** Default number of concurrent resolutions of {@link #confirm}. */
  public static final int DEFAULT_CONFIRM_CONCURRENCY =
      Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors()));

  private ChangeOps() {}

  /**
   * Coalescing backpressure: while downstream has not requested more, pending events merge per
   * key; past {@code maxKeys} distinct keys, everything pending is replaced by one OVERFLOW event
   * (key {@code ""}, header {@code reason=coalesce}, {@code count} = the events it replaced, and
   * their acknowledgement handles), so memory stays bounded under a slow consumer. With demand and
   * nothing pending an event passes straight through.
   *
   * <p>Upstream is requested in bounded amounts (256 at a time, replenished as events arrive, so
   * a source that sends regardless of demand is read as fast as it sends), and not at all while
   * the pending events hold {@value #DEFAULT_KEY_ACK_BUDGET} acknowledgement handles for one key
   * or {@value #DEFAULT_ACK_BUDGET} in all: toward an at-least-once source, memory stays bounded
   * whatever the number of messages waiting at the broker. ({@link ChangeSources#open} coalesces
   * push sources itself; there the upstream is requested unbounded.)
   *
   * @param maxKeys distinct pending keys before they collapse into one OVERFLOW; at least 1
   *     ({@value #DEFAULT_MAX_KEYS} is the usual bound)
   * @return the operator, reusable for any number of streams (state is per subscription)
   * @throws IllegalArgumentException if {@code maxKeys} is below 1
   */
  public static Function<Flux<ChangeEvent>, Flux<ChangeEvent>> coalesce(int maxKeys) {
    if (maxKeys < 1) {
      throw new IllegalArgumentException("maxKeys must be at least 1, was " + maxKeys);
    }
    return upstream -> Coalescer.apply(upstream, maxKeys);
  }

  /**
   * Debounce with max-wait, on {@link Schedulers#parallel()}, batches bounded by {@value
   * #DEFAULT_MAX_KEYS} keys. See {@link #debounce(Duration, Duration, int, Scheduler)}.
   *
   * @param quiet the quiet period, more than zero
   * @param maxWait the longest a batch stays open, at least {@code quiet}
   * @return the operator, reusable (state is per subscription)
   * @throws IllegalArgumentException if {@code quiet} is not positive or {@code maxWait} is shorter
   */
  public static Function<Flux<ChangeEvent>, Flux<List<ChangeEvent>>> debounce(
      Duration quiet, Duration maxWait) {
    checkDebounce(quiet, maxWait, DEFAULT_MAX_KEYS);
    // parallel() is looked up per stream, so a function made outside withVirtualTime still works
    return upstream ->
        Debouncer.apply(upstream, quiet, maxWait, DEFAULT_MAX_KEYS, Schedulers.parallel());
  }

  /**
   * Debounce with max-wait on the given scheduler. See {@link #debounce(Duration, Duration, int,
   * Scheduler)}.
   *
   * @param quiet the quiet period, more than zero
   * @param maxWait the longest a batch stays open, at least {@code quiet}
   * @param scheduler the clock and timer, such as a virtual-time scheduler in tests
   * @return the operator, reusable (state is per subscription)
   * @throws IllegalArgumentException if {@code quiet} is not positive or {@code maxWait} is shorter
   */
  public static Function<Flux<ChangeEvent>, Flux<List<ChangeEvent>>> debounce(
      Duration quiet, Duration maxWait, Scheduler scheduler) {
    return debounce(quiet, maxWait, DEFAULT_MAX_KEYS, scheduler);
  }

  /**
   * Debounce with max-wait: events are gathered into batches, one merged event per key (the table
   * above; OVERFLOW kept), in order of each key's first event. A batch opens at its first event and
   * closes when no event arrived for {@code quiet}, or {@code maxWait} after it opened (so
   * continuous change still yields a batch at least every {@code maxWait}), or when it holds
   * {@code maxKeys} distinct keys. Empty batches are never emitted.
   *
   * <p>A closed batch that downstream has not requested yet keeps absorbing new events (merged per
   * key), so a consumer that is busy finds one batch with everything that changed meanwhile; past
   * {@code maxKeys} keys that batch collapses into one OVERFLOW event. Completion and errors deliver
   * the open batch first (when requested), then terminate. Cancel drops the open batch without
   * acknowledging it. A batch closed by time is delivered on the scheduler's thread: a consumer that
   * blocks should {@code publishOn} a blocking-capable one.
   *
   * <p>Upstream is requested in bounded amounts (256 at a time, replenished as events arrive),
   * never unbounded. Toward an at-least-once source: a key whose events hold {@value
   * #DEFAULT_KEY_ACK_BUDGET} acknowledgement handles closes the open batch, and while the batch
   * held for downstream holds that many for one key (or {@value #DEFAULT_ACK_BUDGET} in all)
   * nothing more is requested, so the broker keeps the rest until the batch was delivered and
   * acknowledged. Memory stays bounded by {@code maxKeys} and the budgets, not by message count.
   *
   * @param quiet the quiet period, more than zero
   * @param maxWait the longest a batch stays open, at least {@code quiet}
   * @param maxKeys distinct keys per batch, at least 1
   * @param scheduler the clock and timer
   * @return the operator, reusable (state is per subscription)
   * @throws IllegalArgumentException if {@code quiet} is not positive, {@code maxWait} is shorter
   *     or {@code maxKeys} is below 1
   */
  public static Function<Flux<ChangeEvent>, Flux<List<ChangeEvent>>> debounce(
      Duration quiet, Duration maxWait, int maxKeys, Scheduler scheduler) {
    Objects.requireNonNull(scheduler, "scheduler");
    checkDebounce(quiet, maxWait, maxKeys);
    return upstream -> Debouncer.apply(upstream, quiet, maxWait, maxKeys, scheduler);
  }

  /**
   * Dedup on {@link Schedulers#parallel()}'s clock. See {@link #dedup(Duration, int, Scheduler)}.
   *
   * @param window how long an emitted event suppresses an equal one; more than zero
   * @return the operator, with {@value #DEFAULT_STATE_KEYS} keys of state per subscription
   * @throws IllegalArgumentException if {@code window} is not positive
   */
  public static Function<Flux<ChangeEvent>, Flux<ChangeEvent>> dedup(Duration window) {
    positive(window, "window");
    // parallel() is looked up per stream, so a function made outside withVirtualTime still works
    return upstream -> upstream.transform(dedup(window, DEFAULT_STATE_KEYS, Schedulers.parallel()));
  }

  /**
   * Dedup on the given scheduler's clock. See {@link #dedup(Duration, int, Scheduler)}.
   *
   * @param window how long an emitted event suppresses an equal one; more than zero
   * @param scheduler the clock, such as a virtual-time scheduler in tests
   * @return the operator, with {@value #DEFAULT_STATE_KEYS} keys of state per subscription
   * @throws IllegalArgumentException if {@code window} is not positive
   */
  public static Function<Flux<ChangeEvent>, Flux<ChangeEvent>> dedup(
      Duration window, Scheduler scheduler) {
    return dedup(window, DEFAULT_STATE_KEYS, scheduler);
  }

  /**
   * Drops an event equal in (key, kind, sha, payload) to the last one emitted for its key less
   * than {@code window} ago, and an event whose header {@code id} (a broker's message id or
   * sequence; without it, {@code Nats-Msg-Id}) was emitted for its key less than {@code window}
   * ago. OVERFLOW always passes. Only
   * the last emitted event per key counts: A, B, A passes all three. State is per subscription and
   * bounded by {@code maxKeys} keys and ids (past the bound, expired entries leave first, then any
   * others; a forgotten key simply passes again); payloads over 64 bytes are remembered as their
   * SHA-256. Dropped events are acknowledged.
   *
   * @param window how long an emitted event suppresses an equal one; more than zero
   * @param maxKeys keys (and ids) remembered per subscription; at least 1
   * @param scheduler the clock, such as a virtual-time scheduler in tests
   * @return the operator, reusable (state is per subscription)
   * @throws IllegalArgumentException if {@code window} is not positive or {@code maxKeys} is below
   *     1
   */
  public static Function<Flux<ChangeEvent>, Flux<ChangeEvent>> dedup(
      Duration window, int maxKeys, Scheduler scheduler) {
    long nanos = Debouncer.nanos(positive(window, "window"));
    if (maxKeys < 1) {
      throw new IllegalArgumentException("maxKeys must be at least 1, was " + maxKeys);
    }
    Objects.requireNonNull(scheduler, "scheduler");
    return upstream -> Deduplicator.apply(upstream, nanos, maxKeys, scheduler);
  }

  /**
   * {@link #dedup(Duration, int, Scheduler)} applied to each batch; batches left empty are dropped.
   *
   * @param window how long an emitted event suppresses an equal one; more than zero
   * @param maxKeys keys (and ids) remembered per subscription; at least 1
   * @param scheduler the clock, such as a virtual-time scheduler in tests
   * @return the operator, reusable (state is per subscription, shared across its batches)
   * @throws IllegalArgumentException if {@code window} is not positive
   */
  public static Function<Flux<List<ChangeEvent>>, Flux<List<ChangeEvent>>> dedupBatches(
      Duration window, int maxKeys, Scheduler scheduler) {
    long nanos = Debouncer.nanos(positive(window, "window"));
    Objects.requireNonNull(scheduler, "scheduler");
    return upstream ->
        Flux.defer(
            () -> {
              Deduper d = new Deduper(nanos, maxKeys, scheduler);
              return upstream.handle(
                  (List<ChangeEvent> batch, reactor.core.publisher.SynchronousSink<List<ChangeEvent>> sink) -> {
                    List<ChangeEvent> kept = new ArrayList<>(batch.size());
                    for (ChangeEvent e : batch) {
                      if (keepOrAck(d.keep(e), e)) {
                        kept.add(e);
                      }
                    }
                    if (!kept.isEmpty()) {
                      sink.next(kept.size() == batch.size() ? batch : Collections.unmodifiableList(kept));
                    }
                  });
            });
  }

  /**
   * The header a source may put on an event to tell {@link #confirm} the content id the thing had
   * when the source started watching (its baseline): when confirm has seen no id for the key yet,
   * it takes this one as the last seen, so an identical rewrite of a file that existed at start is
   * dropped. Confirm removes the header from what it emits. {@code fs:} sets it with {@code
   * confirm=sha256} (and {@code poll:}).
   */
  public static final String BASELINE_SHA_HEADER = "baselineSha";

  /**
   * SHA confirmation with {@value #DEFAULT_STATE_KEYS} keys of state on {@code boundedElastic}.
   *
   * @param resolver reads the current id of an event's thing, such as {@link
   *     ShaResolvers#fileSha256()}; not null
   * @return the operator, resolving {@link #DEFAULT_CONFIRM_CONCURRENCY} events at a time
   */
  public static Function<Flux<ChangeEvent>, Flux<ChangeEvent>> confirm(ShaResolver resolver) {
    return confirm(resolver, DEFAULT_CONFIRM_CONCURRENCY, Schedulers.boundedElastic());
  }

  /**
   * SHA confirmation: resolves the current id of each CREATED or MODIFIED event ({@link
   * ShaResolvers#fileSha256()}, or any {@link ShaResolver}) on {@code scheduler} (which must allow
   * blocking), at most {@code concurrency} at a time, and emits in arrival order (so per-key order
   * holds). An event whose id equals the last one seen for its key is dropped (and acknowledged);
   * otherwise it is emitted with the id as {@link ChangeEvent#sha()}; for a key with no id seen
   * yet, the event's {@link #BASELINE_SHA_HEADER} (if any) counts as the last one. DELETED passes and forgets
   * the key; OVERFLOW passes. A thing that vanished before it was resolved becomes DELETED; one
   * that cannot be read passes unchanged (logged) — the stream never errors for it. State is per
   * subscription, bounded to {@value #DEFAULT_STATE_KEYS} keys (least recently seen out; a
   * forgotten key's next event simply passes). Cancelling interrupts resolutions in progress (the
   * file resolvers read through an interruptible channel, so no thread stays behind); never pass
   * {@code Schedulers.parallel()}.
   *
   * @param resolver reads the current id of an event's thing; not null
   * @param concurrency resolutions in flight at once; at least 1
   * @param scheduler where resolutions run; must allow blocking, such as {@code boundedElastic}
   * @return the operator, reusable (state is per subscription)
   * @throws IllegalArgumentException if {@code concurrency} is below 1
   */
  public static Function<Flux<ChangeEvent>, Flux<ChangeEvent>> confirm(
      ShaResolver resolver, int concurrency, Scheduler scheduler) {
    Confirmer c = confirmer(resolver, concurrency, scheduler);
    return c::events;
  }

  /**
   * {@link #confirm(ShaResolver)} applied to batches: each batch is resolved concurrently; empty
   * batches are dropped.
   *
   * @param resolver reads the current id of an event's thing; not null
   * @return the operator, resolving {@link #DEFAULT_CONFIRM_CONCURRENCY} events at a time on {@code
   *     boundedElastic}
   */
  public static Function<Flux<List<ChangeEvent>>, Flux<List<ChangeEvent>>> confirmBatches(
      ShaResolver resolver) {
    return confirmBatches(resolver, DEFAULT_CONFIRM_CONCURRENCY, Schedulers.boundedElastic());
  }

  /**
   * {@link #confirm(ShaResolver, int, Scheduler)} applied to batches.
   *
   * @param resolver reads the current id of an event's thing; not null
   * @param concurrency resolutions in flight at once; at least 1
   * @param scheduler where resolutions run; must allow blocking, such as {@code boundedElastic}
   * @return the operator; batches left empty are dropped
   * @throws IllegalArgumentException if {@code concurrency} is below 1
   */
  public static Function<Flux<List<ChangeEvent>>, Flux<List<ChangeEvent>>> confirmBatches(
      ShaResolver resolver, int concurrency, Scheduler scheduler) {
    Confirmer c = confirmer(resolver, concurrency, scheduler);
    return c::batches;
  }

  private static Confirmer confirmer(ShaResolver resolver, int concurrency, Scheduler scheduler) {
    Objects.requireNonNull(resolver, "resolver");
    Objects.requireNonNull(scheduler, "scheduler");
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be at least 1, was " + concurrency);
    }
    return new Confirmer(resolver, concurrency, scheduler, DEFAULT_STATE_KEYS);
  }

  /**
   * Keeps events whose key matches one of {@code include} (all when empty) and none of {@code
   * exclude}. Globs: {@code *} within a segment, {@code **} across segments ({@code **}{@code
   * /*.java} also matches {@code A.java} at the top), {@code ?}, {@code [abc]}, {@code {a,b}};
   * {@code target/**} matches {@code target} and everything below. OVERFLOW always passes.
   * Dropped events are acknowledged.
   *
   * @throws IllegalArgumentException naming a malformed glob
   * @param include globs a key must match one of; empty keeps every key
   * @param exclude globs a key must match none of; empty excludes nothing
   * @return the operator, stateless
   */
  public static Function<Flux<ChangeEvent>, Flux<ChangeEvent>> paths(
      Collection<String> include, Collection<String> exclude) {
    Predicate<String> in = include.isEmpty() ? k -> true : Globs.anyOf(include);
    Predicate<String> out = Globs.anyOf(exclude);
    boolean noExclude = exclude.isEmpty();
    Predicate<ChangeEvent> keep =
        e -> e.kind() == ChangeKind.OVERFLOW || (in.test(e.key()) && (noExclude || !out.test(e.key())));
    return upstream -> upstream.filter(e -> keepOrAck(keep.test(e), e));
  }

  /**
   * The directories that {@code exclude} (the globs of {@link #paths}) drops whole: true for a
   * directory key such that every key below it matches an exclude glob — a glob {@code X/**} whose
   * {@code X} matches the directory ({@code build/**}, {@code **}{@code /node_modules/**}). A file
   * source need not watch or list such a directory: nothing in it would pass. Other globs are
   * never used to prune (a pruned directory must hold nothing that could pass).
   *
   * @param exclude the exclude globs, as given to {@link #paths}
   * @return a predicate on directory keys, true for a directory nothing below which can pass
   */
  public static Predicate<String> excludedDirectories(Collection<String> exclude) {
    List<String> prefixes = new java.util.ArrayList<>();
    for (String g : exclude) {
      String glob = g.startsWith("/") ? g.substring(1) : g;
      if (glob.endsWith("/**") && glob.length() > 3 && !glob.endsWith("\\/**")) {
        prefixes.add(glob.substring(0, glob.length() - 3));
      }
    }
    return prefixes.isEmpty() ? k -> false : Globs.anyOf(prefixes);
  }

  /**
   * Drops events whose {@link ChangeEvent#path()} is one of {@code paths} or lies below one (a
   * pipeline's own outputs, so that it never triggers itself). Events without a path and OVERFLOW
   * pass. Dropped events are acknowledged.
   *
   * @param paths the paths to ignore, made absolute and normalised here; an empty collection drops
   *     nothing
   * @return the operator, stateless
   */
  public static Function<Flux<ChangeEvent>, Flux<ChangeEvent>> ignore(Collection<Path> paths) {
    List<Path> ignored = new ArrayList<>();
    for (Path p : paths) {
      ignored.add(p.toAbsolutePath().normalize());
    }
    Path[] arr = ignored.toArray(new Path[0]);
    Predicate<ChangeEvent> keep =
        e -> {
          if (e.kind() == ChangeKind.OVERFLOW || e.path().isEmpty()) {
            return true;
          }
          Path p = e.path().get();
          for (Path i : arr) {
            if (p.startsWith(i)) {
              return false;
            }
          }
          return true;
        };
    return upstream -> upstream.filter(e -> keepOrAck(keep.test(e), e));
  }

  /**
   * Acknowledges each event ({@link ChangeEvent#ack()}) right after downstream's {@code onNext}
   * returned for it — the event has been handed over. A failing handle is logged, never an error.
   * Events of sources that need no acknowledgement pass at no cost.
   *
   * @return the operator
   */
  public static Function<Flux<ChangeEvent>, Flux<ChangeEvent>> acknowledge() {
    return upstream -> Acknowledger.apply(upstream, Acks::ack);
  }

  /**
   * Acknowledges every event of each batch right after downstream's {@code onNext} returned for the
   * batch.
   *
   * @return the operator
   */
  public static Function<Flux<List<ChangeEvent>>, Flux<List<ChangeEvent>>> acknowledgeBatches() {
    return upstream -> Acknowledger.apply(upstream, Acks::ackAll);
  }

  private static void checkDebounce(Duration quiet, Duration maxWait, int maxKeys) {
    Objects.requireNonNull(quiet, "quiet");
    Objects.requireNonNull(maxWait, "maxWait");
    if (quiet.isZero() || quiet.isNegative()) {
      throw new IllegalArgumentException("quiet must be more than 0, was " + Durations.format(quiet));
    }
    if (maxWait.compareTo(quiet) < 0) {
      throw new IllegalArgumentException(
          "maxWait (" + Durations.format(maxWait) + ") must be at least quiet (" + Durations.format(quiet) + ")");
    }
    if (maxKeys < 1) {
      throw new IllegalArgumentException("maxKeys must be at least 1, was " + maxKeys);
    }
  }

  private static boolean keepOrAck(boolean keep, ChangeEvent e) {
    if (!keep) {
      Acks.ack(e);
    }
    return keep;
  }

  private static Duration positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + " must be more than 0, was " + Durations.format(d));
    }
    return d;
  }
}
