package io.changeflux.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/** Small helpers shared by the harnesses: JSON nodes, histograms, processes, temp trees. */
final class Bench {

  static final ObjectMapper JSON = new ObjectMapper();

  private Bench() {}

  static ObjectNode obj() {
    return JsonNodeFactory.instance.objectNode();
  }

  /** A histogram of nanoseconds up to 60 s, 3 significant digits. */
  static Histogram histogram() {
    return new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
  }

  static void record(Histogram h, long nanos) {
    synchronized (h) {
      h.recordValue(Math.min(h.getHighestTrackableValue(), Math.max(0, nanos)));
    }
  }

  /** p50/p90/p99/p99.9/max in milliseconds, and the count. */
  static ObjectNode percentiles(Histogram h) {
    ObjectNode o = obj();
    o.put("count", h.getTotalCount());
    o.put("p50", ms(h.getValueAtPercentile(50)));
    o.put("p90", ms(h.getValueAtPercentile(90)));
    o.put("p99", ms(h.getValueAtPercentile(99)));
    o.put("p99_9", ms(h.getValueAtPercentile(99.9)));
    o.put("max", ms(h.getMaxValue()));
    o.put("mean", round(h.getMean() / 1e6, 3));
    return o;
  }

  static double ms(long nanos) {
    return round(nanos / 1e6, 3);
  }

  static double round(double v, int digits) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return v;
    }
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  static double median(List<Double> xs) {
    double[] s = xs.stream().mapToDouble(Double::doubleValue).toArray();
    if (s.length == 0) {
      return Double.NaN;
    }
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  static int freePort() throws IOException {
    while (true) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        int p = s.getLocalPort();
        if (p != 6379 && p != 4222) {
          return p;
        }
      }
    }
  }

  /** Runs a command, waits, returns its stdout; fails on a non-zero exit. */
  static String run(Path dir, String... command) {
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
      if (dir != null) {
        pb.directory(dir.toFile());
      }
      Process p = pb.start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", command) + " failed: " + new String(out, StandardCharsets.UTF_8));
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static void deleteTree(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
              Files.deleteIfExists(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      System.err.println("could not delete " + root + ": " + e);
    }
  }

  /** VmRSS and VmHWM of this process in MB, from /proc/self/status (NaN elsewhere). */
  static double[] rssAndPeakMb() {
    double rss = Double.NaN;
    double hwm = Double.NaN;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = kb(line) / 1024.0;
        } else if (line.startsWith("VmHWM:")) {
          hwm = kb(line) / 1024.0;
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return new double[] {rss, hwm};
  }

  private static long kb(String line) {
    return Long.parseLong(line.replaceAll("[^0-9]", ""));
  }

  static void log(String fmt, Object... args) {
    System.out.printf(java.util.Locale.ROOT, "[bench] " + fmt + "%n", args);
    System.out.flush();
  }

  static List<String> javaCommand(String mainClass, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    StringBuilder cp = new StringBuilder();
    for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (cp.length() > 0) {
        cp.append(java.io.File.pathSeparatorChar);
      }
      cp.append(Path.of(e).toAbsolutePath()); // the child may run in another directory
    }
    cmd.add(cp.toString());
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    return cmd;
  }

  static void sleepMs(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
