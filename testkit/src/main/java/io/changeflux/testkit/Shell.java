package io.changeflux.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs a real shell command in a test, the way a user would change a tree: {@code git}, {@code
 * sed -i}, {@code mv}, {@code mkfifo}, an editor. The command runs with {@code bash -c} in a given
 * directory, its standard input is {@code /dev/null} (nothing can wait for a terminal), its
 * standard error goes with its standard output, and it must end with status 0 within {@value
 * #TIMEOUT_SECONDS} seconds, or the test fails with an {@link AssertionError} naming the command
 * and what it printed.
 */
public final class Shell {

  /** How long a command may run before the test fails (and the command is killed). */
  public static final int TIMEOUT_SECONDS = 60;

  private Shell() {}

  /**
   * Runs {@code script} with {@code bash -c} in {@code dir}; it must succeed.
   *
   * @param dir the working directory of the command
   * @param script the bash command line, e.g. {@code "git init -q && echo x > a"}
   * @return what the command printed (standard output and error, UTF-8)
   * @throws AssertionError when the command fails, or does not end within {@value
   *     #TIMEOUT_SECONDS} seconds
   * @throws IOException when bash cannot be started
   * @throws InterruptedException when the thread is interrupted while the command runs
   */
  public static String sh(Path dir, String script) throws IOException, InterruptedException {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(script, "script");
    Process p =
        new ProcessBuilder("bash", "-c", script)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    // Read on another thread: a command that never ends (and keeps its output open) must not hang
    // the test past the timeout.
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
    if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError("`" + script + "` did not end within " + TIMEOUT_SECONDS + " s");
    }
    String printed;
    try {
      printed = out.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      printed = "(output unreadable: " + e + ")";
    }
    if (p.exitValue() != 0) {
      throw new AssertionError("`" + script + "` failed with status " + p.exitValue() + ": " + printed.strip());
    }
    return printed;
  }

  private static String drain(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
