package io.changeflux;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler for a loaded machine: per iteration, the share of the wall time the benchmark's
 * worker threads were on a CPU, and the score per CPU second of those threads ({@code
 * ·worker.cpu.score}) and of the whole process ({@code ·process.cpu.score}, which counts the
 * operators' own threads, the JIT and GC too). A fork whose wall-clock score falls while its
 * per-CPU score holds was descheduled, not slowed.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.openjdk.jmh.Main 'ChainBenchmark.chain$' \
 *     -prof io.changeflux.ThreadCpuProfiler
 * </pre>
 */
public final class ThreadCpuProfiler implements InternalProfiler {

  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final Map<Long, Long> workerCpuBefore = new HashMap<>();
  private long wallBefore;
  private long processCpuBefore;

  /** As JMH instantiates it. */
  public ThreadCpuProfiler() {}

  @Override
  public String getDescription() {
    return "CPU share of the benchmark threads and the score per CPU second";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    workerCpuBefore.clear();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().contains("jmh-worker")) {
        workerCpuBefore.put(t.getId(), threads.getThreadCpuTime(t.getId()));
      }
    }
    processCpuBefore = processCpu();
    wallBefore = System.nanoTime();
  }

  @Override
  public List<? extends Result> afterIteration(
      BenchmarkParams benchmarkParams, IterationParams iterationParams, IterationResult result) {
    long wall = System.nanoTime() - wallBefore;
    long process = processCpu() - processCpuBefore;
    long worker = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().contains("jmh-worker")) {
        long now = threads.getThreadCpuTime(t.getId());
        worker += now - workerCpuBefore.getOrDefault(t.getId(), 0L);
      }
    }
    double score = result.getPrimaryResult().getScore();
    String unit = result.getPrimaryResult().getScoreUnit();
    double share = wall > 0 ? (double) worker / wall : Double.NaN;
    double processShare = wall > 0 ? (double) process / wall : Double.NaN;
    return List.of(
        new ScalarResult("worker.cpu.share", share, "", AggregationPolicy.AVG),
        new ScalarResult("worker.cpu.score", score / share, unit, AggregationPolicy.AVG),
        new ScalarResult("process.cpu.score", score / processShare, unit, AggregationPolicy.AVG));
  }

  private static long processCpu() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean) {
      return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
    }
    return 0;
  }
}
