package io.changeflux.files;

import io.changeflux.files.internal.FileStates;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a scan knows of one file: its absolute path, size, modification time, file key (its
 * identity: device and inode on Unix, where the platform has one) and maybe SHA-256.
 */
public final class FileState {

  /** The path; null until first asked for a state made with a {@link #base} and {@link #relative} key. */
  private @Nullable Path path;
  /** With {@link #relative}: the path is {@code base.resolve(relative)}, made when first asked. */
  private final @Nullable Path base;
  private final @Nullable String relative;
  private final long size;
  private final long mtimeNanos;
  private final @Nullable String sha;
  private final @Nullable Object fileKey;

  static {
    // The scans' way to make a state whose path is resolved when first asked (not API).
    FileStates.setFactory(
        (base, relative, size, mtimeNanos, fileKey) -> new FileState(null, base, relative, size, mtimeNanos, null, fileKey));
  }

  /**
   * A state without a content hash or file key.
   *
   * @param path the file's absolute path; not null
   * @param size the size in bytes
   * @param mtimeNanos the modification time in nanoseconds since the epoch
   */
  public FileState(Path path, long size, long mtimeNanos) {
    this(path, size, mtimeNanos, null, null);
  }

  /**
   * A state with a content hash (hex SHA-256), or null, and no file key.
   *
   * @param path the file's absolute path; not null
   * @param size the size in bytes
   * @param mtimeNanos the modification time in nanoseconds since the epoch
   * @param sha the hex SHA-256 of the content, or null when not hashed
   */
  public FileState(Path path, long size, long mtimeNanos, @Nullable String sha) {
    this(path, size, mtimeNanos, sha, null);
  }

  /**
   * A state with a content hash (or null) and a file key ({@link
   * java.nio.file.attribute.BasicFileAttributes#fileKey()}, or null where the platform has none).
   *
   * @param path the file's absolute path; not null
   * @param size the size in bytes
   * @param mtimeNanos the modification time in nanoseconds since the epoch
   * @param sha the hex SHA-256 of the content, or null when not hashed
   * @param fileKey the file's identity, or null
   */
  public FileState(Path path, long size, long mtimeNanos, @Nullable String sha, @Nullable Object fileKey) {
    this(Objects.requireNonNull(path, "path"), null, null, size, mtimeNanos, sha, fileKey);
  }

  private FileState(
      @Nullable Path path,
      @Nullable Path base,
      @Nullable String relative,
      long size,
      long mtimeNanos,
      @Nullable String sha,
      @Nullable Object fileKey) {
    this.path = path;
    this.base = base;
    this.relative = relative;
    this.size = size;
    this.mtimeNanos = mtimeNanos;
    this.sha = sha;
    this.fileKey = fileKey;
  }

  /**
   * The absolute path.
   *
   * @return the path; never null
   */
  public Path path() {
    Path p = path;
    if (p == null) {
      // Made once (racing callers make equal paths; a Path is immutable, safely shared)
      p = Objects.requireNonNull(base).resolve(Objects.requireNonNull(relative));
      path = p;
    }
    return p;
  }

  /**
   * The size in bytes.
   *
   * @return the size in bytes
   */
  public long size() {
    return size;
  }

  /**
   * The modification time in nanoseconds since the epoch.
   *
   * @return the modification time, ns since the epoch
   */
  public long mtimeNanos() {
    return mtimeNanos;
  }

  /**
   * The hex SHA-256 of the content, or null when not hashed.
   *
   * @return the hash, or null
   */
  public @Nullable String sha() {
    return sha;
  }

  /**
   * The file key (identity of the file, not of its name), or null where unknown.
   *
   * @return the file key, or null
   */
  public @Nullable Object fileKey() {
    return fileKey;
  }

  /**
   * This state with a content hash.
   *
   * @param sha the hex SHA-256 of the content, or null to drop the hash
   * @return a new state; this one is unchanged
   */
  public FileState withSha(@Nullable String sha) {
    return new FileState(path, base, relative, size, mtimeNanos, sha, fileKey);
  }

  /**
   * Whether size and modification time are the same as {@code o}'s, and, where both have one, the
   * file key (by its text when one of them is text, as read back from a state file) (a file replaced by another one of the same size and time, as {@code mv tmp file}
   * or {@code cp -p} do, is not the same).
   *
   * @param o the state to compare with; null is never the same
   * @return {@code true} when the file looks unchanged without reading its content
   */
  public boolean sameStat(@Nullable FileState o) {
    return o != null
        && size == o.size
        && mtimeNanos == o.mtimeNanos
        && (fileKey == null || o.fileKey == null || sameKey(fileKey, o.fileKey));
  }

  /** File keys compare by value, or by their text where one was read back from a state file. */
  private static boolean sameKey(Object a, Object b) {
    return a.equals(b) || (a.getClass() != b.getClass() && a.toString().equals(b.toString()));
  }

  /**
   * The version token sources put in the event header {@value io.changeflux.IdempotencyKey#VERSION}:
   * {@code MTIME_NANOS-SIZE}. A later change of the file gets another one (a new modification
   * time); the same state, seen again after a restart, the same one.
   *
   * @return the version token
   */
  public String version() {
    return mtimeNanos + "-" + size;
  }

  @Override
  public String toString() {
    return path() + " (" + size + " B, mtime " + mtimeNanos + (sha == null ? "" : ", sha " + sha) + ")";
  }
}
