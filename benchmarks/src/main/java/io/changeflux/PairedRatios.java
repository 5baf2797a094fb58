package io.changeflux;

import java.util.Arrays;

/**
 * Ratios measured in pairs, for a noisy shared machine: each round runs the candidate and its
 * baseline back to back on the same input, so both see the same load, and the report gives the
 * median of the per-round ratios (plus median absolute rates). JMH's scores, taken minutes apart,
 * can differ by 2× on a loaded 2-core machine; a back-to-back pair differs much less.
 */
public final class PairedRatios {

  /** The medians of one pairing. */
  public static final class Result {
    public final double candidatePerSecond;
    public final double baselinePerSecond;
    public final double ratio; // candidate time / baseline time, per round, median

    Result(double candidatePerSecond, double baselinePerSecond, double ratio) {
      this.candidatePerSecond = candidatePerSecond;
      this.baselinePerSecond = baselinePerSecond;
      this.ratio = ratio;
    }
  }

  /** A unit of work that must not be optimised away. */
  public interface Work {
    Object run() throws Exception;
  }

  private PairedRatios() {}

  public static Result measure(Work candidate, Work baseline, double unitsPerRun, int warmup, int rounds)
      throws Exception {
    for (int i = 0; i < warmup; i++) {
      sink(candidate.run());
      sink(baseline.run());
    }
    double[] c = new double[rounds];
    double[] b = new double[rounds];
    double[] r = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      // alternate which goes first, so neither always runs right after a GC of the other
      long tc;
      long tb;
      if ((i & 1) == 0) {
        tc = time(candidate);
        tb = time(baseline);
      } else {
        tb = time(baseline);
        tc = time(candidate);
      }
      c[i] = unitsPerRun / (tc / 1e9);
      b[i] = unitsPerRun / (tb / 1e9);
      r[i] = (double) tc / tb;
    }
    return new Result(median(c), median(b), median(r));
  }

  private static long time(Work w) throws Exception {
    long t0 = System.nanoTime();
    sink(w.run());
    return System.nanoTime() - t0;
  }

  static volatile Object blackhole;

  private static void sink(Object o) {
    blackhole = o;
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
