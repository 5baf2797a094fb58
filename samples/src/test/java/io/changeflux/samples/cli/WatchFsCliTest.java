package io.changeflux.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI on real directories: fs:, poll:, operators flags and --exec. */
class WatchFsCliTest {

  @TempDir Path dir;
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void missingPathExitsTwoNamingIt() throws Exception {
    CliProcess p = CliProcess.run("watch", "fs:/no/such/dir");
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(p.err).singleElement().asString().contains("/no/such/dir");
  }

  @Test
  void fsWatchPrintsJsonLinesAsFilesChange() throws Exception {
    try (CliProcess p = CliProcess.start("watch", "fs:" + dir, "--json", "--count", "2")) {
      p.awaitErr("watching ");
      Files.writeString(dir.resolve("a.txt"), "a");
      Files.createDirectories(dir.resolve("sub"));
      Files.writeString(dir.resolve("sub/b.txt"), "b");
      assertThat(p.waitFor(Duration.ofSeconds(30))).isZero();
      assertThat(p.out).hasSize(2);
      JsonNode first = json.readTree(p.out.get(0));
      assertThat(first.get("kind").asText()).isEqualTo("CREATED");
      assertThat(first.get("key").asText()).isEqualTo("a.txt");
      assertThat(first.get("source").asText()).startsWith("fs:");
      assertThat(first.has("time")).isTrue();
    }
  }

  @Test
  void pollWatchWorksFromTheCli() throws Exception {
    try (CliProcess p = CliProcess.start("watch", "poll:" + dir + "?interval=200ms", "--json", "--count", "1")) {
      p.awaitErr("watching ");
      Files.writeString(dir.resolve("polled.txt"), "x");
      assertThat(p.waitFor(Duration.ofSeconds(30))).isZero();
      JsonNode n = json.readTree(p.out.get(0));
      assertThat(n.get("key").asText()).isEqualTo("polled.txt");
      assertThat(n.get("kind").asText()).isEqualTo("CREATED");
    }
  }

  @Test
  void debounceFlagBatchesAndNumbersTheBatch() throws Exception {
    try (CliProcess p = CliProcess.start("watch", "fs:" + dir, "--json", "--debounce", "300ms", "--count", "3")) {
      p.awaitErr("watching ");
      for (String n : List.of("x", "y", "z")) {
        Files.writeString(dir.resolve(n), n);
      }
      assertThat(p.waitFor(Duration.ofSeconds(30))).isZero();
      assertThat(p.out).hasSize(3);
      assertThat(p.out).allSatisfy(l -> assertThat(json.readTree(l).get("batch").asLong()).isEqualTo(1));
    }
  }

  @Test
  void includeAndExcludeFlagsFilterKeys() throws Exception {
    try (CliProcess p = CliProcess.start("watch", "fs:" + dir, "--json", "--include", "**/*.java", "--exclude", "target/**", "--count", "1")) {
      p.awaitErr("watching ");
      Files.createDirectories(dir.resolve("target"));
      Files.writeString(dir.resolve("target/Gen.java"), "x");
      Files.writeString(dir.resolve("notes.txt"), "x");
      Files.writeString(dir.resolve("Main.java"), "x");
      assertThat(p.waitFor(Duration.ofSeconds(30))).isZero();
      assertThat(json.readTree(p.out.get(0)).get("key").asText()).isEqualTo("Main.java");
    }
  }

  @Test
  void execRunsTheCommandPerBatchWithTheChangedKeys() throws Exception {
    Path log = Files.createTempFile("changeflux-exec", ".log");
    Files.delete(log);
    try (CliProcess p = CliProcess.start("watch", "fs:" + dir, "--debounce", "200ms",
        "--exec", "sh", "-c", "printf '%s\\n--\\n' \"$CHANGEFLUX_KEYS\" >> " + log + "; exit 3")) {
      p.awaitErr("watching ");
      Files.writeString(dir.resolve("one.txt"), "1");
      Files.writeString(dir.resolve("two.txt"), "2");
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(log) && Files.readString(log).contains("--"));
      assertThat(Files.readString(log)).contains("one.txt", "two.txt");
      await().atMost(Duration.ofSeconds(30)).until(() -> p.errText().contains("exited with status 3; still watching"));
      Files.writeString(dir.resolve("three.txt"), "3");
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("three.txt"));
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
