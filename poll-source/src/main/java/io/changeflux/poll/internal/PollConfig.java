package io.changeflux.poll.internal;

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
 */
public record PollConfig(
    Path root,
    String source,
    Duration interval,
    boolean content,
    boolean recursive,
    boolean followLinks,
    boolean initial,
    boolean awaitRoot) {}
