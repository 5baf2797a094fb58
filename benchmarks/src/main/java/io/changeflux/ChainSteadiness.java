package io.changeflux;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Why a {@link ChainBenchmark} fork is unsteady: runs one of its methods back to back for a number
 * of seconds and prints, per second, events/s by the wall clock (what JMH reports), events/s per
 * CPU second of the measuring thread, and their quotient (the share of the second the thread was
 * on a CPU). When the wall rate falls while the CPU rate holds and the share drops, the thread was
 * descheduled (a loaded machine), not slowed by the code (deoptimisation, GC, a cold table).
 *
 * <pre>
 * java -Xms1g -Xmx1g [-XX:+PrintCompilation] -cp benchmarks/target/benchmarks.jar \
 *     io.changeflux.ChainSteadiness [seconds] [chain|bare|chainShuffled]
 * </pre>
 */
public final class ChainSteadiness {

  private ChainSteadiness() {}

  /** Entry point: seconds (default 20), which method (default chain). */
  public static void main(String[] args) {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    String which = args.length > 1 ? args[1] : "chain";
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    ChainBenchmark b = new ChainBenchmark();
    b.setup();
    long sink = 0;
    for (int s = 0; s < seconds; s++) {
      long wall0 = System.nanoTime();
      long cpu0 = threads.getCurrentThreadCpuTime();
      long events = 0;
      while (System.nanoTime() - wall0 < 1_000_000_000L) {
        switch (which) {
          case "bare":
            sink += b.mapBufferTimeout();
            break;
          case "chainShuffled":
            sink += b.chainShuffled();
            break;
          default:
            sink += b.chain();
        }
        events += ChainBenchmark.N;
      }
      long wall = System.nanoTime() - wall0;
      long cpu = threads.getCurrentThreadCpuTime() - cpu0;
      System.out.printf(
          "second %2d: %6.2f M events/s wall, %6.2f M per CPU second, on CPU %3.0f%%%n",
          s, events * 1e3 / wall, events * 1e3 / cpu, 100.0 * cpu / wall);
    }
    System.out.println("(checksum " + sink + ")");
  }
}
