package io.changeflux.samples.cli;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code bin/changeflux} of a throwaway copy of this checkout, run in its own process group
 * (util-linux {@code setsid}) so a test can kill it the way a closed terminal would: the whole group.
 */
final class Launcher implements AutoCloseable {

  final Process process;
  final List<String> out = new CopyOnWriteArrayList<>();
  final List<String> err = new CopyOnWriteArrayList<>();
  private final List<Thread> pumps = new ArrayList<>();

  private Launcher(Process process) {
    this.process = process;
    pump(process.getInputStream(), out);
    pump(process.getErrorStream(), err);
  }

  /** The checkout's root: the samples module's parent. */
  static Path projectRoot() {
    return Path.of("").toAbsolutePath().getParent();
  }

  /** Copies the checkout's files (tracked and untracked, not ignored: no target/, no .changeflux/) into {@code into}. */
  static Path cloneCheckout(Path into) throws Exception {
    Path root = projectRoot();
    Process ls = new ProcessBuilder("git", "-C", root.toString(), "ls-files", "-z", "-co", "--exclude-standard")
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    String names = new String(ls.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (ls.waitFor() != 0) {
      throw new IllegalStateException("git ls-files failed in " + root);
    }
    for (String name : names.split("\0")) {
      if (name.isEmpty()) {
        continue;
      }
      Path from = root.resolve(name);
      if (!Files.isRegularFile(from)) {
        continue;
      }
      Path to = into.resolve(name);
      Files.createDirectories(to.getParent());
      Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
    }
    return into;
  }

  /** Starts {@code clone/bin/changeflux ARGS...} in a new session and process group. */
  static Launcher start(Path clone, Map<String, String> env, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("setsid", clone.resolve("bin/changeflux").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(clone.toFile());
    pb.environment().putAll(env);
    pb.redirectInput(ProcessBuilder.Redirect.PIPE);
    return new Launcher(pb.start());
  }

  static Launcher start(Path clone, String... args) throws IOException {
    return start(clone, Map.of(), args);
  }

  /** Waits until a line on stderr contains {@code text}. */
  void awaitErr(String text, Duration atMost) {
    await().atMost(atMost).pollInterval(Duration.ofMillis(50))
        .until(() -> err.stream().anyMatch(l -> l.contains(text)) || !process.isAlive());
    if (err.stream().noneMatch(l -> l.contains(text))) {
      throw new AssertionError("no '" + text + "' on stderr; exit " + process.exitValue() + "; stderr: " + err);
    }
  }

  /** Waits for the exit status (and the rest of the output). */
  int waitFor(Duration atMost) throws InterruptedException, IOException {
    if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
      killGroup("KILL");
      throw new AssertionError("bin/changeflux did not exit in " + atMost + "; stderr: " + err);
    }
    for (Thread t : pumps) {
      t.join(5000);
    }
    return process.exitValue();
  }

  /** Sends {@code signal} to the launcher's whole process group (the launcher, Maven, the JVM it starts). */
  void killGroup(String signal) throws InterruptedException, IOException {
    new ProcessBuilder("kill", "-" + signal, "--", "-" + process.pid()).start().waitFor();
  }

  /** Whether any process of the group is still alive. */
  boolean groupAlive() throws IOException, InterruptedException {
    return groupMembers(process.pid()) > 0;
  }

  /** How many processes are in process group {@code pgid} ({@code ps} from procps). */
  static int groupMembers(long pgid) throws IOException, InterruptedException {
    Process ps = new ProcessBuilder("ps", "-e", "-o", "pgid=").redirectErrorStream(true).start();
    String text = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    ps.waitFor();
    int n = 0;
    for (String line : text.split("\n")) {
      if (line.trim().equals(Long.toString(pgid))) {
        n++;
      }
    }
    return n;
  }

  String errText() {
    return String.join("\n", err);
  }

  private void pump(InputStream in, List<String> into) {
    pumps.add(CliProcess.startPump(in, into, "launcher-pump"));
  }


  @Override
  public void close() throws Exception {
    if (groupAlive()) {
      killGroup("KILL");
    }
  }
}
