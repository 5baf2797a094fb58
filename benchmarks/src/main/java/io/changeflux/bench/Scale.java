package io.changeflux.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.changeflux.files.TreeScanner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A tree of {@code files} files in {@code dirs} leaf directories: time until the watch is ready and
 * memory, each watcher in its own JVM (ScaleProbe), the modes interleaved round by round; then the
 * poll backend's scan of the tree (NativeScan.scan: the native walk on Linux, TreeScanner elsewhere; what poll: does every interval) against {@code
 * find -printf} of path, size and mtime, in back-to-back pairs.
 */
final class Scale {

  static final List<String> MODES = List.of("idle", "jdk", "dw", "fs", "fs-hash", "fs-settle-gitignore", "fs-confirm");

  private Scale() {}

  static ObjectNode run(Path work, int files, int dirs, int rounds, int scanRounds) throws Exception {
    Path root = work.resolve("tree");
    long t0 = System.nanoTime();
    int[] counts = buildTree(root, files, dirs);
    int made = counts[0];
    int dirCount = counts[1];
    ObjectNode out = Bench.obj();
    out.put("files", made);
    out.put("leafDirectories", dirCount);
    out.put("fileBytes", 1024);
    out.put("buildSeconds", Bench.round((System.nanoTime() - t0) / 1e9, 2));
    Bench.log("scale: tree of %d files in %d leaf dirs built in %.1f s", made, dirCount, (System.nanoTime() - t0) / 1e9);

    Map<String, List<JsonNode>> probes = new LinkedHashMap<>();
    for (String m : MODES) {
      probes.put(m, new ArrayList<>());
    }
    for (int r = 0; r < rounds; r++) {
      List<String> order = new ArrayList<>(MODES);
      if (r % 2 == 1) {
        java.util.Collections.reverse(order);
      }
      for (String m : order) {
        JsonNode p = probe(m, root);
        probes.get(m).add(p);
        Bench.log("scale probe %s", p);
      }
    }
    ObjectNode ready = out.putObject("probes");
    for (Map.Entry<String, List<JsonNode>> e : probes.entrySet()) {
      ObjectNode o = ready.putObject(e.getKey());
      for (String field : List.of("readySeconds", "heapMbAfterGc", "rssMbAtReady", "rssMbAfterGc", "peakRssMb")) {
        List<Double> v = new ArrayList<>();
        for (JsonNode n : e.getValue()) {
          v.add(n.get(field).asDouble());
        }
        o.put(field, Bench.round(Bench.median(v), 3));
      }
      o.set("runs", Bench.JSON.valueToTree(e.getValue()));
    }

    // poll scan vs find, paired
    io.changeflux.poll.internal.NativeScan scanner =
        new io.changeflux.poll.internal.NativeScan(new TreeScanner(root, true, false));
    int[] scanned = new int[1];
    io.changeflux.PairedRatios.Result pr =
        io.changeflux.PairedRatios.measure(
            () -> {
              var m = scanner.scan();
              scanned[0] = m.size();
              return m;
            },
            () -> find(root),
            1,
            3,
            scanRounds);
    ObjectNode scan = out.putObject("pollScan");
    scan.put("entries", scanned[0]);
    scan.put("treeScannerSeconds", Bench.round(1 / pr.candidatePerSecond, 4));
    scan.put("findSeconds", Bench.round(1 / pr.baselinePerSecond, 4));
    scan.put("ratio", Bench.round(pr.ratio, 3));
    scan.put("rounds", scanRounds);
    Bench.log("poll scan %s", scan);
    Bench.run(null, "rm", "-rf", root.toString());
    return out;
  }

  /**
   * Builds the tree of {@code files} files of 1 KiB in {@code dirs} leaf directories (two levels)
   * under {@code root}, a git repository; returns {files made, leaf directories}.
   */
  static int[] buildTree(Path root, int files, int dirs) throws Exception {
    int top = (int) Math.ceil(Math.sqrt(dirs));
    int perTop = dirs / top;
    int perDir = files / dirs;
    byte[] body = new byte[1024];
    java.util.Arrays.fill(body, (byte) 'x');
    int made = 0;
    int dirCount = 0;
    for (int a = 0; a < top && dirCount < dirs; a++) {
      for (int b = 0; b < perTop && dirCount < dirs; b++, dirCount++) {
        Path d = Files.createDirectories(root.resolve("d" + a).resolve("e" + b));
        for (int f = 0; f < perDir; f++) {
          body[0] = (byte) ('a' + (made % 26));
          body[1] = (byte) ('a' + (made / 26 % 26));
          Files.write(d.resolve("f" + f + ".txt"), body);
          made++;
        }
      }
    }
    Watchers.gitRepo(root); // for settle=vcs and gitignore=true
    return new int[] {made, dirCount};
  }

  /**
   * The poll scan alone, without the probes: {@code Scale ROOT [pairs]} builds the 100k tree at
   * ROOT when it is missing (kept for the next run), then times the poll scan ({@code NativeScan.scan()}) against
   * {@code find -printf} in back-to-back pairs (which goes first alternates) and prints the medians
   * of wall time and of CPU time (user + system: the scanning JVM's, GC and JIT included, against
   * the find process's, from the shell's {@code times}), and the medians of the per-pair ratios.
   * On a loaded machine the CPU ratio is the steadier one.
   */
  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 9;
    if (!Files.isDirectory(root)) {
      buildTree(root, 100_000, 10_000);
    }
    // what poll: runs every interval: the native walk on Linux, TreeScanner elsewhere
    io.changeflux.poll.internal.NativeScan scanner =
        new io.changeflux.poll.internal.NativeScan(new TreeScanner(root, true, false));
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    int entries = 0;
    List<Double> scanWall = new ArrayList<>();
    List<Double> scanCpu = new ArrayList<>();
    List<Double> findWall = new ArrayList<>();
    List<Double> findCpu = new ArrayList<>();
    List<Double> wallRatio = new ArrayList<>();
    List<Double> cpuRatio = new ArrayList<>();
    for (int i = -3; i < rounds; i++) { // three warm-up pairs
      double sw = 0;
      double sc = 0;
      double[] f = null;
      for (int half = 0; half < 2; half++) {
        if ((half == 0) == (i % 2 == 0)) {
          long c0 = os.getProcessCpuTime();
          long t0 = System.nanoTime();
          entries = scanner.scan().size();
          sw = (System.nanoTime() - t0) / 1e9;
          sc = (os.getProcessCpuTime() - c0) / 1e9;
        } else {
          f = findTimed(root);
        }
      }
      if (i < 0 || f == null) {
        continue;
      }
      scanWall.add(sw);
      scanCpu.add(sc);
      findWall.add(f[0]);
      findCpu.add(f[1]);
      wallRatio.add(sw / f[0]);
      cpuRatio.add(sc / f[1]);
    }
    System.out.printf(
        "scan %d entries, %d pairs: wall poll scan %.3f s  find %.3f s  ratio %.3f | CPU poll scan %.3f s  find %.3f s  ratio %.3f%n",
        entries,
        rounds,
        Bench.median(scanWall),
        Bench.median(findWall),
        Bench.median(wallRatio),
        Bench.median(scanCpu),
        Bench.median(findCpu),
        Bench.median(cpuRatio));
  }

  /** find -printf over the tree: {wall seconds, CPU seconds of find (user + system)}. */
  private static double[] findTimed(Path root) throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    Process p =
        new ProcessBuilder(
                "sh", "-c", "find \"$1\" -printf '%P\\t%s\\t%T@\\n' > /dev/null && times", "sh", root.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("find failed");
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    String[] lines = out.trim().split("\n");
    String[] children = lines[lines.length - 1].trim().split("\\s+"); // "0m0.120s 0m0.340s"
    return new double[] {wall, shellSeconds(children[0]) + shellSeconds(children[1])};
  }

  private static double shellSeconds(String t) {
    int m = t.indexOf('m');
    return Double.parseDouble(t.substring(0, m)) * 60 + Double.parseDouble(t.substring(m + 1, t.length() - 1));
  }

  private static Object find(Path root) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder("find", root.toString(), "-printf", "%P\\t%s\\t%T@\\n")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("find failed");
    }
    return p;
  }

  private static JsonNode probe(String mode, Path root) throws Exception {
    List<String> cmd = Bench.javaCommand(ScaleProbe.class.getName(), mode, root.toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(300, TimeUnit.SECONDS);
    for (String line : out.split("\n")) {
      if (line.startsWith("PROBE ")) {
        return Bench.JSON.readTree(line.substring(6));
      }
    }
    throw new IllegalStateException("probe " + mode + " failed:\n" + out);
  }
}
