package io.changeflux.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The real {@code bin/changeflux} on a throwaway copy of this checkout (so its builds never touch
 * this checkout's target directories): killed mid-build, started twice at once, handed a corrupt
 * jar. Two full Maven builds in all; tagged reliability because they take a minute or two each on
 * a cold machine (bin/test runs them).
 *
 * <p>The class runs beside the module's other test classes (which run one at a time): its time is
 * the builds and the launchers it waits for, in their own processes, and it shares nothing with
 * them but the machine. Its methods run in order, one at a time, in the class's thread
 * ({@code SAME_THREAD} on each: the class's {@code CONCURRENT} would otherwise reach them).
 */
@Tag("reliability")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Execution(ExecutionMode.CONCURRENT)
class LauncherTest {

  @TempDir static Path tmp;
  static Path clone;

  static final Duration BUILD = Duration.ofMinutes(6);
  static final Map<String, String> EXIT_WHEN_READY = Map.of("CHANGEFLUX_JAVA_OPTS", "-Dchangeflux.exitWhenReady=true");

  static Path checkout() throws Exception {
    if (clone == null) {
      clone = Launcher.cloneCheckout(Files.createDirectories(tmp.resolve("checkout")));
    }
    return clone;
  }

  static Path jar() throws Exception {
    return checkout().resolve(".changeflux/cli.jar");
  }

  static String identity(Path file) throws Exception {
    return Files.size(file) + " " + Files.getLastModifiedTime(file).toMillis() + " " + Files.getAttribute(file, "unix:ino");
  }

  /** Starts a build and kills the launcher's whole process group at a random point of it. */
  static void killDuringBuild(int maxDelayMs) throws Exception {
    try (Launcher l = Launcher.start(checkout(), "--version")) {
      l.awaitErr("building the CLI", BUILD);
      long delay = ThreadLocalRandom.current().nextLong(maxDelayMs);
      Thread.sleep(delay); // the random point of the build at which the kill lands, not synchronisation
      assertThat(l.process.isAlive()).as("the build still runs %d ms in", delay).isTrue();
      l.killGroup("KILL");
      await().atMost(Duration.ofSeconds(30)).until(() -> !l.groupAlive());
    }
  }

  @Test
  @Order(1)
  @Execution(ExecutionMode.SAME_THREAD)
  void aFirstBuildKilledLeavesNoJarAndTwoLaunchersStartedTogetherBuildOnceAndBothRun() throws Exception {
    killDuringBuild(8000);
    assertThat(jar()).doesNotExist();

    try (Launcher a = Launcher.start(checkout(), "--version");
        Launcher b = Launcher.start(checkout(), "--version")) {
      assertThat(a.waitFor(BUILD)).as(a.errText()).isZero();
      assertThat(b.waitFor(BUILD)).as(b.errText()).isZero();
      assertThat(a.out).containsExactly("changeflux 0.1.0-SNAPSHOT");
      assertThat(b.out).containsExactly("changeflux 0.1.0-SNAPSHOT");
      String both = a.errText() + "\n" + b.errText();
      assertThat(both.split("changeflux: building the CLI \\(", -1)).as("one build: " + both).hasSize(2);
      assertThat(both).contains("another bin/changeflux is building the CLI; waiting for it");
      assertThat(both).as("the build after an interrupted one starts clean").contains("mvn clean package");
    }
    assertThat(jar()).isRegularFile();
    assertThat(checkout().resolve(".changeflux/cli.jsa")).isRegularFile();
  }

  @Test
  @Order(2)
  @Execution(ExecutionMode.SAME_THREAD)
  void aBuildKilledAtRandomPointsFiveTimesKeepsThePreviousGoodJarAndTheNextRunWorks() throws Exception {
    Path good = jar();
    String before = identity(good);
    Path main = checkout().resolve("samples/src/main/java/io/changeflux/samples/cli/Main.java");
    Files.writeString(main, "\n// edited by LauncherTest\n", StandardOpenOption.APPEND);
    for (int i = 0; i < 5; i++) {
      killDuringBuild(6000);
      assertThat(identity(good)).as("after kill %d", i + 1).isEqualTo(before);
      Process p = new ProcessBuilder("java", "-jar", good.toString(), "--version").redirectErrorStream(true).start();
      assertThat(p.waitFor()).as("the previous jar still runs after kill %d", i + 1).isZero();
    }

    // A jar broken behind the launcher's back (truncated) is detected and rebuilt along with the edit.
    byte[] bytes = Files.readAllBytes(good);
    Files.write(good, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    // (mem: is a test-scope source since it moved to changeflux-testkit: the CLI jar watches fs:)
    String afterKills = "fs:" + Files.createTempDirectory("launcher-afterkills");
    try (Launcher l = Launcher.start(checkout(), EXIT_WHEN_READY, "watch", afterKills)) {
      assertThat(l.waitFor(BUILD)).as(l.errText()).isZero();
      assertThat(l.err).contains("watching " + afterKills);
      assertThat(l.errText()).contains("building the CLI").doesNotContain("corrupt", "Error:");
    }
    assertThat(identity(good)).isNotEqualTo(before);
    assertThat(checkout().resolve(".changeflux/build.incomplete")).doesNotExist();

    // Up to date now: the next run starts without building.
    String fresh = "fs:" + Files.createTempDirectory("launcher-fresh");
    try (Launcher l = Launcher.start(checkout(), EXIT_WHEN_READY, "watch", fresh)) {
      assertThat(l.waitFor(Duration.ofMinutes(1))).as(l.errText()).isZero();
      assertThat(l.err).containsExactly("watching " + fresh);
    }
  }

  /** The help pages through the launcher, as a newcomer sees them first. */
  @Test
  @Order(3)
  @Execution(ExecutionMode.SAME_THREAD)
  void helpThroughTheLauncherMatchesTheInProcessHelp() throws Exception {
    for (List<String> args : List.of(List.of("--help"), List.of("watch", "--help"), List.of("help", "fs"))) {
      try (Launcher l = Launcher.start(checkout(), args.toArray(String[]::new))) {
        assertThat(l.waitFor(Duration.ofMinutes(1))).as(l.errText()).isZero();
        HelpPagesTest.assertClean(String.join(" ", args), l.out);
      }
    }
  }

  /** watchexec's use: a dev server restarted on change, through the launcher, and nothing left behind. */
  @Test
  @Order(4)
  @Execution(ExecutionMode.SAME_THREAD)
  void aDevServerIsRestartedOnChangeThroughTheLauncherWithNoOrphanLeft() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("app"));
    Path pids = tmp.resolve("server.pids");
    String server = "echo $$ >> " + ExecCliTest.q(pids) + "; sleep 1000 & echo $! >> " + ExecCliTest.q(pids) + "; wait";
    try (Launcher l = Launcher.start(checkout(), "watch", "fs:" + src, "--restart", "--exec", "sh", "-c", server)) {
      l.awaitErr("watching ", Duration.ofMinutes(1));
      await().atMost(Duration.ofMinutes(1)).until(() -> ExecCliTest.pids(pids).size() == 2);
      Files.writeString(src.resolve("index.js"), "v2");
      await().atMost(Duration.ofMinutes(1)).until(() -> ExecCliTest.pids(pids).size() == 4);
      assertThat(ExecCliTest.pids(pids).subList(0, 2)).noneMatch(ExecCliTest::alive);
      new ProcessBuilder("kill", "-INT", Long.toString(l.process.pid())).start().waitFor();
      assertThat(l.waitFor(Duration.ofMinutes(1))).as(l.errText()).isZero();
      assertThat(ExecCliTest.pids(pids)).as("no orphan").noneMatch(ExecCliTest::alive);
    }
  }

  /** The class-data archive follows the JVM it serves: other JVM defaults retrain it, once. */
  @Test
  @Order(5)
  @Execution(ExecutionMode.SAME_THREAD)
  void otherJvmDefaultsRetrainTheClassDataArchiveOnce() throws Exception {
    Path jsa = checkout().resolve(".changeflux/cli.jsa");
    Path stamp = checkout().resolve(".changeflux/cli.jsa.stamp");
    String watched = "fs:" + Files.createTempDirectory("launcher-cds");
    try (Launcher l = Launcher.start(checkout(), EXIT_WHEN_READY, "watch", watched)) {
      assertThat(l.waitFor(BUILD)).as(l.errText()).isZero();
    }
    assertThat(jsa).exists();
    assertThat(Files.readString(stamp)).contains(" static ").contains("-XX:MaxHeapFreeRatio=30");
    // one static archive of the JDK's and the jar's classes, which this JVM maps (-Xshare:on fails
    // when it cannot) and from which it loads the CLI's own classes
    Process share =
        new ProcessBuilder(
                "java", "-XX:+UseSerialGC", "-XX:SharedArchiveFile=" + jsa, "-Xshare:on", "-Xlog:class+load=info",
                "-jar", jar().toString(), "--version")
            .redirectErrorStream(true)
            .start();
    String loaded = new String(share.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(share.waitFor()).as(loaded).isZero();
    assertThat(loaded).containsPattern("io\\.changeflux\\.samples\\.cli\\.Main source: shared objects file");
    Map<String, String> other =
        Map.of(
            "CHANGEFLUX_JAVA_OPTS", "-Dchangeflux.exitWhenReady=true",
            "CHANGEFLUX_JVM_DEFAULTS", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1");
    try (Launcher l = Launcher.start(checkout(), other, "watch", watched)) {
      assertThat(l.waitFor(Duration.ofMinutes(1))).as(l.errText()).isZero();
      assertThat(l.err).containsExactly("watching " + watched);
    }
    String retrained = Files.readString(stamp);
    assertThat(retrained).endsWith("-XX:+UseSerialGC -XX:TieredStopAtLevel=1\n").doesNotContain("MaxHeapFreeRatio");
    assertThat(jsa).exists();
    java.nio.file.attribute.FileTime at = Files.getLastModifiedTime(stamp);
    try (Launcher l = Launcher.start(checkout(), other, "watch", watched)) {
      assertThat(l.waitFor(Duration.ofMinutes(1))).as(l.errText()).isZero();
    }
    assertThat(Files.getLastModifiedTime(stamp)).as("not trained again").isEqualTo(at);
    assertThat(Files.readString(stamp)).isEqualTo(retrained);
  }
}
