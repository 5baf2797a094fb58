package io.changeflux.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * {@code changeflux run PIPELINE --watch} (the CLI, in its own JVM): file change → stage start. One
 * stage whose command is {@code date +%s%N >> out/starts}, so the stage records its own start (wall
 * clock, ns); the harness writes a source file, stamped with the wall clock just before the write,
 * and waits for the next line. The baseline is the cost of starting that same command: {@code sh
 * -c 'date +%s%N'} started from Java, compared with the time just before the start.
 */
final class RunWatchLatency {

  private RunWatchLatency() {}

  static ObjectNode run(Path work, int changes, int quietMillis) throws Exception {
    Path dir = Files.createDirectories(work.resolve("runwatch"));
    Files.createDirectories(dir.resolve("src"));
    Files.createDirectories(dir.resolve("out"));
    Path starts = dir.resolve("out/starts");
    Files.writeString(
        dir.resolve("pipeline.properties"),
        String.join(
            "\n",
            "debounce=" + quietMillis + "ms",
            "stage.s.inputs=src/**",
            "stage.s.outputs=out/**",
            "stage.s.command=date +%s%N >> out/starts",
            ""));
    Files.writeString(dir.resolve("src/a.txt"), "0");
    Process cli =
        new ProcessBuilder(
                Bench.javaCommand(
                    "io.changeflux.samples.cli.Main", "run", dir.resolve("pipeline.properties").toString(), "--watch"))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("cli.log").toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    Histogram h = Bench.histogram();
    int missed = 0;
    try {
      // the first wave (everything) runs at start; then wait for the watch to be up
      if (!waitLines(starts, 1, 60_000)) {
        throw new IllegalStateException("run --watch did not start:\n" + Files.readString(dir.resolve("cli.log")));
      }
      Bench.sleepMs(1500);
      int lines = lines(starts);
      for (int i = 0; i < changes; i++) {
        long t0 = epochNanos();
        Files.writeString(dir.resolve("src/a.txt"), "change " + i);
        if (!waitLines(starts, lines + 1, 3_000)) {
          if (++missed >= 3) {
            throw new IllegalStateException("run --watch missed 3 changes:\n" + Files.readString(dir.resolve("cli.log")));
          }
          lines = lines(starts);
          continue;
        }
        List<String> all = Files.readAllLines(starts);
        lines = all.size();
        long started = Long.parseLong(all.get(all.size() - 1).trim());
        if (i > 0) { // the first change is a warm-up
          Bench.record(h, started - t0);
        }
        Bench.sleepMs(quietMillis + 100);
      }
    } finally {
      cli.destroy();
      if (!cli.waitFor(10, TimeUnit.SECONDS)) {
        cli.destroyForcibly();
      }
    }
    // baseline: starting the stage's command itself
    Histogram spawn = Bench.histogram();
    for (int i = 0; i < 30; i++) { // NOPMD
      long t0 = epochNanos();
      Process p = new ProcessBuilder("sh", "-c", "date +%s%N").start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
      p.waitFor();
      if (i >= 5) {
        Bench.record(spawn, Long.parseLong(out) - t0);
      }
    }
    ObjectNode o = Bench.obj();
    o.put("quietMillis", quietMillis);
    o.put("changes", changes);
    o.put("missed", missed);
    o.set("changeToStageStart", Bench.percentiles(h));
    o.set("shDateSpawn", Bench.percentiles(spawn));
    Bench.log("run --watch %s", o);
    if (missed > 0) {
      Bench.log("run --watch CLI output:%n%s", Files.readString(dir.resolve("cli.log")));
    }
    Bench.deleteTree(dir);
    return o;
  }

  static long epochNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  private static int lines(Path f) throws Exception {
    return Files.exists(f) ? Files.readAllLines(f).size() : 0;
  }

  private static boolean waitLines(Path f, int n, long timeoutMs) throws Exception {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (System.nanoTime() < deadline) {
      if (lines(f) >= n) {
        return true;
      }
      Thread.sleep(1);
    }
    return false;
  }
}
