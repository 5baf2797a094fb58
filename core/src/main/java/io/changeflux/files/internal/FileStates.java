package io.changeflux.files.internal;

import io.changeflux.files.FileState;
import java.lang.invoke.MethodHandles;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Makes {@link FileState}s whose path is resolved only when first asked ({@code
 * base.resolve(relative)}): a scan of a large tree builds no {@code Path} per file when nobody
 * asks (a poll with nothing changed). Such a state is the same as one made with the resolved path:
 * the same {@code path()}, {@code toString()}, {@code sameStat}. Not API: {@link FileState} has no
 * public way to make one, it registers its factory here when initialised.
 */
public final class FileStates {

  /** What {@link FileState} registers. */
  @FunctionalInterface
  public interface Factory {
    /**
     * A state of {@code base.resolve(relative)}.
     *
     * @param base the directory the path is resolved against
     * @param relative the path relative to it
     * @param size the size in bytes
     * @param mtimeNanos the modification time, ns since the epoch
     * @param fileKey the file key, or null
     * @return the state, with no SHA
     */
    FileState make(Path base, String relative, long size, long mtimeNanos, @Nullable Object fileKey);
  }

  private static volatile @Nullable Factory factory;

  private FileStates() {}

  /**
   * Called by {@link FileState}'s initialiser, once.
   *
   * @param f the factory
   */
  public static void setFactory(Factory f) {
    if (factory != null) {
      throw new IllegalStateException("set already");
    }
    factory = f;
  }

  /**
   * A state of {@code base.resolve(relative)} whose path is made when first asked.
   *
   * @param base the directory the path is resolved against (absolute)
   * @param relative a path relative to it that resolves to exactly the entry's path (a key of
   *     names that encode back to their bytes: no {@code .} or {@code ..}, no empty name)
   * @param size the size in bytes
   * @param mtimeNanos the modification time, ns since the epoch
   * @param fileKey the file key, or null
   * @return the state
   */
  public static FileState lazy(Path base, String relative, long size, long mtimeNanos, @Nullable Object fileKey) {
    Factory f = factory;
    if (f == null) {
      try {
        MethodHandles.lookup().ensureInitialized(FileState.class);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
      f = java.util.Objects.requireNonNull(factory, "FileState's factory");
    }
    return f.make(base, relative, size, mtimeNanos, fileKey);
  }
}
