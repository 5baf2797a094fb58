package io.changeflux.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Where a repository's git directories are: the one place that reads a {@code .git} file. */
final class GitDirs {

  private static final Logger log = LoggerFactory.getLogger(GitDirs.class);

  private GitDirs() {}

  /**
   * A linked worktree's or submodule's {@code .git} file ({@code gitdir: PATH}, relative to the
   * file's directory or absolute), resolved to that git directory; null when it names none or
   * cannot be read.
   */
  static @Nullable Path gitFile(Path dotGit) {
    try {
      for (String line : Files.readAllLines(dotGit, StandardCharsets.UTF_8)) {
        if (line.startsWith("gitdir:")) {
          Path parent = dotGit.toAbsolutePath().getParent();
          if (parent == null) {
            return null;
          }
          Path d = parent.resolve(line.substring(7).trim()).normalize();
          return Files.isDirectory(d) ? d : null;
        }
      }
    } catch (IOException | RuntimeException e) {
      log.debug("cannot read {}: {}", dotGit, e.toString());
    }
    return null;
  }

  /**
   * The git directory a {@code .git} entry stands for: itself when a directory, else the one its
   * {@code .git} file names (null when neither).
   */
  static @Nullable Path gitDir(Path dotGit) {
    if (Files.isDirectory(dotGit)) {
      return dotGit;
    }
    return Files.isRegularFile(dotGit) ? gitFile(dotGit) : null;
  }

  /**
   * {@code $GIT_COMMON_DIR} of the git directory {@code gitDir}: for a linked worktree's ({@code
   * .git/worktrees/NAME}, which has a {@code commondir} file) the main repository's git directory;
   * else {@code gitDir} itself.
   */
  static Path commonDir(Path gitDir) {
    Path common = gitDir.resolve("commondir");
    if (Files.isRegularFile(common)) {
      try {
        return gitDir.resolve(Files.readString(common, StandardCharsets.UTF_8).trim()).normalize();
      } catch (IOException | RuntimeException e) {
        log.debug("cannot read {}: {}", common, e.toString());
      }
    }
    return gitDir;
  }
}
