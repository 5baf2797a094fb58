package io.changeflux.poll.internal;

import java.nio.file.Path;
import java.util.Objects;

/** What a scan knows of one file: its absolute path, size, modification time and maybe SHA-256. */
public final class FileState {

  private final Path path;
  private final long size;
  private final long mtimeNanos;
  private final String sha;

  /** A state without a content hash. */
  public FileState(Path path, long size, long mtimeNanos) {
    this(path, size, mtimeNanos, null);
  }

  /** A state with a content hash (hex SHA-256), or null. */
  public FileState(Path path, long size, long mtimeNanos, String sha) {
    this.path = Objects.requireNonNull(path, "path");
    this.size = size;
    this.mtimeNanos = mtimeNanos;
    this.sha = sha;
  }

  /** The absolute path. */
  public Path path() {
    return path;
  }

  /** The size in bytes. */
  public long size() {
    return size;
  }

  /** The modification time in nanoseconds since the epoch. */
  public long mtimeNanos() {
    return mtimeNanos;
  }

  /** The hex SHA-256 of the content, or null when not hashed. */
  public String sha() {
    return sha;
  }

  /** This state with a content hash. */
  public FileState withSha(String sha) {
    return new FileState(path, size, mtimeNanos, sha);
  }

  /** Whether size and modification time are the same as {@code o}'s. */
  public boolean sameStat(FileState o) {
    return o != null && size == o.size && mtimeNanos == o.mtimeNanos;
  }

  @Override
  public String toString() {
    return path + " (" + size + " B, mtime " + mtimeNanos + (sha == null ? "" : ", sha " + sha) + ")";
  }
}
