package io.changeflux.fs.internal;

import io.methvin.watcher.hashing.FileHash;
import io.methvin.watcher.hashing.FileHasher;
import io.methvin.watcher.hashing.Murmur3F;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * directory-watcher's Murmur3 hash, fed 64 KB at a time. The library's default hasher calls
 * {@code read()} once per byte (through a {@code BufferedInputStream}) and updates the hash one
 * byte at a time; this one reads blocks and updates the hash a block at a time.
 */
public final class FastHasher implements FileHasher {

  /** The shared instance (stateless apart from a per-thread buffer). */
  public static final FastHasher INSTANCE = new FastHasher();

  private static final ThreadLocal<byte[]> BUFFERS = ThreadLocal.withInitial(() -> new byte[64 * 1024]);

  private FastHasher() {}

  @Override
  public FileHash hash(Path path) throws IOException {
    if (!Files.isRegularFile(path)) {
      // A FIFO would block the watcher thread on open(); devices and sockets have no content.
      return FileHash.fromLong(0);
    }
    Murmur3F murmur = new Murmur3F();
    byte[] buf = BUFFERS.get();
    try (InputStream in = Files.newInputStream(path)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        murmur.update(buf, 0, n);
      }
    }
    return FileHash.fromBytes(murmur.getValueBytesBigEndian());
  }
}
