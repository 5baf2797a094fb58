package io.changeflux.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Real git repositories for tests of version-control settling ({@code settle=vcs}): made with the
 * {@code git} command line through {@link Shell}, as users' trees are.
 */
public final class GitRepos {

  private GitRepos() {}

  /**
   * Makes a repository in {@code dir} with two branches and checks out {@code main}: {@code main}
   * has {@code common.txt} ("one") and {@code a/1.txt} … {@code a/12.txt}; {@code b} has {@code
   * common.txt} changed ("two"), {@code b/1.txt} … {@code b/12.txt} and no {@code a/}. Every
   * checkout of a file matching {@code filtered} runs {@code smudge} (a git smudge filter: it reads
   * the file on stdin and writes it on stdout), so a test can slow down or block a checkout while
   * git holds {@code index.lock}.
   *
   * @param dir an empty directory
   * @param smudge the smudge filter's command line, e.g. {@code "sleep 0.08; cat"}
   * @param filtered the gitattributes pattern of the files it runs for, e.g. {@code "*.txt"}
   * @throws AssertionError when a git command fails
   * @throws IOException when bash cannot be started
   * @throws InterruptedException when the thread is interrupted meanwhile
   */
  public static void twoBranches(Path dir, String smudge, String filtered) throws IOException, InterruptedException {
    Objects.requireNonNull(dir, "dir");
    StringBuilder s =
        new StringBuilder(
            "git init -q -b main && git config user.email t@example.invalid && git config user.name t"
                + " && git config filter.test.smudge " + quote(smudge)
                + " && git config filter.test.clean cat"
                + " && mkdir -p .git/info && echo " + quote(filtered + " filter=test") + " > .git/info/attributes"
                + " && echo one > common.txt && mkdir a");
    for (int i = 1; i <= 12; i++) {
      s.append(" && echo a").append(i).append(" > a/").append(i).append(".txt");
    }
    s.append(" && git add -A && git commit -q -m main && git checkout -q -b b && git rm -q -r a")
        .append(" && echo two > common.txt && mkdir b");
    for (int i = 1; i <= 12; i++) {
      s.append(" && echo b").append(i).append(" > b/").append(i).append(".txt");
    }
    s.append(" && git add -A && git commit -q -m b && git checkout -q main");
    Shell.sh(dir, s.toString());
  }

  /** {@code text} as one single-quoted shell word. */
  private static String quote(String text) {
    return "'" + text.replace("'", "'\\''") + "'";
  }
}
