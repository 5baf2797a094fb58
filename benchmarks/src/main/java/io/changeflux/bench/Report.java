package io.changeflux.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.changeflux.BenchmarkReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Runs every harness in one JVM, one after the other, and writes {@code
 * benchmarks/results/DATE/}: {@code report.md} (machine, goals as ratios with met/missed, tables),
 * PNG charts, {@code results.json} (all numbers) and JMH's {@code jmh.json}.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.changeflux.bench.Report [--full] [--out DIR] [--only a,b,...]
 * java -cp benchmarks/target/benchmarks.jar io.changeflux.bench.Report --render DIR   (report.md again from DIR/results.json)
 * </pre>
 *
 * Sections: jmh, latency, burst, scale, resume, hashing, redis, nats, git, runwatch, webhook. The default profile
 * is the quick one (under 10 minutes on 2 cores); {@code --full} runs longer rounds and hashes 1 GiB.
 */
public final class Report {

  static final List<String> SECTIONS =
      List.of("jmh", "latency", "burst", "scale", "resume", "hashing", "redis", "nats", "git", "runwatch", "webhook");

  private Report() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    boolean full = false;
    Path out = null;
    Set<String> only = new LinkedHashSet<>(SECTIONS);
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--full":
          full = true;
          break;
        case "--quick":
          full = false;
          break;
        case "--out":
          out = Path.of(args[++i]);
          break;
        case "--render":
          {
            // rewrite report.md and the charts of an earlier run from its results.json
            Path dir = Path.of(args[++i]);
            ReportWriter.write(Bench.JSON.readTree(dir.resolve("results.json").toFile()), dir);
            Bench.log("wrote %s", dir.resolve("report.md"));
            return;
          }
        case "--only":
          only = new LinkedHashSet<>(List.of(args[++i].split(",")));
          break;
        default:
          throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (out == null) {
      out = Path.of("benchmarks", "results", LocalDate.now().toString());
    }
    Files.createDirectories(out);
    Path work = Files.createTempDirectory("changeflux-bench-");
    ObjectNode results = Bench.obj();
    results.put("profile", full ? "full" : "quick");
    results.put("started", ZonedDateTime.now().toString());
    results.set("machine", Machine.describe(work));
    long t0 = System.nanoTime();
    try {
      for (String s : only) {
        long ts = System.nanoTime();
        Bench.log("=== %s", s);
        try {
          awaitWatchLimit();
          results.set(s, section(s, full, work, out));
        } catch (Throwable e) {
          e.printStackTrace();
          results.putObject(s).put("error", e.toString());
        }
        Bench.log("=== %s took %.1f s", s, (System.nanoTime() - ts) / 1e9);
      }
    } finally {
      Bench.deleteTree(work);
    }
    results.put("totalSeconds", Bench.round((System.nanoTime() - t0) / 1e9, 1));
    results.put("loadAverageAtEnd", Machine.loadAverage());
    Files.writeString(
        out.resolve("results.json"),
        Bench.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results),
        StandardCharsets.UTF_8);
    ReportWriter.write(results, out);
    Bench.log("wrote %s (%.0f s)", out.resolve("report.md"), (System.nanoTime() - t0) / 1e9);
    System.exit(0);
  }

  /**
   * Waits (up to 2 minutes) while the machine-wide inotify watch limit is below what the scale tree
   * needs: on a shared machine another process's test may lower it for a while.
   */
  private static void awaitWatchLimit() throws InterruptedException {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      try {
        long limit = Long.parseLong(Bench.run(null, "cat", "/proc/sys/fs/inotify/max_user_watches").trim());
        if (limit >= 20_000) {
          return;
        }
        Bench.log("fs.inotify.max_user_watches is %d (lowered by another process?); waiting", limit);
      } catch (RuntimeException e) {
        return; // not Linux
      }
      Thread.sleep(2000);
    }
  }

  private static JsonNode section(String s, boolean full, Path work, Path out) throws Exception {
    switch (s) {
      case "jmh":
        {
          Path dir = out.resolve("jmh-tmp");
          BenchmarkReport.main(
              full
                  ? new String[] {"--out", dir.toString()}
                  : new String[] {"--quick", "--out", dir.toString(), "io\\.changeflux\\.ChainBenchmark\\..*"});
          JsonNode summary = Bench.JSON.readTree(dir.resolve("summary.json").toFile());
          Files.move(dir.resolve("jmh.json"), out.resolve("jmh.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          Bench.deleteTree(dir);
          return summary;
        }
      case "latency":
        return FileLatency.run(work, full ? 10_000 : 2_000, 2_000);
      case "burst":
        return Burst.run(work, 100_000);
      case "scale":
        return Scale.run(work, 100_000, 10_000, full ? 5 : 2, full ? 15 : 9);
      case "resume":
        return Resume.run(work, full ? 100_000 : Integer.getInteger("resume.files", 100_000), 1_000, 1_000, Integer.getInteger("resume.rounds", full ? 5 : 3));
      case "hashing":
        return Hashing.run(work, full ? 1024 : 256, full ? 7 : 5);
      case "redis":
        return PubSub.redis(full ? 300_000 : 100_000, full ? 9 : 7, 10_000, full ? 5 : 3);
      case "nats":
        return PubSub.nats(full ? 1_000_000 : 500_000, full ? 9 : 7, 10_000, full ? 5 : 3);
      case "git":
        return GitLatency.run(work, full ? 300 : 100, 20);
      case "runwatch":
        return RunWatchLatency.run(work, full ? 50 : 20, 200);
      case "webhook":
        return WebhookThroughput.run(full ? 50_000 : 10_000, full ? 7 : 5, 32);
      default:
        throw new IllegalArgumentException("unknown section " + s + "; sections: " + SECTIONS);
    }
  }

  /** The machine the run was made on. */
  static final class Machine {
    private Machine() {}

    static ObjectNode describe(Path work) {
      ObjectNode m = Bench.obj();
      m.put("cpus", Runtime.getRuntime().availableProcessors());
      m.put("cpuModel", firstMatch("/proc/cpuinfo", "model name"));
      m.put("memTotal", firstMatch("/proc/meminfo", "MemTotal"));
      m.put("kernel", safe("uname", "-sr"));
      m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
      m.put("fileSystem", safe("stat", "-f", "-c", "%T", work.toString()) + " (" + work.getParent() + ")");
      m.put("sha256sum", safe("sha256sum", "--version").split("\n")[0]);
      m.put("redis", safe("redis-server", "--version"));
      m.put("nats", safe("nats-server", "--version"));
      m.put("git", safe("git", "--version"));
      m.put("commit", safe("git", "describe", "--always", "--dirty"));
      m.put("loadAverageAtStart", loadAverage());
      m.put("inotifyMaxQueuedEvents", safe("cat", "/proc/sys/fs/inotify/max_queued_events"));
      m.put("inotifyMaxUserWatches", safe("cat", "/proc/sys/fs/inotify/max_user_watches"));
      return m;
    }

    static String loadAverage() {
      return read("/proc/loadavg");
    }

    private static String read(String f) {
      try {
        return Files.readString(Path.of(f)).trim();
      } catch (Exception e) {
        return "?";
      }
    }

    private static String firstMatch(String f, String prefix) {
      try {
        for (String l : Files.readAllLines(Path.of(f))) {
          if (l.startsWith(prefix)) {
            return l.substring(l.indexOf(':') + 1).trim();
          }
        }
      } catch (Exception e) {
        // fall through
      }
      return "?";
    }

    private static String safe(String... cmd) {
      try {
        return Bench.run(null, cmd).trim();
      } catch (Exception e) {
        return "?";
      }
    }
  }

  static String f(String fmt, Object... args) {
    return String.format(Locale.ROOT, fmt, args);
  }

  static Map<String, Double> map() {
    return new LinkedHashMap<>();
  }

  static <T> List<T> list() {
    return new ArrayList<>();
  }
}
