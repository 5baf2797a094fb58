package io.changeflux.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code watch --exec} in real processes on real directories: the hand-off of every change however
 * many, and watchexec-style process control (on-busy modes, stop signal and timeout, process-group
 * kill, no orphan left).
 */
class ExecCliTest {

  static final Duration LONG = Duration.ofSeconds(90);

  static String q(Path p) {
    return "'" + p.toString().replace("'", "'\\''") + "'";
  }

  static List<String> lines(Path file) throws Exception {
    return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
  }

  /** Whether {@code pid} runs: exists and is no zombie (this machine's PID 1 may never reap orphans' zombies). */
  static boolean alive(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (java.io.IOException gone) {
      return false;
    }
  }

  static List<Long> pids(Path file) throws Exception {
    List<Long> out = new ArrayList<>();
    for (String l : lines(file)) {
      if (!l.isBlank()) {
        out.add(Long.parseLong(l.trim()));
      }
    }
    return out;
  }

  @Test
  void aBatchOfTwentyThousandLongNamesRunsTheCommandWhichSeesEveryKey(@TempDir Path tmp) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("tree"));
    Path fromFile = tmp.resolve("from-file.jsonl");
    Path fromStdin = tmp.resolve("from-stdin.jsonl");
    Path runs = tmp.resolve("runs.txt");
    String script = "cat \"$CHANGEFLUX_EVENTS_FILE\" >> " + q(fromFile) + "; cat >> " + q(fromStdin)
        + "; echo \"$CHANGEFLUX_KEY_COUNT ${CHANGEFLUX_KEYS_TRUNCATED:-0} ${#CHANGEFLUX_KEYS}\" >> " + q(runs);
    Set<String> expected = new HashSet<>();
    try (CliProcess p = CliProcess.start("watch", "fs:" + dir, "--coalesce", "100000", "--debounce", "2s", "--max-wait", "60s",
        "--stdin-events", "--exec", "sh", "-c", script)) {
      p.awaitErr("watching ");
      String pad = "long-name-é-" + "x".repeat(180);
      for (int i = 0; i < 20_000; i++) {
        String name = pad + "-" + i;
        Files.writeString(dir.resolve(name), "");
        expected.add(name);
      }
      ObjectMapper json = new ObjectMapper();
      await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
        Set<String> seen = new HashSet<>();
        for (String l : lines(fromFile)) {
          seen.add(json.readTree(l).get("key").asText());
        }
        assertThat(seen).as("keys in CHANGEFLUX_EVENTS_FILE").hasSameSizeAs(expected).isEqualTo(expected);
      });
      Set<String> viaStdin = new HashSet<>();
      for (String l : lines(fromStdin)) {
        JsonNode n = json.readTree(l);
        viaStdin.add(n.get("key").asText());
      }
      assertThat(viaStdin).as("keys on stdin (--stdin-events)").isEqualTo(expected);
      assertThat(p.errText()).doesNotContain("Argument list too long", "cannot run");
      // The batch's keys did not fit CHANGEFLUX_KEYS: it was cut, under its documented size, and said so.
      List<String> runLines = lines(runs);
      assertThat(runLines).isNotEmpty();
      assertThat(runLines).anySatisfy(l -> assertThat(l.split(" ")[1]).isEqualTo("1"));
      for (String l : runLines) {
        assertThat(Integer.parseInt(l.split(" ")[2])).isLessThanOrEqualTo(io.changeflux.samples.run.Handoff.MAX_KEYS_BYTES);
      }
      assertThat(runLines.stream().mapToInt(l -> Integer.parseInt(l.split(" ")[0])).sum()).isEqualTo(20_000);
    }
  }

  @Test
  void restartStopsTheServerAndItsChildrenAsAGroupAndCtrlCLeavesNoOrphan(@TempDir Path tmp) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("src"));
    Path pids = tmp.resolve("pids");
    Path runs = tmp.resolve("runs");
    // A dev server: a shell that starts a long-running child and waits for it.
    String server = "echo $$ >> " + q(pids) + "; sleep 1000 & echo $! >> " + q(pids)
        + "; echo \"run $CHANGEFLUX_KEY_COUNT\" >> " + q(runs) + "; wait";
    try (CliProcess p = CliProcess.start("watch", "fs:" + dir, "--restart", "--stop-timeout", "20s", "--exec", "sh", "-c", server)) {
      p.awaitErr("watching ");
      await().atMost(LONG).until(() -> pids(pids).size() == 2);
      List<Long> first = pids(pids);
      Files.writeString(dir.resolve("app.js"), "v2");
      await().atMost(LONG).until(() -> pids(pids).size() == 4);
      assertThat(first).as("the first server and its child are gone").noneMatch(ExecCliTest::alive);
      assertThat(lines(runs)).containsExactly("run 0", "run 1");
      List<Long> second = pids(pids).subList(2, 4);
      assertThat(second).allMatch(ExecCliTest::alive);
      p.signal("INT");
      assertThat(p.waitFor(LONG)).as("stopped by the stop signal in time: exit 0").isZero();
      assertThat(pids(pids)).as("no orphan").noneMatch(ExecCliTest::alive);
      assertThat(p.errText()).contains("restarting").doesNotContain("exited with status");
    }
  }

  @Test
  void aCommandIgnoringTheStopSignalIsKilledAfterTheTimeoutAndTheExitStatusSaysSo(@TempDir Path tmp) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("src"));
    Path pids = tmp.resolve("pids");
    String stubborn = "trap '' TERM; echo $$ >> " + q(pids) + "; sleep 1000 & echo $! >> " + q(pids) + "; wait";
    try (CliProcess p = CliProcess.start("watch", "fs:" + dir, "--on-busy", "restart", "--stop-timeout", "500ms",
        "--exec", "sh", "-c", stubborn)) {
      p.awaitErr("watching ");
      await().atMost(LONG).until(() -> pids(pids).size() == 2);
      p.signal("TERM");
      assertThat(p.waitFor(LONG)).as("exit status 3: the command had to be killed").isEqualTo(3);
      assertThat(p.errText()).contains("did not stop within 500ms of SIGTERM; killed");
      assertThat(pids(pids)).noneMatch(ExecCliTest::alive);
    }
  }

  @Test
  void signalModeSendsTheStopSignalAndQueuesTheChanges(@TempDir Path tmp) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("src"));
    Path log = tmp.resolve("log");
    String cmd = "trap 'echo got-usr1 >> " + q(log) + "; exit 0' USR1; echo \"run $CHANGEFLUX_KEYS\" >> " + q(log)
        + "; while :; do sleep 0.1; done";
    try (CliProcess p = CliProcess.start("watch", "fs:" + dir, "--on-busy", "signal", "--stop-signal", "SIGUSR1",
        "--exec", "sh", "-c", cmd)) {
      p.awaitErr("watching ");
      Files.writeString(dir.resolve("a"), "1");
      await().atMost(LONG).until(() -> lines(log).contains("run a"));
      Files.writeString(dir.resolve("b"), "1");
      await().atMost(LONG).until(() -> lines(log).size() >= 3);
      assertThat(lines(log).subList(0, 3)).containsExactly("run a", "got-usr1", "run b");
    }
  }

  @Test
  void doNothingModeDropsChangesMadeWhileTheCommandRuns(@TempDir Path tmp) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("src"));
    Path log = tmp.resolve("log");
    Path release = tmp.resolve("release");
    String cmd = "echo \"run $CHANGEFLUX_KEYS\" >> " + q(log) + "; while [ ! -e " + q(release) + " ]; do sleep 0.1; done; rm -f "
        + q(release);
    try (CliProcess p = CliProcess.start("watch", "fs:" + dir, "--on-busy", "do-nothing", "--exec", "sh", "-c", cmd)) {
      p.awaitErr("watching ");
      Files.writeString(dir.resolve("a"), "1");
      await().atMost(LONG).until(() -> lines(log).contains("run a"));
      Files.writeString(dir.resolve("dropped"), "1");
      p.awaitErr("changeflux: 1 changed while sh -c");
      assertThat(p.errText()).contains("dropped (--on-busy do-nothing)");
      Files.writeString(release, "");
      await().atMost(LONG).until(() -> !Files.exists(release));
      Files.writeString(dir.resolve("c"), "1");
      await().atMost(LONG).until(() -> lines(log).size() >= 2);
      assertThat(lines(log)).containsExactly("run a", "run c");
    }
  }

  @Test
  void badProcessControlsExitTwoNamingThem() throws Exception {
    CliProcess busy = CliProcess.run("watch", "mem:x", "--on-busy", "sometimes", "--exec", "true");
    assertThat(busy.exitValue()).isEqualTo(2);
    assertThat(busy.errText()).contains("'sometimes'", "--on-busy");
    CliProcess sig = CliProcess.run("watch", "mem:x", "--stop-signal", "SIGNOPE", "--exec", "true");
    assertThat(sig.exitValue()).isEqualTo(2);
    assertThat(sig.errText()).contains("'SIGNOPE'", "--stop-signal");
    CliProcess timeout = CliProcess.run("watch", "mem:x", "--stop-timeout", "soon", "--exec", "true");
    assertThat(timeout.exitValue()).isEqualTo(2);
    assertThat(timeout.errText()).contains("'soon'", "--stop-timeout");
    CliProcess noExec = CliProcess.run("watch", "mem:x", "--restart");
    assertThat(noExec.exitValue()).isEqualTo(2);
    assertThat(noExec.errText()).contains("need --exec");
  }
}
