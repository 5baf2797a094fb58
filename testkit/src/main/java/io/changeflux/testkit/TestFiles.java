package io.changeflux.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * File changes that a watcher or poller sees as one step. {@code Files.writeString} truncates the
 * file, then writes it: a scan or a watch in between sees an empty file, and a test asserting one
 * MODIFIED gets two. {@link #replace} writes the new content to a scratch file outside the watched
 * tree and renames it over the target ({@code ATOMIC_MOVE}), as editors and {@code git checkout}
 * do.
 */
public final class TestFiles {

  private TestFiles() {}

  /**
   * Replaces {@code file}'s content in one step: written to a new file in {@code scratch}, then
   * renamed over {@code file}.
   *
   * @param file the file to replace (created when missing)
   * @param content its new content, UTF-8
   * @param scratch a directory outside the watched tree, on the same file system as {@code file}
   *     (a rename cannot cross file systems); e.g. the parent of a {@code @TempDir} root
   * @throws IOException when the scratch file cannot be written or renamed
   */
  public static void replace(Path file, String content, Path scratch) throws IOException {
    move(write(content, scratch), file);
  }

  /**
   * As {@link #replace(Path, String, Path)}, the new file carrying the modification time {@code
   * mtime} (e.g. the old one, so that only the content or the file key tells the change).
   *
   * @param file the file to replace (created when missing)
   * @param content its new content, UTF-8
   * @param scratch a directory outside the watched tree, on the same file system as {@code file}
   * @param mtime the modification time the new file has when it takes {@code file}'s place
   * @throws IOException when the scratch file cannot be written, stamped or renamed
   */
  public static void replace(Path file, String content, Path scratch, FileTime mtime) throws IOException {
    Objects.requireNonNull(mtime, "mtime");
    Path tmp = write(content, scratch);
    Files.setLastModifiedTime(tmp, mtime);
    move(tmp, file);
  }

  private static Path write(String content, Path scratch) throws IOException {
    Objects.requireNonNull(content, "content");
    Path tmp = Files.createTempFile(Objects.requireNonNull(scratch, "scratch"), "replace", ".tmp");
    Files.writeString(tmp, content);
    return tmp;
  }

  private static void move(Path tmp, Path file) throws IOException {
    Files.move(tmp, Objects.requireNonNull(file, "file"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
