package io.changeflux.state;

import org.jspecify.annotations.Nullable;

import io.changeflux.files.FileState;
import java.nio.file.Path;

/**
 * What a state file records of one key: for a file, its size, modification time, file key (as
 * text) and maybe content hash; for a git branch, the commit id in {@code id}.
 *
 * @param size the size in bytes (0 where it does not apply)
 * @param mtimeNanos the modification time in nanoseconds since the epoch (0 where it does not apply)
 * @param id the file key as text ({@code (dev=…,ino=…)} on Unix), a commit id, or null
 * @param sha the hex SHA-256 of the content, or null when not hashed
 */
public record StateEntry(long size, long mtimeNanos, @Nullable String id, @Nullable String sha) {

  /**
   * An entry that holds only an id (a branch's commit).
   *
   * @param id the id to keep, such as a commit id; null for none
   * @return the entry, with size and modification time 0 and no SHA
   */
  public static StateEntry ofId(@Nullable String id) {
    return new StateEntry(0, 0, id, null);
  }

  /**
   * The entry of a scanned file (its file key as text).
   *
   * @param f the scanned state; not null
   * @return the entry, with the file key's text as its id
   */
  public static StateEntry of(FileState f) {
    Object k = f.fileKey();
    return new StateEntry(f.size(), f.mtimeNanos(), k == null ? null : k.toString(), f.sha());
  }

  /**
   * The file state this entry describes at {@code path}: its file key is the text stored, which
   * {@link FileState#sameStat} compares with a scanned key by its text.
   *
   * @param path the absolute path of the file
   * @return the state, with the stored id as its file key
   */
  public FileState toFileState(Path path) {
    return new FileState(path, size, mtimeNanos, sha, id);
  }
}
