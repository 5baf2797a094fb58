package io.changeflux;

/**
 * What happened to a key.
 *
 * <p>{@link #OVERFLOW} is not a change of one key: it means "events may have been lost here;
 * re-read the state". Sources emit it when the operating system's event queue overflowed, after a
 * reconnect that may have lost fire-and-forget messages, and when coalescing reached its bound.
 * Operators never merge it away.
 */
public enum ChangeKind {
  /** The key appeared. */
  CREATED,
  /** The key's content or value changed. */
  MODIFIED,
  /** The key disappeared. */
  DELETED,
  /** Events may have been lost; a consumer should rescan. */
  OVERFLOW
}
