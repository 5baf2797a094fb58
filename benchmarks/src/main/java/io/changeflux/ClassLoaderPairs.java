package io.changeflux;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Before/after of {@link ChainBenchmark} methods in one JVM: the base and the candidate class
 * paths (each with its own copy of core, Reactor and the benchmark) in two class loaders, run
 * alternately round by round, each run timed by the calling thread's CPU time. On a loaded 2-core
 * machine two JVMs started minutes apart differ more than the change being measured; here both
 * see the same load. In A/A runs the loader loaded second ran 5–10% faster, so read each loader's
 * ratio against its own bare baseline ("vs bare"), over several JVMs, rather than cand/base.
 *
 * <pre>
 * java -Xms1g -Xmx1g -cp benchmarks/target/classes io.changeflux.ClassLoaderPairs \
 *     BASE.jar CAND_CORE_CLASSES:BASE.jar chain,chainShuffled,dedupOnly 21
 * </pre>
 *
 * The class paths are {@code :}-separated; the bare baseline ({@code mapBufferTimeout}) is always
 * measured too.
 */
public final class ClassLoaderPairs {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  static volatile Object sink;

  private ClassLoaderPairs() {}

  /** Entry point: base class path, candidate class path, benchmark methods, rounds. */
  public static void main(String[] args) throws Exception {
    String[] bench = args[2].split(",");
    int rounds = Integer.parseInt(args[3]);
    int k = bench.length + 1;
    Object[] instance = new Object[2];
    Method[][] method = new Method[2][k];
    for (int v = 0; v < 2; v++) {
      String[] cp = args[v].split(":");
      URL[] urls = new URL[cp.length];
      for (int i = 0; i < cp.length; i++) {
        urls[i] = Path.of(cp[i]).toUri().toURL();
      }
      @SuppressWarnings("resource") // lives as long as the measurement
      ClassLoader loader = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader());
      Class<?> c = loader.loadClass("io.changeflux.ChainBenchmark");
      Constructor<?> ctor = c.getDeclaredConstructor();
      instance[v] = ctor.newInstance();
      c.getMethod("setup").invoke(instance[v]);
      for (int i = 0; i < bench.length; i++) {
        method[v][i] = c.getMethod(bench[i]);
      }
      method[v][bench.length] = c.getMethod("mapBufferTimeout");
    }
    for (int w = 0; w < 5; w++) {
      for (int v = 0; v < 2; v++) {
        for (int i = 0; i < k; i++) {
          sink = method[v][i].invoke(instance[v]);
        }
      }
    }
    double[][][] cpu = new double[2][k][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < k; i++) {
        for (int vv = 0; vv < 2; vv++) {
          int v = (r & 1) == 0 ? vv : 1 - vv; // alternate which goes first
          long u0 = THREADS.getCurrentThreadCpuTime();
          sink = method[v][i].invoke(instance[v]);
          cpu[v][i][r] = (THREADS.getCurrentThreadCpuTime() - u0) / 1e6;
        }
      }
    }
    for (int i = 0; i < k; i++) {
      double[] ratio = new double[rounds];
      double[] base = new double[rounds];
      double[] cand = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        ratio[r] = cpu[1][i][r] / cpu[0][i][r];
        base[r] = cpu[0][i][r] / cpu[0][k - 1][r];
        cand[r] = cpu[1][i][r] / cpu[1][k - 1][r];
      }
      System.out.printf(
          "%-14s base %6.1f ms  cand %6.1f ms  cand/base %.3f  | vs bare: base %.2f cand %.2f%n",
          i < bench.length ? bench[i] : "bare",
          median(cpu[0][i]),
          median(cpu[1][i]),
          median(ratio),
          median(base),
          median(cand));
    }
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
