package io.changeflux.poll;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How one directory is polled.
 *
 * @param root the absolute, normalised root
 * @param source the redacted source URI, for events and messages
 * @param interval time between scans
 * @param content compare content (SHA-256) instead of size and modification time
 * @param recursive walk sub-directories
 * @param followLinks follow symbolic links to directories
 * @param initial report existing files as CREATED at start
 * @param awaitRoot wait for a missing or deleted root instead of failing
 * @param gitignore leave out what git ignores ({@code gitignore=true}), re-reading the rules when
 *     an ignore file changes
 * @param confirmBaseline with {@code confirm=sha256}: hash the files of the first scan (in the
 *     background, once ready), so that the first event of a file that existed at start carries that content's SHA as the baseline
 *     ({@link io.changeflux.ChangeOps#BASELINE_SHA_HEADER}) and an identical rewrite is dropped
 */
public record PollConfig(
    Path root,
    String source,
    Duration interval,
    boolean content,
    boolean recursive,
    boolean followLinks,
    boolean initial,
    boolean awaitRoot,
    boolean gitignore,
    boolean confirmBaseline) {

  /**
   * How one directory is polled, every file counting ({@code gitignore=false}), without a confirm baseline.
   *
   * @param root the absolute, normalised root
   * @param source the redacted source URI, for events and messages
   * @param interval time between scans
   * @param content compare content (SHA-256) instead of size and modification time
   * @param recursive walk sub-directories
   * @param followLinks follow symbolic links to directories
   * @param initial report existing files as CREATED at start
   * @param awaitRoot wait for a missing or deleted root instead of failing
   */
  public PollConfig(
      Path root,
      String source,
      Duration interval,
      boolean content,
      boolean recursive,
      boolean followLinks,
      boolean initial,
      boolean awaitRoot) {
    this(root, source, interval, content, recursive, followLinks, initial, awaitRoot, false, false);
  }
}
