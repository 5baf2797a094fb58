package io.changeflux;

import io.changeflux.micrometer.ChangeMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
 * The overhead of {@link ChangeMetrics} on the operator chain, with and without it in the same run:
 * events/s through the pipeline a source opened by {@code ChangeSources.open} applies (health
 * tracking included in both), over {@value #N} events of {@value #KEYS} keys.
 *
 * <ul>
 *   <li>{@code debounced*}: {@code include=**}{@code /*.java&exclude=target/**&dedup=1s&debounce=200ms}
 *       consumed as batches, the metrics operator after it (it sees the merged batches);
 *   <li>{@code passThrough*}: no merging operator ({@code include}, {@code exclude} and the
 *       pipeline's coalescing stage with a consumer that keeps up), so every event that passes the
 *       filter reaches the metrics operator: its worst case, a counter, an OVERFLOW check and a
 *       latency timer with percentiles per event.
 * </ul>
 *
 * The goal: at most 10% fewer events/s with the metrics operator.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class MetricsBenchmark {

  static final int N = 200_000;
  static final int KEYS = 5_000;

  ChangeEvent[] events;
  ChangeSource debounced;
  ChangeSource passThrough;
  ChangeMetrics debouncedMetrics;
  ChangeMetrics passThroughMetrics;

  @Setup
  public void setup() {
    events = BenchEvents.of(N, KEYS);
    ChangeSource raw =
        new ChangeSource() {
          @Override
          public Flux<ChangeEvent> events() {
            return Flux.fromArray(events);
          }
        };
    debounced =
        ChangePipeline.of(SourceOptions.parse("bench:x?include=**/*.java&exclude=target/**&dedup=1s&debounce=200ms"))
            .apply(raw);
    passThrough = ChangePipeline.of(SourceOptions.parse("bench:x?include=**/*.java&exclude=target/**")).apply(raw);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    debouncedMetrics = ChangeMetrics.of(registry, debounced, "debounced");
    passThroughMetrics = ChangeMetrics.of(registry, passThrough, "pass");
  }

  /** The debounced chain, batches, no metrics. */
  @Benchmark
  @OperationsPerInvocation(N)
  public long debouncedBare() {
    return debounced.batches().map(List::size).reduce(0L, Long::sum).block();
  }

  /** The same with the metrics operator last. */
  @Benchmark
  @OperationsPerInvocation(N)
  public long debouncedMetered() {
    return debounced.batches().transform(debouncedMetrics.batches()).map(List::size).reduce(0L, Long::sum).block();
  }

  /** Every filtered event to the consumer, no metrics. */
  @Benchmark
  @OperationsPerInvocation(N)
  public long passThroughBare() {
    return passThrough.events().count().block();
  }

  /** The same with the metrics operator last (its worst case: every event recorded). */
  @Benchmark
  @OperationsPerInvocation(N)
  public long passThroughMetered() {
    return passThrough.events().transform(passThroughMetrics.events()).count().block();
  }
}
