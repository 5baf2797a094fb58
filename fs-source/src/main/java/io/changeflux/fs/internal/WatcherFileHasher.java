package io.changeflux.fs.internal;

import io.changeflux.files.HashOutcome;
import io.methvin.watcher.hashing.FileHash;
import io.methvin.watcher.hashing.FileHasher;
import io.methvin.watcher.hashing.Murmur3F;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * directory-watcher's {@link FileHasher} for {@code hash=true}: its Murmur3 hash, fed by core's
 * {@link io.changeflux.files.FileHasher} (64 KB blocks; FIFOs, sockets, devices and links out of
 * the root never opened). A file that is not hashed by rule gets one constant hash (its MODIFY
 * events then change nothing, as before); one that vanished or cannot be read right now throws,
 * which directory-watcher treats as "no hash".
 */
public final class WatcherFileHasher implements FileHasher {

  /** The hash of everything the rules refuse to read. */
  static final FileHash NOT_READ = FileHash.fromLong(0);

  private final io.changeflux.files.FileHasher files;

  /** For the files below {@code root}; links followed (inside it) only with {@code followLinks}. */
  public WatcherFileHasher(Path root, boolean followLinks) {
    this.files = io.changeflux.files.FileHasher.within(root, followLinks);
  }

  @Override
  public FileHash hash(Path path) throws IOException {
    Murmur3F murmur = new Murmur3F();
    HashOutcome o = files.read(path, murmur::update);
    switch (o) {
      case HASHED:
        return FileHash.fromBytes(murmur.getValueBytesBigEndian());
      case GONE:
        throw new NoSuchFileException(path.toString());
      case NOT_REGULAR:
      case LINK:
      case OUTSIDE_ROOT:
        return NOT_READ;
      default:
        throw new IOException("cannot hash " + path + " now: " + o);
    }
  }
}
