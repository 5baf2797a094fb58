package io.changeflux.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.changeflux.ShaResolver;
import io.changeflux.ShaResolvers;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * ShaResolvers.fileSha256() over a set of files against one {@code sha256sum} process over the same
 * files (page cache warm for both), in back-to-back pairs; MB/s = 10^6 bytes per second.
 */
final class Hashing {

  private Hashing() {}

  static ObjectNode run(Path work, int totalMiB, int rounds) throws Exception {
    Path dir = Files.createDirectories(work.resolve("sha"));
    int fileMiB = 16;
    int n = Math.max(1, totalMiB / fileMiB);
    List<Path> files = new ArrayList<>();
    Random rnd = new Random(42);
    byte[] block = new byte[1 << 20];
    for (int i = 0; i < n; i++) {
      Path f = dir.resolve("blob" + i);
      try (OutputStream o = Files.newOutputStream(f)) {
        for (int j = 0; j < fileMiB; j++) {
          rnd.nextBytes(block);
          o.write(block);
        }
      }
      files.add(f);
    }
    ShaResolver sha = ShaResolvers.fileSha256();
    List<String> cmd = new ArrayList<>();
    cmd.add("sha256sum");
    files.forEach(f -> cmd.add(f.toString()));
    double megabytes = n * fileMiB * 1.048576;
    io.changeflux.PairedRatios.Result r =
        io.changeflux.PairedRatios.measure(
            () -> {
              List<Object> out = new ArrayList<>();
              for (Path f : files) {
                out.add(sha.resolve(io.changeflux.ChangeEvent.builder(io.changeflux.ChangeKind.MODIFIED, f.getFileName().toString()).path(f).build()));
              }
              return out;
            },
            () -> {
              Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
              if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("sha256sum failed");
              }
              return p;
            },
            megabytes,
            1,
            rounds);
    ObjectNode o = Bench.obj();
    o.put("files", n);
    o.put("mebibytes", n * fileMiB);
    o.put("rounds", rounds);
    o.put("fileSha256MBps", Math.round(r.candidatePerSecond));
    o.put("sha256sumMBps", Math.round(r.baselinePerSecond));
    o.put("fractionOfSha256sum", Bench.round(1 / r.ratio, 3));
    Bench.log("hashing %s", o);
    Bench.deleteTree(dir);
    return o;
  }
}
