package io.changeflux.files.internal;

import org.jspecify.annotations.Nullable;

/**
 * A file key kept as device and inode number: equal to another {@code PackedKey} of the same
 * numbers, and with the text of the platform's key ({@code sun.nio.fs.UnixFileKey}), which is
 * what a platform key is compared with ({@link io.changeflux.files.FileState#sameStat} compares
 * keys of different classes by their text).
 */
public final class PackedKey {
  private static final String UNIX_KEY = "sun.nio.fs.UnixFileKey";
  private final long dev;
  private final long ino;

  /**
   * The key of a device and inode.
   *
   * @param dev the device ({@code st_dev})
   * @param ino the inode number
   */
  public PackedKey(long dev, long ino) {
    this.dev = dev;
    this.ino = ino;
  }

  /**
   * Whether {@code text}, a platform key's text {@code (dev=HEX,ino=DEC)}, names this device and
   * inode.
   *
   * @param text a file key's text
   * @param dev the device
   * @param ino the inode number
   * @return whether it names them; null when the text is not of that form
   */
  public static @Nullable Boolean sameAs(String text, long dev, long ino) {
    int comma = text.indexOf(",ino=");
    if (comma < 0 || !text.startsWith("(dev=") || !text.endsWith(")")) {
      return null;
    }
    try {
      return Long.parseUnsignedLong(text, 5, comma, 16) == dev
          && Long.parseLong(text, comma + 5, text.length() - 1, 10) == ino;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * The device and inode of a file key.
   *
   * @param key a {@code PackedKey} or a platform key of the form {@code (dev=HEX,ino=DEC)}
   * @return {dev, ino}, or null when the key has neither form
   */
  public static long @Nullable [] parse(Object key) {
    if (key instanceof PackedKey) {
      PackedKey p = (PackedKey) key;
      return new long[] {p.dev, p.ino};
    }
    if (!UNIX_KEY.equals(key.getClass().getName())) {
      return null;
    }
    String s = key.toString();
    if (!s.startsWith("(dev=") || !s.endsWith(")")) {
      return null;
    }
    int comma = s.indexOf(",ino=");
    if (comma < 0) {
      return null;
    }
    try {
      long d = Long.parseUnsignedLong(s, 5, comma, 16);
      long i = Long.parseLong(s, comma + 5, s.length() - 1, 10);
      return new long[] {d, i};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof PackedKey && ((PackedKey) o).dev == dev && ((PackedKey) o).ino == ino;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(dev) * 31 + Long.hashCode(ino);
  }

  @Override
  public String toString() {
    return "(dev=" + Long.toHexString(dev) + ",ino=" + ino + ")";
  }
}
