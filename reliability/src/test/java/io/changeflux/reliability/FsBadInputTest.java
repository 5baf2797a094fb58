package io.changeflux.reliability;

import static io.changeflux.testkit.Shell.sh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input on the file system: odd names, link loops, growing and huge sparse files. */
@Tag("reliability")
class FsBadInputTest {

  static final Duration PATIENCE = Duration.ofSeconds(60);

  @TempDir Path tmp;

  @Test
  void oddFileNamesAreReportedWithTheirRealPaths() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("names"));
    try (Recorder r = new Recorder("fs:" + root)) {
      List<String> names =
          List.of("new\nline", "tab\tand space", "back\\slash", "-dash", "glob*?[x]", "ünïcødé-日本-😀",
              "x".repeat(255), ".hidden", "quote'\"");
      for (String n : names) {
        Files.writeString(root.resolve(n), "x");
      }
      // not valid UTF-8, and a path longer than PATH_MAX (made with relative steps)
      sh(root, "touch \"$(printf 'bad\\377\\376name')\"");
      String seg = "d".repeat(250);
      sh(root, "mkdir deep && cd deep && for i in $(seq 18); do mkdir " + seg + " && cd -P " + seg + "; done && echo x > f");
      Files.writeString(root.resolve("after"), "x");
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(r.keys(ChangeKind.CREATED)).containsAll(names).contains("after"));
      ChangeEvent bad = await().atMost(PATIENCE).until(
          () -> r.events.stream().filter(e -> e.key().startsWith("bad")).findFirst().orElse(null), e -> e != null);
      for (ChangeEvent e : r.events) {
        assertThat(e.path()).isPresent();
        assertThat(e.path().get().startsWith(root)).as(e.toString()).isTrue();
        assertThat(e.key()).doesNotStartWith("/");
      }
      assertThat(Files.exists(bad.path().orElseThrow())).as("the real path of a non-UTF-8 name").isTrue();
      boolean deepReported = r.events.stream().anyMatch(e -> e.key().startsWith("deep/") && e.key().endsWith("/f"));
      Rel.report(
          "bad-input-fs-names",
          "%d odd names (newline, tab, backslash, glob chars, 255 bytes, emoji, non-UTF-8 key %s) all"
              + " reported with their real paths; a file %d bytes deep (> PATH_MAX) %s; no error (%s)",
          names.size() + 1, bad.key().replace("\uFFFD", "\\uFFFD"), 19 * 251 + 5,
          deepReported ? "reported" : "skipped with a warning", r.error.get());
      assertThat(r.error.get()).isNull();
    } finally {
      sh(root, "rm -rf deep"); // longer than PATH_MAX: JUnit's clean-up cannot delete it
    }
  }

  @Test
  void symlinkLoopsNeverHangOrEscapeTheRoot() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("links"));
    Path outside = Files.createDirectory(tmp.resolve("outside"));
    Files.createDirectories(root.resolve("a/b"));
    Files.createSymbolicLink(root.resolve("loop"), root);
    Files.createSymbolicLink(root.resolve("a/b/up"), Path.of("../.."));
    Files.createSymbolicLink(root.resolve("a/self"), Path.of("self"));
    Files.createSymbolicLink(root.resolve("dangling"), tmp.resolve("nowhere"));
    Files.createSymbolicLink(root.resolve("out"), outside);
    for (String follow : List.of("false", "true")) {
      try (Recorder r = new Recorder("fs:" + root + "?followLinks=" + follow);
          Recorder p = new Recorder("poll:" + root + "?followLinks=" + follow + "&interval=100ms")) {
        Files.writeString(root.resolve("a/b/in-" + follow), "x");
        Files.writeString(outside.resolve("x-" + follow), "x");
        await().atMost(PATIENCE).until(() -> r.keys(ChangeKind.CREATED).contains("a/b/in-" + follow)
            && p.keys(ChangeKind.CREATED).contains("a/b/in-" + follow));
        Files.writeString(root.resolve("marker-" + follow), "x");
        await().atMost(PATIENCE).until(() -> r.keys(ChangeKind.CREATED).contains("marker-" + follow)
            && p.keys(ChangeKind.CREATED).contains("marker-" + follow));
        for (Recorder rec : List.of(r, p)) {
          for (ChangeEvent e : rec.events) {
            assertThat(e.path().orElseThrow().normalize().startsWith(root)).as(e.toString()).isTrue();
            assertThat(e.key()).doesNotContain("..").doesNotStartWith("/");
          }
          assertThat(rec.error.get()).isNull();
        }
        if (follow.equals("false")) {
          assertThat(r.keys(ChangeKind.CREATED)).noneMatch(k -> k.startsWith("out/"));
          assertThat(p.keys(ChangeKind.CREATED)).noneMatch(k -> k.startsWith("out/"));
        }
        Rel.report(
            "security-fs-links-follow-" + follow,
            "loops (root, ../.., self), a dangling link and a link out of the root: fs %d events, poll %d"
                + " events, every path inside the root, a file made in the link's target reported as %s",
            r.events.size(), p.events.size(),
            r.keys(ChangeKind.CREATED).stream().filter(k -> k.contains("x-" + follow)).toList());
      }
    }
  }

  @Test
  void aFileThatGrowsWhileHashedEndsWithTheHashOfItsFinalContent() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("grow"));
    Path f = root.resolve("growing.log");
    Files.writeString(f, "start\n");
    try (Recorder r = new Recorder("fs:" + root + "?confirm=sha256")) {
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong bytes = new AtomicLong();
      Thread writer = new Thread(() -> {
        byte[] chunk = new byte[64 * 1024];
        try {
          while (!stop.get() && bytes.get() < (256L << 20)) {
            Files.write(f, chunk, StandardOpenOption.APPEND);
            bytes.addAndGet(chunk.length);
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // ~4 s of growth
          }
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      writer.start();
      writer.join(); // 256 MB in 64 KB appends, while confirm hashes the file again and again
      stop.set(true);
      String expected = sha256(f);
      await().atMost(PATIENCE).until(() -> r.events.stream().anyMatch(e -> e.sha().orElse("").equals(expected)));
      Rel.report(
          "bad-input-fs-growing-file",
          "a file appended to in 64 KB chunks while confirm=sha256 hashed it (%s written): %d events,"
              + " the last carries the hash of the final content, no error (%s)",
          Rel.mb(bytes.get()), r.events.size(), r.error.get());
      assertThat(r.error.get()).isNull();
    }
  }

  @Test
  void aFiveGigabyteSparseFileIsConfirmedInBoundedMemory() throws Exception {
    long size = Math.max(64L << 20, (long) (5L * 1024 * 1024 * 1024 * Rel.scale()));
    Path root = Files.createDirectory(tmp.resolve("sparse"));
    Path f = root.resolve("big.img");
    try (Recorder r = new Recorder("fs:" + root + "?confirm=sha256")) {
      long heap0 = Rel.heapLive();
      AtomicLong peak = new AtomicLong();
      AtomicBoolean sampling = new AtomicBoolean(true);
      Thread sampler = new Thread(() -> {
        while (sampling.get()) {
          peak.accumulateAndGet(Rel.heapUsed(), Math::max);
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      sampler.start();
      long t0 = System.nanoTime();
      // made outside the root and moved in: one CREATED, hashed once, at its full size
      Path staging = tmp.resolve("big.img.staging");
      try (RandomAccessFile raf = new RandomAccessFile(staging.toFile(), "rw")) {
        raf.setLength(size);
        raf.seek(size - 1);
        raf.write(1);
      }
      Files.move(staging, f, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      await().atMost(Duration.ofMinutes(3)).until(() -> r.events.stream().anyMatch(e -> e.sha().isPresent()));
      long took = System.nanoTime() - t0;
      sampling.set(false);
      sampler.join();
      ChangeEvent e = r.events.stream().filter(x -> x.sha().isPresent()).reduce((a, b) -> b).orElseThrow();
      Process du = new ProcessBuilder("du", "-k", f.toString()).start();
      long onDisk = Long.parseLong(new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\\s+")[0]) * 1024;
      Rel.report(
          "bad-input-fs-sparse-file",
          "a %s sparse file (%s on disk) confirmed with sha256 in %s; heap %s before, sampled peak %s"
              + " (-Xmx512m); sha %s...",
          Rel.mb(size), Rel.mb(onDisk), Rel.seconds(took), Rel.mb(heap0), Rel.mb(peak.get()),
          e.sha().get().substring(0, 12));
      assertThat(peak.get()).isLessThan(256L << 20);
      assertThat(e.sha().get())
          .as("not the hash of an empty file")
          .isNotEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
      assertThat(r.events).filteredOn(x -> x.sha().isPresent()).hasSize(1);
      assertThat(r.error.get()).isNull();
    } finally {
      Files.deleteIfExists(f);
    }
  }

  static String sha256(Path f) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(f)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
