package io.changeflux.files;

/**
 * Receives a file's bytes from {@link FileHasher#read}, one block at a time, in order: a {@link
 * java.security.MessageDigest}'s or a checksum's {@code update} ({@code md::update}). The block is
 * reused after the call returns.
 */
@FunctionalInterface
public interface ContentSink {

  /**
   * Takes {@code length} bytes of {@code block} starting at {@code offset}.
   *
   * @param block the buffer holding the bytes; reused after the call, so copy what must be kept
   * @param offset the index of the first byte in {@code block}
   * @param length the number of bytes to take, at least 1
   */
  void update(byte[] block, int offset, int length);
}
