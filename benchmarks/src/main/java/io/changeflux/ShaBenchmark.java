package io.changeflux;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link ShaResolvers#fileSha256()} against the {@code sha256sum} program on the same file (random
 * bytes, in the page cache), in the same run. Score: hashes per second; MB/s = score × {@code
 * sizeMiB}. The goal is at least 80% of {@code sha256sum}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
public class ShaBenchmark {

  /** File size in MiB. */
  @Param({"64"})
  public int sizeMiB;

  Path file;
  ShaResolver resolver;
  ChangeEvent event;
  String expected;

  @Setup(Level.Trial)
  public void setup() throws Exception {
    file = Files.createTempFile("changeflux-sha-bench", ".bin");
    Random r = new Random(42);
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (int i = 0; i < sizeMiB; i++) {
        r.nextBytes(chunk);
        out.write(chunk);
      }
    }
    resolver = ShaResolvers.fileSha256();
    event = ChangeEvent.builder(ChangeKind.MODIFIED, "bench.bin").path(file).build();
    expected = sha256sum();
    if (!expected.equals(resolver.resolve(event))) {
      throw new IllegalStateException("fileSha256 disagrees with sha256sum");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    Files.deleteIfExists(file);
  }

  /** ShaResolvers.fileSha256(), streaming with its buffer. */
  @Benchmark
  public String fileSha256() throws IOException {
    return resolver.resolve(event);
  }

  /** The sha256sum program on the same file (process start included: under 1% at 64 MiB). */
  @Benchmark
  public String sha256sum() throws Exception {
    Process p = new ProcessBuilder("sha256sum", file.toString()).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("sha256sum failed: " + out);
    }
    return out.substring(0, 64);
  }
}
