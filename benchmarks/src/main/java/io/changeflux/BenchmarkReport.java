package io.changeflux;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the benchmarks and writes {@code jmh.json} (JMH's own results) and {@code summary.json}
 * (the goals as ratios measured in the same run) into a directory.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.changeflux.BenchmarkReport [--quick] [--out DIR] [JMH include regex]
 * </pre>
 *
 * {@code --quick}: 2 warm-up and 3 measured iterations of 1 s (a short profile for a shared
 * machine); default: the iterations the benchmark classes declare. Default {@code DIR}: {@code
 * benchmarks/results}. {@code --paired-only}: skip JMH, run only the paired rounds.
 *
 * <p>After JMH, the same benchmarks run again as back-to-back pairs ({@link PairedRatios}): the
 * chain against map + bufferTimeout, fileSha256 against sha256sum, 15 rounds each after 5 warm-up
 * rounds. On a shared machine those paired medians are the ratios to trust; {@code summary.json}
 * has both.
 */
public final class BenchmarkReport {

  private BenchmarkReport() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    boolean quick = false;
    boolean pairedOnly = false;
    Path out = Path.of("benchmarks", "results");
    String include = "io\\.changeflux\\.(ChainBenchmark|ShaBenchmark)\\..*";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick":
          quick = true;
          break;
        case "--paired-only":
          pairedOnly = true;
          break;
        case "--out":
          out = Path.of(args[++i]);
          break;
        default:
          include = args[i];
      }
    }
    Files.createDirectories(out);
    Path jmhJson = out.resolve("jmh.json");
    ChainedOptionsBuilder o =
        new OptionsBuilder()
            .include(include)
            .resultFormat(ResultFormatType.JSON)
            .result(jmhJson.toString());
    if (quick) {
      o.warmupIterations(2)
          .warmupTime(TimeValue.seconds(1))
          .measurementIterations(3)
          .measurementTime(TimeValue.seconds(1));
    }
    Collection<RunResult> results = pairedOnly ? java.util.List.of() : new Runner(o.build()).run();

    Map<String, Double> score = new LinkedHashMap<>();
    Map<String, Double> error = new LinkedHashMap<>();
    int sizeMiB = 0;
    for (RunResult r : results) {
      String label = r.getParams().getBenchmark();
      label = label.substring(label.lastIndexOf('.', label.lastIndexOf('.') - 1) + 1);
      score.put(label, r.getPrimaryResult().getScore());
      error.put(label, r.getPrimaryResult().getScoreError());
      String size = r.getParams().getParam("sizeMiB");
      if (size != null) {
        sizeMiB = Integer.parseInt(size);
      }
    }
    StringBuilder json = new StringBuilder("{\n");
    json.append("  \"cpus\": ").append(Runtime.getRuntime().availableProcessors()).append(",\n");
    json.append("  \"java\": \"").append(System.getProperty("java.version")).append("\",\n");
    json.append("  \"quick\": ").append(quick).append(",\n");
    json.append("  \"scores\": {");
    String sep = "\n";
    for (Map.Entry<String, Double> e : score.entrySet()) {
      json.append(sep)
          .append("    \"")
          .append(e.getKey())
          .append("\": {\"score\": ")
          .append(fmt(e.getValue()))
          .append(", \"error\": ")
          .append(fmt(error.get(e.getKey())))
          .append('}');
      sep = ",\n";
    }
    json.append("\n  }");
    Double chain = score.get("ChainBenchmark.chain");
    Double bare = score.get("ChainBenchmark.mapBufferTimeout");
    if (chain != null && bare != null) {
      json.append(",\n  \"chainEventsPerSecond\": ").append(fmt(chain));
      json.append(",\n  \"bareEventsPerSecond\": ").append(fmt(bare));
      json.append(",\n  \"chainSlowdownVsBare\": ").append(fmt(bare / chain));
      json.append(",\n  \"chainGoalMet\": ").append(chain >= 5e6 && bare / chain <= 3);
    }
    Double java = score.get("ShaBenchmark.fileSha256");
    Double tool = score.get("ShaBenchmark.sha256sum");
    if (java != null && tool != null) {
      json.append(",\n  \"fileSha256MBps\": ").append(fmt(java * sizeMiB * 1.048576));
      json.append(",\n  \"sha256sumMBps\": ").append(fmt(tool * sizeMiB * 1.048576));
      json.append(",\n  \"fileSha256VsSha256sum\": ").append(fmt(java / tool));
      json.append(",\n  \"shaGoalMet\": ").append(java / tool >= 0.8);
    }
    json.append(",\n  \"paired\": {");
    ChainBenchmark chainBench = new ChainBenchmark();
    chainBench.setup();
    PairedRatios.Result pc =
        PairedRatios.measure(chainBench::chain, chainBench::mapBufferTimeout, ChainBenchmark.N, 5, 15);
    json.append("\n    \"chainEventsPerSecond\": ").append(fmt(pc.candidatePerSecond));
    json.append(",\n    \"bareEventsPerSecond\": ").append(fmt(pc.baselinePerSecond));
    json.append(",\n    \"chainSlowdownVsBare\": ").append(fmt(pc.ratio));
    json.append(",\n    \"chainGoalMet\": ").append(pc.candidatePerSecond >= 5e6 && pc.ratio <= 3);
    ShaBenchmark shaBench = new ShaBenchmark();
    shaBench.sizeMiB = 64;
    shaBench.setup();
    try {
      PairedRatios.Result ps =
          PairedRatios.measure(shaBench::fileSha256, shaBench::sha256sum, 64 * 1.048576, 3, 15);
      json.append(",\n    \"fileSha256MBps\": ").append(fmt(ps.candidatePerSecond));
      json.append(",\n    \"sha256sumMBps\": ").append(fmt(ps.baselinePerSecond));
      json.append(",\n    \"fileSha256VsSha256sum\": ").append(fmt(1 / ps.ratio));
      json.append(",\n    \"shaGoalMet\": ").append(1 / ps.ratio >= 0.8);
    } finally {
      shaBench.tearDown();
    }
    json.append("\n  }");
    json.append("\n}\n");
    Path summary = out.resolve("summary.json");
    Files.writeString(summary, json, StandardCharsets.UTF_8);
    System.out.println(json);
    System.out.println("wrote " + summary + " and " + jmhJson);
  }

  private static String fmt(Double d) {
    if (d == null || d.isNaN() || d.isInfinite()) {
      return "null";
    }
    return String.format(Locale.ROOT, "%.3f", d);
  }
}
