package io.changeflux;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Flux;

/**
 * Events per second through the operator chain paths → dedup → coalesce → debounce, against a bare
 * {@code map} + {@code bufferTimeout} over the same input in the same run (the issue's goal: at
 * least 5 M events/s, within 3× of the bare chain). Each invocation pushes {@value #N} events; the
 * score is events/s.
 *
 * <p>Input: {@value #KEYS} keys (80% {@code src/**}/*.java, 10% {@code target/**}, 10% {@code
 * *.md}), kinds cycling CREATED/MODIFIED/MODIFIED/DELETED round by round, and a sha that changes
 * every round, so that dedup keeps (and records) every event the filter let through — the worst
 * case for dedup — while debounce merges about {@value #N}/{@value #KEYS} events per key. The sha
 * strings come from a small pool (as a real source's events would be hot in cache, not spread over
 * a 100 MB array).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ChainBenchmark {

  static final int N = 1_000_000;
  static final int KEYS = 5_000;

  ChangeEvent[] events;
  /** The same events, each round's keys in a random order (fixed seed): no stable key order. */
  ChangeEvent[] shuffled;

  @Setup
  public void setup() {
    events = BenchEvents.of(N, KEYS);
    shuffled = events.clone();
    java.util.Random r = new java.util.Random(18);
    for (int round = 0; round < N; round += KEYS) {
      for (int i = Math.min(N, round + KEYS) - 1; i > round; i--) {
        int j = round + r.nextInt(i - round + 1);
        ChangeEvent t = shuffled[i];
        shuffled[i] = shuffled[j];
        shuffled[j] = t;
      }
    }
  }

  /** The issue's chain, one operator after the other. */
  @Benchmark
  @OperationsPerInvocation(N)
  public long chain() {
    return Flux.fromArray(events)
        .transform(ChangeOps.paths(List.of("**/*.java"), List.of("target/**")))
        .transform(ChangeOps.dedup(Duration.ofSeconds(1)))
        .transform(ChangeOps.coalesce(10_000))
        .transform(ChangeOps.debounce(Duration.ofMillis(200), Duration.ofSeconds(5)))
        .map(List::size)
        .reduce(0L, Long::sum)
        .block();
  }

  /**
   * The chain over {@link #shuffled}: every round's keys in another order, so no per-key table
   * finds its keys in the order it stored them (and the events are read out of memory order).
   */
  @Benchmark
  @OperationsPerInvocation(N)
  public long chainShuffled() {
    return Flux.fromArray(shuffled)
        .transform(ChangeOps.paths(List.of("**/*.java"), List.of("target/**")))
        .transform(ChangeOps.dedup(Duration.ofSeconds(1)))
        .transform(ChangeOps.coalesce(10_000))
        .transform(ChangeOps.debounce(Duration.ofMillis(200), Duration.ofSeconds(5)))
        .map(List::size)
        .reduce(0L, Long::sum)
        .block();
  }

  /** The baseline over {@link #shuffled}. */
  @Benchmark
  @OperationsPerInvocation(N)
  public long mapBufferTimeoutShuffled() {
    return Flux.fromArray(shuffled)
        .map(e -> e)
        .bufferTimeout(10_000, Duration.ofMillis(200))
        .map(List::size)
        .reduce(0L, Long::sum)
        .block();
  }

  /** The baseline: a bare map and bufferTimeout over the same input. */
  @Benchmark
  @OperationsPerInvocation(N)
  public long mapBufferTimeout() {
    return Flux.fromArray(events)
        .map(e -> e)
        .bufferTimeout(10_000, Duration.ofMillis(200))
        .map(List::size)
        .reduce(0L, Long::sum)
        .block();
  }

  /** paths alone. */
  @Benchmark
  @OperationsPerInvocation(N)
  public long pathsOnly() {
    return Flux.fromArray(events)
        .transform(ChangeOps.paths(List.of("**/*.java"), List.of("target/**")))
        .count()
        .block();
  }

  /** dedup alone (every event differs by sha: all kept, all recorded). */
  @Benchmark
  @OperationsPerInvocation(N)
  public long dedupOnly() {
    return Flux.fromArray(events).transform(ChangeOps.dedup(Duration.ofSeconds(1))).count().block();
  }

  /** coalesce alone, with a consumer that keeps up (the pass-through path). */
  @Benchmark
  @OperationsPerInvocation(N)
  public long coalesceOnly() {
    return Flux.fromArray(events).transform(ChangeOps.coalesce(10_000)).count().block();
  }

  /** debounce alone: per-key merging into one batch per 200 ms. */
  @Benchmark
  @OperationsPerInvocation(N)
  public long debounceOnly() {
    return Flux.fromArray(events)
        .transform(ChangeOps.debounce(Duration.ofMillis(200), Duration.ofSeconds(5)))
        .map(List::size)
        .reduce(0L, Long::sum)
        .block();
  }
}
