package io.changeflux;

import io.changeflux.internal.Acknowledger;
import io.changeflux.internal.Acks;
import io.changeflux.internal.Coalescer;
import io.changeflux.internal.Confirmer;
import io.changeflux.internal.Debouncer;
import io.changeflux.internal.Deduper;
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
 * CREATED; CREATED+DELETED → nothing; MODIFIED+DELETED → DELETED; DELETED+CREATED → MODIFIED;
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

  /** Default bound of the per-key state of {@link #dedup} and {@link #confirm}. */
  public static final int DEFAULT_STATE_KEYS = 100_000;

  /** Default bound of the distinct keys of one {@link #debounce} batch (as {@code coalesce}). */
  public static final int DEFAULT_MAX_KEYS = 10_000;

  /** Default number of concurrent resolutions of {@link #confirm}. */
  public static final int DEFAULT_CONFIRM_CONCURRENCY =
      Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors()));

  private ChangeOps() {}

  /**
   * Coalescing backpressure: while downstream has not requested more, pending events merge per
   * key; past {@code maxKeys} distinct keys, everything pending is replaced by one OVERFLOW event
   * (key {@code ""}, header {@code reason=coalesce}, {@code count} = the events it replaced, and
   * their acknowledgement handles), so memory stays bounded under a slow consumer. Upstream is
   * requested unbounded; with demand and nothing pending an event passes straight through.
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
   */
  public static Function<Flux<ChangeEvent>, Flux<List<ChangeEvent>>> debounce(
      Duration quiet, Duration maxWait) {
    checkDebounce(quiet, maxWait, DEFAULT_MAX_KEYS);
    // parallel() is looked up per stream, so a function made outside withVirtualTime still works
    return upstream ->
        Debouncer.apply(upstream, quiet, maxWait, DEFAULT_MAX_KEYS, Schedulers.parallel());
  }

  /** Debounce with max-wait on the given scheduler. See {@link #debounce(Duration, Duration, int, Scheduler)}. */
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
   * acknowledging it. Upstream is requested unbounded. A batch closed by time is delivered on the
   * scheduler's thread: a consumer that blocks should {@code publishOn} a blocking-capable one.
   *
   * @param quiet the quiet period, more than zero
   * @param maxWait the longest a batch stays open, at least {@code quiet}
   * @param maxKeys distinct keys per batch, at least 1
   * @param scheduler the clock and timer
   */
  public static Function<Flux<ChangeEvent>, Flux<List<ChangeEvent>>> debounce(
      Duration quiet, Duration maxWait, int maxKeys, Scheduler scheduler) {
    Objects.requireNonNull(scheduler, "scheduler");
    checkDebounce(quiet, maxWait, maxKeys);
    return upstream -> Debouncer.apply(upstream, quiet, maxWait, maxKeys, scheduler);
  }

  /** Dedup on {@link Schedulers#parallel()}'s clock. See {@link #dedup(Duration, int, Scheduler)}. */
  public static Function<Flux<ChangeEvent>, Flux<ChangeEvent>> dedup(Duration window) {
    positive(window, "window");
    // parallel() is looked up per stream, so a function made outside withVirtualTime still works
    return upstream -> upstream.transform(dedup(window, DEFAULT_STATE_KEYS, Schedulers.parallel()));
  }

  /** Dedup on the given scheduler's clock. See {@link #dedup(Duration, int, Scheduler)}. */
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
   */
  public static Function<Flux<ChangeEvent>, Flux<ChangeEvent>> dedup(
      Duration window, int maxKeys, Scheduler scheduler) {
    long nanos = Debouncer.nanos(positive(window, "window"));
    if (maxKeys < 1) {
      throw new IllegalArgumentException("maxKeys must be at least 1, was " + maxKeys);
    }
    Objects.requireNonNull(scheduler, "scheduler");
    return upstream ->
        Flux.defer(
            () -> {
              Deduper d = new Deduper(nanos, maxKeys, scheduler);
              return upstream.filter(e -> keepOrAck(d.keep(e), e));
            });
  }

  /** {@link #dedup(Duration, int, Scheduler)} applied to each batch; batches left empty are dropped. */
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

  /** SHA confirmation with {@value #DEFAULT_STATE_KEYS} keys of state on {@code boundedElastic}. */
  public static Function<Flux<ChangeEvent>, Flux<ChangeEvent>> confirm(ShaResolver resolver) {
    return confirm(resolver, DEFAULT_CONFIRM_CONCURRENCY, Schedulers.boundedElastic());
  }

  /**
   * SHA confirmation: resolves the current id of each CREATED or MODIFIED event ({@link
   * ShaResolvers#fileSha256()}, or any {@link ShaResolver}) on {@code scheduler} (which must allow
   * blocking), at most {@code concurrency} at a time, and emits in arrival order (so per-key order
   * holds). An event whose id equals the last one seen for its key is dropped (and acknowledged);
   * otherwise it is emitted with the id as {@link ChangeEvent#sha()}. DELETED passes and forgets
   * the key; OVERFLOW passes. A thing that vanished before it was resolved becomes DELETED; one
   * that cannot be read passes unchanged (logged) — the stream never errors for it. State is per
   * subscription, bounded to {@value #DEFAULT_STATE_KEYS} keys (least recently seen out; a
   * forgotten key's next event simply passes).
   */
  public static Function<Flux<ChangeEvent>, Flux<ChangeEvent>> confirm(
      ShaResolver resolver, int concurrency, Scheduler scheduler) {
    Confirmer c = confirmer(resolver, concurrency, scheduler);
    return c::events;
  }

  /** {@link #confirm(ShaResolver)} applied to batches: each batch is resolved concurrently; empty batches are dropped. */
  public static Function<Flux<List<ChangeEvent>>, Flux<List<ChangeEvent>>> confirmBatches(
      ShaResolver resolver) {
    return confirmBatches(resolver, DEFAULT_CONFIRM_CONCURRENCY, Schedulers.boundedElastic());
  }

  /** {@link #confirm(ShaResolver, int, Scheduler)} applied to batches. */
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
   * Drops events whose {@link ChangeEvent#path()} is one of {@code paths} or lies below one (a
   * pipeline's own outputs, so that it never triggers itself). Events without a path and OVERFLOW
   * pass. Dropped events are acknowledged.
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
   */
  public static Function<Flux<ChangeEvent>, Flux<ChangeEvent>> acknowledge() {
    return upstream -> Acknowledger.apply(upstream, Acks::ack);
  }

  /** Acknowledges every event of each batch right after downstream's {@code onNext} returned for the batch. */
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
