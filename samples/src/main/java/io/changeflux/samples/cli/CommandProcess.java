package io.changeflux.samples.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A command run on changes, in a process group of its own (through util-linux {@code setsid},
 * which makes the command a session and group leader; the JVM cannot do that itself), so that it
 * is stopped as a group: the stop signal to every process of the group, then after the stop
 * timeout SIGKILL to the group and to any descendant that left it. Without {@code setsid} (not
 * Linux) the command runs in the CLI's group and is stopped through its descendants.
 */
final class CommandProcess {

  private static final String SETSID = findSetsid();

  private final Process process;
  private final boolean ownGroup;
  private volatile boolean stopRequested;
  private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);

  private CommandProcess(Process process, boolean ownGroup) {
    this.process = process;
    this.ownGroup = ownGroup;
  }

  /** Starts {@code command} with {@code env} added, stdin from {@code stdin} (or /dev/null), output inherited. */
  static CommandProcess start(List<String> command, Map<String, String> env, Path stdin) throws IOException {
    List<String> argv = new ArrayList<>();
    if (SETSID != null) {
      argv.add(SETSID);
    }
    argv.addAll(command);
    ProcessBuilder pb = new ProcessBuilder(argv)
        .redirectOutput(ProcessBuilder.Redirect.INHERIT)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .redirectInput(ProcessBuilder.Redirect.from(stdin != null ? stdin.toFile() : new File("/dev/null")));
    io.changeflux.samples.run.Handoff.apply(pb.environment(), env);
    return new CommandProcess(pb.start(), SETSID != null);
  }

  /** Whether {@link #stop} was called (its exit status is then the stop's doing). */
  boolean stopRequested() {
    return stopRequested;
  }

  long pid() {
    return process.pid();
  }

  /** Waits for the command's exit status. */
  int waitFor() throws InterruptedException {
    return process.waitFor();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Sends {@code signal} (TERM, INT, HUP, ... or a number) to the command's group. */
  void signal(String signal) {
    if (ownGroup) {
      kill(signal, "-" + process.pid());
    } else {
      List<String> pids = new ArrayList<>();
      pids.add(Long.toString(process.pid()));
      process.descendants().forEach(h -> pids.add(Long.toString(h.pid())));
      kill(signal, pids.toArray(String[]::new));
    }
  }

  /**
   * Stops the command: {@code signal} to its group, then, when the command or anything of its
   * group is still there after {@code timeout}, SIGKILL to the group and every descendant.
   *
   * @return whether SIGKILL was needed
   */
  boolean stop(String signal, Duration timeout) throws InterruptedException {
    stopRequested = true;
    try {
      return stopGroup(signal, timeout);
    } finally {
      stopped.countDown();
    }
  }

  /** After {@link #stop} was called: waits until it has finished (the whole group is gone or killed). */
  void awaitStopped() throws InterruptedException {
    stopped.await();
  }

  private boolean stopGroup(String signal, Duration timeout) throws InterruptedException {
    List<ProcessHandle> family = new ArrayList<>(process.descendants().collect(Collectors.toList()));
    signal(signal);
    long deadline = System.nanoTime() + timeout.toNanos();
    process.waitFor(Math.max(0, timeout.toMillis()), TimeUnit.MILLISECONDS);
    while (groupAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20); // polling the group for its last member; there is no event for it
    }
    boolean killed = process.isAlive() || groupAlive() || family.stream().anyMatch(CommandProcess::running);
    if (killed) {
      if (ownGroup) {
        kill("KILL", "-" + process.pid());
      }
      process.destroyForcibly();
      family.forEach(ProcessHandle::destroyForcibly);
      process.waitFor(5, TimeUnit.SECONDS);
    }
    return killed;
  }

  /** Whether a process runs: alive and, where /proc tells, not a zombie (an orphan's zombie may never be reaped in a container). */
  static boolean running(ProcessHandle h) {
    if (!h.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
      return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException | RuntimeException e) {
      return !Files.isDirectory(Path.of("/proc/self")) && h.isAlive();
    }
  }

  /** Whether any live (not zombie) process of the command's own group is left (always false without one). */
  boolean groupAlive() {
    if (!ownGroup) {
      return false;
    }
    Path proc = Path.of("/proc");
    if (!Files.isDirectory(proc.resolve("self"))) {
      return kill("0", "-" + process.pid());
    }
    String group = Long.toString(process.pid());
    try (var entries = Files.newDirectoryStream(proc, "[0-9]*")) {
      for (Path e : entries) {
        String stat;
        try {
          stat = Files.readString(e.resolve("stat"));
        } catch (IOException gone) {
          continue;
        }
        // pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        if (f.length > 2 && f[2].equals(group) && !f[0].equals("Z")) {
          return true;
        }
      }
    } catch (IOException e) {
      return kill("0", "-" + process.pid());
    }
    return false;
  }

  /** A signal name (TERM, SIGTERM, term) or number as kill(1) takes it, or null when it is not one. */
  static String signalName(String given) {
    String s = given.trim().toUpperCase(java.util.Locale.ROOT);
    if (s.startsWith("SIG")) {
      s = s.substring(3);
    }
    if (s.matches("[0-9]{1,2}")) {
      int n = Integer.parseInt(s);
      return n >= 1 && n <= 64 ? s : null;
    }
    return SIGNALS.contains(s) ? s : null;
  }

  private static final java.util.Set<String> SIGNALS = java.util.Set.of(
      "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM",
      "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF",
      "WINCH", "IO", "PWR", "SYS");

  /** Runs {@code kill -SIGNAL -- TARGETS...}; true when it succeeded (for signal 0: something is there). */
  private static boolean kill(String signal, String... targets) {
    List<String> cmd = new ArrayList<>(List.of("kill", "-" + signal, "--"));
    cmd.addAll(List.of(targets));
    try {
      Process k = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return k.waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static String findSetsid() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, "setsid");
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return null;
  }
}
