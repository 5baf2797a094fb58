package io.changeflux.poll.internal;

import java.io.IOException;
import java.nio.file.Path;

/** File fixtures that Java's file API cannot make. */
public final class FsFixtures {

  private FsFixtures() {}

  /** Runs a bash command in {@code dir}; fails on a non-zero exit (testkit's {@code Shell}). */
  public static void shell(Path dir, String command) throws IOException, InterruptedException {
    io.changeflux.testkit.Shell.sh(dir, command);
  }

  /**
   * Makes nested directories under {@code base} (relative {@code mkdir}/{@code cd}, which works
   * past PATH_MAX) until the absolute path is longer than 4096 bytes, with a file at the bottom;
   * returns the deepest directory.
   */
  public static Path makePathLongerThanPathMax(Path base) throws IOException, InterruptedException {
    java.nio.file.Files.createDirectories(base);
    String name = "d".repeat(200);
    int levels = 4200 / 201 + 1;
    shell(base, "for i in $(seq " + levels + "); do mkdir " + name + " && cd " + name + " || exit 1; done; echo hidden > deep.txt");
    Path p = base;
    for (int i = 0; i < levels; i++) {
      p = p.resolve(name);
    }
    return p;
  }
}
