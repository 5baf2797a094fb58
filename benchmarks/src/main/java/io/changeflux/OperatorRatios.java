package io.changeflux;

import java.util.List;

/**
 * Each operator of {@link ChainBenchmark} (and the whole chain) against the bare {@code map} +
 * {@code bufferTimeout} baseline, in back-to-back pairs ({@link PairedRatios}), without JMH: a
 * quick way to see which operator a change of the hot path moved, on a shared machine where only
 * same-run ratios mean anything.
 *
 * <pre>
 * java -Xms1g -Xmx1g -cp benchmarks/target/benchmarks.jar io.changeflux.OperatorRatios [rounds] [chain,debounce,dedup,coalesce,paths] [warmup pairs]
 * </pre>
 *
 * Each benchmark first runs {@value #WARMUP} unmeasured pairs (or the given number): with 5, as
 * before 2026-12-07, the chain's first measured rounds still fell in the JIT's warm-up (its
 * per-round ratio settles after about 12 pairs, 2–3 s, as long as JMH's 3 × 1 s warm-up).
 *
 * Prints one line per benchmark: its events/s, the baseline's in the same rounds, and the median of
 * the per-round time ratios (candidate / baseline; the chain goal is at most 2); then the
 * same from the measuring thread's CPU time (steadier on a loaded machine: the chains run
 * synchronously on that thread).
 */
public final class OperatorRatios {

  /** Unmeasured pairs before each benchmark's rounds, unless given. */
  static final int WARMUP = 20;

  private OperatorRatios() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : WARMUP;
    List<String> which =
        List.of((args.length > 1 ? args[1] : "chain,debounce,dedup,coalesce,paths").split(","));
    ChainBenchmark b = new ChainBenchmark();
    b.setup();
    for (String w : which) {
      PairedRatios.Work candidate;
      switch (w) {
        case "chain":
          candidate = b::chain;
          break;
        case "debounce":
          candidate = b::debounceOnly;
          break;
        case "dedup":
          candidate = b::dedupOnly;
          break;
        case "coalesce":
          candidate = b::coalesceOnly;
          break;
        case "paths":
          candidate = b::pathsOnly;
          break;
        default:
          throw new IllegalArgumentException("unknown benchmark " + w);
      }
      PairedRatios.Result r =
          PairedRatios.measure(candidate, b::mapBufferTimeout, ChainBenchmark.N, warmup, rounds);
      System.out.printf(
          "%-9s %7.2f M events/s   bare %7.2f M events/s   ratio %.2f   | per CPU second of the thread: %7.2f M vs bare %7.2f M, ratio %.2f%n",
          w,
          r.candidatePerSecond / 1e6,
          r.baselinePerSecond / 1e6,
          r.ratio,
          r.candidatePerCpuSecond / 1e6,
          r.baselinePerCpuSecond / 1e6,
          r.cpuRatio);
    }
  }
}
