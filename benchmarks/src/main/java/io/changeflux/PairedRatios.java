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
    /**
     * The same per-round ratio of the calling thread's CPU time: on a loaded machine, where the
     * wall time of a round depends on how long the thread waited for a core, the work done on the
     * measuring thread itself (the whole of a synchronous Reactor chain) is steadier.
     */
    public final double cpuRatio;
    /** Units per second of the candidate's CPU time on the calling thread, median. */
    public final double candidatePerCpuSecond;
    /** Units per second of the baseline's CPU time on the calling thread, median. */
    public final double baselinePerCpuSecond;

    Result(double candidatePerSecond, double baselinePerSecond, double ratio) {
      this(candidatePerSecond, baselinePerSecond, ratio, Double.NaN, Double.NaN, Double.NaN);
    }

    Result(
        double candidatePerSecond,
        double baselinePerSecond,
        double ratio,
        double cpuRatio,
        double candidatePerCpuSecond,
        double baselinePerCpuSecond) {
      this.candidatePerSecond = candidatePerSecond;
      this.baselinePerSecond = baselinePerSecond;
      this.ratio = ratio;
      this.cpuRatio = cpuRatio;
      this.candidatePerCpuSecond = candidatePerCpuSecond;
      this.baselinePerCpuSecond = baselinePerCpuSecond;
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
    double[] cc = new double[rounds];
    double[] bc = new double[rounds];
    double[] rc = new double[rounds];
    long[] t = new long[2];
    for (int i = 0; i < rounds; i++) {
      // alternate which goes first, so neither always runs right after a GC of the other
      long tc;
      long tb;
      long uc;
      long ub;
      if ((i & 1) == 0) {
        time(candidate, t);
        tc = t[0];
        uc = t[1];
        time(baseline, t);
        tb = t[0];
        ub = t[1];
      } else {
        time(baseline, t);
        tb = t[0];
        ub = t[1];
        time(candidate, t);
        tc = t[0];
        uc = t[1];
      }
      c[i] = unitsPerRun / (tc / 1e9);
      b[i] = unitsPerRun / (tb / 1e9);
      r[i] = (double) tc / tb;
      cc[i] = unitsPerRun / (uc / 1e9);
      bc[i] = unitsPerRun / (ub / 1e9);
      rc[i] = (double) uc / ub;
    }
    return new Result(median(c), median(b), median(r), median(rc), median(cc), median(bc));
  }

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  /** Wall time into {@code out[0]}, the calling thread's CPU time into {@code out[1]} (ns). */
  private static void time(Work w, long[] out) throws Exception {
    long u0 = THREADS.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    sink(w.run());
    out[0] = System.nanoTime() - t0;
    out[1] = THREADS.getCurrentThreadCpuTime() - u0;
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
