package io.changeflux.files;

/**
 * What {@link FileHasher#read} did with a file. Only {@link #HASHED} means the sink received the
 * whole content; for every other outcome the caller has "no hash" and must discard what the sink
 * may have received.
 */
public enum HashOutcome {
  /** The file's content, up to its size when it was opened, went through the sink. */
  HASHED,
  /** Nothing is there (never was, or deleted before or while it was read; or a dangling link). */
  GONE,
  /** A directory, FIFO, socket or device: never opened (a FIFO would block the open). */
  NOT_REGULAR,
  /** A symbolic link (at the file or a directory on the way) and links are not followed. */
  LINK,
  /** The path, or the target of a followed link, lies outside the hasher's root. */
  OUTSIDE_ROOT,
  /** Replaced by another file, a link or a non-regular file between the check and the open. */
  REPLACED,
  /** It exists but could not be read (permission denied, I/O error, interrupted). */
  UNREADABLE;

  /**
   * True for {@link #HASHED}.
   *
   * @return {@code true} only when the whole content was read
   */
  public boolean hashed() {
    return this == HASHED;
  }
}
