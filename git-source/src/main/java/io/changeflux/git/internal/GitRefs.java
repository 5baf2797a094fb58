package io.changeflux.git.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Finds a repository's git directories and resolves a branch to its commit id by reading the
 * files git itself reads: the loose ref {@code <common-dir>/refs/heads/BRANCH}, then {@code
 * <common-dir>/packed-refs}. No {@code git} process, so resolving costs two small reads.
 */
public final class GitRefs {

  private final Path gitDir;
  private final Path commonDir;

  private GitRefs(Path gitDir, Path commonDir) {
    this.gitDir = gitDir;
    this.commonDir = commonDir;
  }

  /**
   * The git directories of a work tree (with {@code .git} as a folder, or a file pointing to a
   * linked worktree's folder) or of a bare repository.
   *
   * @throws IllegalArgumentException when {@code repo} is not a git repository
   */
  public static GitRefs of(Path repo) throws IOException {
    Path r = repo.toAbsolutePath().normalize();
    if (!Files.isDirectory(r)) {
      throw new IllegalArgumentException("no such directory: " + r);
    }
    Path dotGit = r.resolve(".git");
    Path gitDir;
    if (Files.isDirectory(dotGit)) {
      gitDir = dotGit;
    } else if (Files.isRegularFile(dotGit)) {
      String line = Files.readString(dotGit, StandardCharsets.UTF_8).trim();
      if (!line.startsWith("gitdir:")) {
        throw new IllegalArgumentException(dotGit + " does not say 'gitdir: ...'");
      }
      gitDir = r.resolve(line.substring("gitdir:".length()).trim()).normalize();
    } else if (Files.isRegularFile(r.resolve("HEAD")) && Files.isDirectory(r.resolve("refs"))) {
      gitDir = r; // bare
    } else {
      throw new IllegalArgumentException("not a git repository: " + r);
    }
    Path common = gitDir;
    Path commondirFile = gitDir.resolve("commondir");
    if (Files.isRegularFile(commondirFile)) {
      common = gitDir.resolve(Files.readString(commondirFile, StandardCharsets.UTF_8).trim()).normalize();
    }
    return new GitRefs(gitDir, common);
  }

  /** The repository's (or linked worktree's) own git directory, where its HEAD is. */
  public Path gitDir() {
    return gitDir;
  }

  /** The directory shared by all worktrees, where {@code refs/heads} and {@code packed-refs} are. */
  public Path commonDir() {
    return commonDir;
  }

  /** The branch HEAD points at, if HEAD is a symbolic ref to a branch. */
  public Optional<String> currentBranch() throws IOException {
    String head = Files.readString(gitDir.resolve("HEAD"), StandardCharsets.UTF_8).trim();
    String prefix = "ref: refs/heads/";
    return head.startsWith(prefix) ? Optional.of(head.substring(prefix.length())) : Optional.empty();
  }

  /** The commit id of a branch, or empty when the branch does not exist (yet). */
  public Optional<String> resolve(String branch) throws IOException {
    return resolveRef("refs/heads/" + branch, 0);
  }

  private Optional<String> resolveRef(String ref, int depth) throws IOException {
    if (depth > 5) {
      return Optional.empty();
    }
    try {
      String content = Files.readString(commonDir.resolve(ref), StandardCharsets.UTF_8).trim();
      if (content.startsWith("ref: ")) {
        return resolveRef(content.substring(5).trim(), depth + 1);
      }
      if (isObjectId(content)) {
        return Optional.of(content);
      }
    } catch (NoSuchFileException | java.nio.file.AccessDeniedException e) {
      // not loose: look in packed-refs
    } catch (IOException e) {
      if (!Files.isDirectory(commonDir.resolve(ref))) {
        throw e;
      }
    }
    List<String> packed;
    try {
      packed = Files.readAllLines(commonDir.resolve("packed-refs"), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    for (String line : packed) {
      if (line.startsWith("#") || line.startsWith("^")) {
        continue;
      }
      int space = line.indexOf(' ');
      if (space > 0 && line.substring(space + 1).trim().equals(ref)) {
        String id = line.substring(0, space);
        return isObjectId(id) ? Optional.of(id) : Optional.empty();
      }
    }
    return Optional.empty();
  }

  private static boolean isObjectId(String s) {
    if (s.length() != 40 && s.length() != 64) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (Character.digit(s.charAt(i), 16) < 0) {
        return false;
      }
    }
    return true;
  }
}
