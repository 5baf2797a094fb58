package io.changeflux.internal;

import io.changeflux.state.StateEntry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SortedMap;
import java.util.zip.CRC32;
import org.jspecify.annotations.Nullable;

/**
 * The state file's bytes. Layout (all integers unsigned LEB128 varints unless said otherwise):
 *
 * <pre>
 *   "CFXSTATE"                      8 bytes, the magic
 *   version                         varint (this code writes and reads {@link #VERSION})
 *   kind, root                      strings: the scheme and the root identity the file belongs to
 *   count                           varint
 *   count × entry, in key order:    shared prefix length with the previous key, suffix (string),
 *                                   size, mtime (zig-zag varint), id (string, 0 = none), sha (idem)
 *   pending count, pending keys     keys handed downstream but not acknowledged (prefix-shared)
 *   CRC-32 of everything before     8 bytes, big-endian
 * </pre>
 *
 * A string is its UTF-8 length + 1 (0 meaning null) then its bytes. Keys share their prefix with the
 * previous key, so a deep tree costs little more than a flat one. Since the keys come sorted, the
 * decoder lays the entries out as they come ({@link StateEntries}: one pass, one comparison per key
 * to check the order, no map insertion); a file out of order is sorted rather than refused.
 */
public final class StateCodec {

  /** The format version written and accepted. */
  public static final int VERSION = 1;

  private static final byte[] MAGIC = "CFXSTATE".getBytes(StandardCharsets.US_ASCII);

  private StateCodec() {}

  /** Why a file was not loaded, in words fit for "state file X …". */
  public static final class Rejected extends Exception {
    private static final long serialVersionUID = 1L;

    public Rejected(String why) {
      super(why, null, false, false);
    }
  }

  /**
   * A decoded state file.
   *
   * @param entries the acknowledged entries, by key
   * @param pending the keys that were handed downstream and not acknowledged yet
   */
  public record Decoded(StateEntries entries, java.util.SortedSet<String> pending) {}

  /** The bytes of a state file of {@code kind} and {@code root} holding {@code entries}. */
  public static byte[] encode(String kind, String root, SortedMap<String, StateEntry> entries) {
    return encode(kind, root, entries, java.util.Collections.emptySortedSet());
  }

  /** The bytes of a state file holding {@code entries} and the {@code pending} keys. */
  public static byte[] encode(
      String kind, String root, SortedMap<String, StateEntry> entries, java.util.SortedSet<String> pending) {
    Out out = new Out(64 + entries.size() * 48);
    out.bytes(MAGIC);
    out.varint(VERSION);
    out.string(kind);
    out.string(root);
    out.varint(entries.size());
    StateEntries all = StateEntries.copyOf(entries); // linear for a sorted map
    byte[] prev = new byte[0];
    for (int i = 0; i < all.size(); i++) {
      byte[] k = all.keyAt(i).getBytes(StandardCharsets.UTF_8);
      int shared = 0;
      int max = Math.min(prev.length, k.length);
      while (shared < max && prev[shared] == k[shared]) {
        shared++;
      }
      out.varint(shared);
      out.varint(k.length - shared);
      out.raw(k, shared, k.length - shared);
      long mtime = all.mtimeAt(i);
      out.varint(all.sizeAt(i));
      out.varint((mtime << 1) ^ (mtime >> 63));
      out.string(all.idAt(i));
      out.string(all.shaAt(i));
      prev = k;
    }
    out.varint(pending.size());
    prev = new byte[0];
    for (String p : pending) {
      byte[] k = p.getBytes(StandardCharsets.UTF_8);
      int shared = 0;
      int max = Math.min(prev.length, k.length);
      while (shared < max && prev[shared] == k[shared]) {
        shared++;
      }
      out.varint(shared);
      out.varint(k.length - shared);
      out.raw(k, shared, k.length - shared);
      prev = k;
    }
    CRC32 crc = new CRC32();
    crc.update(out.buf, 0, out.len);
    out.bytes(ByteBuffer.allocate(8).putLong(crc.getValue()).array());
    return out.toArray();
  }

  /**
   * The entries of a state file's bytes.
   *
   * @throws Rejected when the bytes are not a state file, of another version, damaged, or of
   *     another kind or root
   */
  public static SortedMap<String, StateEntry> decode(byte[] b, String kind, String root) throws Rejected {
    return decodeAll(b, kind, root).entries();
  }

  /**
   * The entries and pending keys of a state file's bytes.
   *
   * @throws Rejected as {@link #decode}
   */
  public static Decoded decodeAll(byte[] b, String kind, String root) throws Rejected {
    if (b.length < MAGIC.length || !java.util.Arrays.equals(b, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new Rejected(b.length == 0 ? "is empty" : "is not a changeflux state file");
    }
    In in = new In(b, MAGIC.length, b.length);
    long version;
    try {
      version = in.varint();
    } catch (RuntimeException e) {
      throw new Rejected("is truncated or damaged");
    }
    if (version != VERSION) {
      throw new Rejected("has format version " + version + "; this version reads " + VERSION);
    }
    if (b.length < MAGIC.length + 9) {
      throw new Rejected("is truncated or damaged");
    }
    CRC32 crc = new CRC32();
    crc.update(b, 0, b.length - 8);
    if (crc.getValue() != ByteBuffer.wrap(b, b.length - 8, 8).getLong()) {
      throw new Rejected("is truncated or damaged (checksum mismatch)");
    }
    in.end = b.length - 8;
    try {
      String k = in.string();
      String r = in.string();
      if (!kind.equals(k) || !root.equals(r)) {
        throw new Rejected("was written for another source (" + k + " " + r + ")");
      }
      long count = in.varint();
      // each entry takes at least 6 bytes (six varints): a count beyond that is not this file's
      if (count > (in.end - in.pos) / 6) {
        throw new Rejected("is damaged (entry count " + count + " beyond its size)");
      }
      // One linear pass: the keys come sorted (as written), so the entries are laid out as they
      // come, the order checked against the previous key only (a file out of order is sorted).
      StateEntries.Builder entries = new StateEntries.Builder((int) count);
      byte[] key = new byte[64];
      int keyLen = 0;
      for (long i = 0; i < count; i++) {
        int shared = (int) in.varint();
        long rest = in.varint();
        if (shared < 0 || shared > keyLen || rest < 0 || rest > in.end - in.pos) {
          throw new Rejected("is damaged (bad key at entry " + i + ")");
        }
        int len = shared + (int) rest;
        if (len > key.length) {
          key = java.util.Arrays.copyOf(key, Math.max(len, key.length * 2));
        }
        in.raw(key, shared, (int) rest); // the previous key's first `shared` bytes are in place
        keyLen = len;
        long size = in.varint();
        long z = in.varint();
        long mtime = (z >>> 1) ^ -(z & 1);
        String id = in.string();
        String sha = in.string();
        entries.add(new String(key, 0, len, StandardCharsets.UTF_8), size, mtime, id, sha);
      }
      long pendingCount = in.varint();
      java.util.TreeSet<String> pending = new java.util.TreeSet<>();
      byte[] prev = new byte[0];
      for (long i = 0; i < pendingCount; i++) {
        int shared = (int) in.varint();
        int rest = (int) in.varint();
        if (shared < 0 || shared > prev.length || rest < 0 || rest > in.end - in.pos) {
          throw new Rejected("is damaged (bad pending key " + i + ")");
        }
        byte[] p = new byte[shared + rest];
        System.arraycopy(prev, 0, p, 0, shared);
        in.raw(p, shared, rest);
        pending.add(new String(p, StandardCharsets.UTF_8));
        prev = p;
      }
      if (in.pos != in.end) {
        throw new Rejected("is damaged (trailing bytes)");
      }
      return new Decoded(entries.build(), pending);
    } catch (RuntimeException e) {
      throw new Rejected("is damaged (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static final class Out {
    byte[] buf;
    int len;

    Out(int size) {
      buf = new byte[size];
    }

    void ensure(int n) {
      if (len + n > buf.length) {
        buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
      }
    }

    void raw(byte[] b, int off, int n) {
      ensure(n);
      System.arraycopy(b, off, buf, len, n);
      len += n;
    }

    void bytes(byte[] b) {
      raw(b, 0, b.length);
    }

    void varint(long v) {
      ensure(10);
      while ((v & ~0x7FL) != 0) {
        buf[len++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[len++] = (byte) v;
    }

    void string(@Nullable String s) {
      if (s == null) {
        varint(0);
        return;
      }
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      varint(b.length + 1L);
      bytes(b);
    }

    byte[] toArray() {
      return java.util.Arrays.copyOf(buf, len);
    }
  }

  private static final class In {
    final byte[] b;
    int pos;
    int end;

    In(byte[] b, int pos, int end) {
      this.b = b;
      this.pos = pos;
      this.end = end;
    }

    long varint() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= end) {
          throw new IndexOutOfBoundsException("end of data");
        }
        byte x = b[pos++];
        v |= (long) (x & 0x7F) << shift;
        if ((x & 0x80) == 0) {
          return v;
        }
      }
      throw new IllegalStateException("varint too long");
    }

    void raw(byte[] dst, int off, int n) {
      if (n > end - pos) {
        throw new IndexOutOfBoundsException("end of data");
      }
      System.arraycopy(b, pos, dst, off, n);
      pos += n;
    }

    @Nullable String string() {
      long n = varint();
      if (n == 0) {
        return null;
      }
      if (n - 1 > end - pos) {
        throw new IndexOutOfBoundsException("end of data");
      }
      String s = new String(b, pos, (int) (n - 1), StandardCharsets.UTF_8);
      pos += (int) (n - 1);
      return s;
    }
  }
}
