package io.changeflux.samples.cli;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** The CLI run as a real process (same class path as the tests), with its output collected line by line. */
public final class CliProcess implements AutoCloseable {

  /**
   * The JVM options bin/changeflux runs the CLI with (its CHANGEFLUX_JVM_DEFAULTS: the serial
   * collector, a small heap that gives memory back, the client compiler only), so that the CLI
   * tested is the CLI run; and a start costs less CPU than with the JVM's own defaults (C2 and
   * G1's threads competed with the tests on 2 cores).
   */
  static final List<String> JVM_DEFAULTS =
      List.of(
          "-XX:+UseSerialGC", "-Xms8m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-XX:NewRatio=4",
          "-XX:TieredStopAtLevel=1");

  private final Process process;
  public final List<String> out = new CopyOnWriteArrayList<>();
  public final List<String> err = new CopyOnWriteArrayList<>();

  private CliProcess(Process process) {
    this.process = process;
    pump(process.getInputStream(), out);
    pump(process.getErrorStream(), err);
  }

  /** Starts {@code changeflux ARGS...}. */
  public static CliProcess start(String... args) throws IOException {
    return start(null, args);
  }

  /** Starts {@code changeflux ARGS...} in a working directory. */
  public static CliProcess start(Path dir, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JVM_DEFAULTS);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.PIPE);
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    return new CliProcess(pb.start());
  }

  /**
   * Starts {@code changeflux ARGS...} on a pseudo-terminal (through util-linux {@code script}), as
   * a person at a terminal would: stdout and stderr both arrive in {@link #out}, and {@link #type}
   * goes to the terminal.
   */
  public static CliProcess startInTerminal(Path dir, String... args) throws IOException {
    StringBuilder cmd = new StringBuilder();
    List<String> words = new ArrayList<>();
    words.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    words.addAll(JVM_DEFAULTS);
    words.add("-cp");
    words.add(System.getProperty("java.class.path"));
    words.add(Main.class.getName());
    words.addAll(List.of(args));
    for (String w : words) {
      cmd.append('\'').append(w.replace("'", "'\\''")).append("' ");
    }
    ProcessBuilder pb = new ProcessBuilder("script", "-qfec", cmd.toString(), "/dev/null");
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    return new CliProcess(pb.start());
  }

  /** Runs {@code changeflux ARGS...} to its end and returns it. */
  public static CliProcess run(String... args) throws Exception {
    CliProcess p = start(args);
    p.waitFor(Duration.ofSeconds(60));
    return p;
  }

  /** Waits for the exit status. */
  public int waitFor(Duration atMost) throws InterruptedException {
    if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("CLI did not exit in " + atMost + "; stderr: " + err);
    }
    // let the pumps drain what is left
    await().atMost(Duration.ofSeconds(5)).until(() -> !pumping());
    return process.exitValue();
  }

  /** The exit status (after {@link #waitFor}). */
  public int exitValue() {
    return process.exitValue();
  }

  /** Waits until a line on stderr starts with {@code prefix}. */
  public void awaitErr(String prefix) {
    await().atMost(Duration.ofSeconds(60)).until(() -> err.stream().anyMatch(l -> l.startsWith(prefix)));
  }

  /** Sends a signal by name (INT, TERM). */
  public void signal(String name) throws Exception {
    new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor();
  }

  /** SIGKILL, and waits until the process is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** The process id. */
  public long pid() {
    return process.pid();
  }

  /** Whether the process still runs. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Writes to the CLI's stdin. */
  public void type(String text) throws IOException {
    process.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().flush();
  }

  /** Everything on stderr, one string. */
  public String errText() {
    return String.join("\n", err);
  }

  private final List<Thread> pumps = new CopyOnWriteArrayList<>();

  private boolean pumping() {
    return pumps.stream().anyMatch(Thread::isAlive);
  }

  private void pump(InputStream in, List<String> into) {
    pumps.add(startPump(in, into, "cli-pump"));
  }

  /** A daemon thread that adds each UTF-8 line of {@code in} to {@code into} until it ends. */
  static Thread startPump(InputStream in, List<String> into, String name) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  into.add(line);
                }
              } catch (IOException ignored) {
                // process gone
              }
            },
            name);
    t.setDaemon(true);
    t.start();
    return t;
  }


  @Override
  public void close() {
    process.destroyForcibly();
  }
}
