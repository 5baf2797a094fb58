package io.changeflux.fs.internal;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How one directory is watched.
 *
 * @param root the absolute, normalised root
 * @param source the redacted source URI
 * @param recursive watch sub-directories
 * @param initial report existing files as CREATED at start
 * @param hash let directory-watcher hash file contents to drop MODIFY events that change nothing
 * @param fallback {@code auto}, {@code poll} or {@code none}
 * @param pollInterval the fallback's poll interval
 * @param followLinks follow symbolic links to directories
 * @param awaitRoot wait for a missing or deleted root instead of failing
 * @param file the root is one file ({@code fs:FILE}), watched through its directory
 * @param stable hold CREATED/MODIFIED until size and mtime are unchanged this long; zero: off
 * @param engine {@code auto}, {@code native} (inotify read directly) or {@code portable}
 *     (directory-watcher)
 */
public record FsConfig(
    Path root,
    String source,
    boolean recursive,
    boolean initial,
    boolean hash,
    String fallback,
    Duration pollInterval,
    boolean followLinks,
    boolean awaitRoot,
    boolean file,
    Duration stable,
    String engine) {

  /** A config with {@code engine=auto}. */
  public FsConfig(
      Path root,
      String source,
      boolean recursive,
      boolean initial,
      boolean hash,
      String fallback,
      Duration pollInterval,
      boolean followLinks,
      boolean awaitRoot,
      boolean file,
      Duration stable) {
    this(root, source, recursive, initial, hash, fallback, pollInterval, followLinks, awaitRoot, file, stable, "auto");
  }
}
