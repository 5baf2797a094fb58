package io.changeflux.fs.internal;

import org.jspecify.annotations.Nullable;

import io.changeflux.files.FileState;
import io.changeflux.files.TreeScanner;
import java.nio.file.Path;

/**
 * What {@link FsWatch} and {@link FileWatch} need from a native watching engine: {@link
 * NativeWatch} (directory-watcher, the portable engine) or {@link InotifyWatch} (inotify read
 * directly, Linux). Raw events are taken by one thread (the watch's), which also starts and closes
 * the engine; the portable engine's own thread produces them, the native engine reads them on the
 * taking thread itself. {@link #close()} and {@link #cancel()} may come from any thread.
 */
interface WatchEngine {

  /** {@code engine=} value of this engine: {@code native} or {@code portable}. */
  String name();

  /**
   * Starts (or restarts) watching; every directory is registered when this returns. Returns null
   * on success, or why it failed (one line).
   */
  @Nullable String start();

  /**
   * What the last {@link #start()}'s registration walk listed (each directory listed after its
   * watch was registered), once; null where there was none.
   */
  NativeWatch.@Nullable Snapshot takeRegistration();

  /** The next raw event, waiting at most {@code millis}; null when none came. */
  NativeWatch.@Nullable Raw poll(long millis) throws InterruptedException;

  /** Whether events were lost since the last call (clears the flag). */
  boolean takeOverflow();

  /** Marks events as lost (an event the watch cannot interpret). */
  void lost();

  /** Drops every queued event (a rescan covers them); returns how many. */
  int dropQueued();

  /** Why native watching cannot go on (the watch limit was reached), once; null when it can. */
  @Nullable Throwable takeBroken();

  /** Marks native watching as broken for the reason given. */
  void broken(String why);

  /** Whether the watcher stopped on its own since the last call (clears the flag). */
  boolean takeEnded();

  /** Whether this engine reports the close of a file opened for writing ({@code IN_CLOSE_WRITE}). */
  default boolean reportsCloseWrite() {
    return false;
  }

  /**
   * The state of the entry a raw event names, as {@link TreeScanner#stat(Path, boolean[])} reads
   * it (on the taking thread): by default that; an engine may read it its own, cheaper way.
   */
  default @Nullable FileState stat(TreeScanner scanner, Path file, boolean[] link) {
    return scanner.stat(file, link);
  }

  /** Closes the current watcher (its late events are ignored). */
  void close();

  /** Closes for good. */
  void cancel();
}
