package io.changeflux.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.internal.StateCodec;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

/** The state file's bytes: any keys round-trip; any damage is a rejection, never another exception. */
class StateCodecProperties {

  @Property(tries = 200)
  void anyKeysRoundTrip(@ForAll @Size(max = 40) Map<String, Long> files, @ForAll @Size(max = 10) java.util.Set<String> pending) throws Exception {
    TreeMap<String, StateEntry> entries = new TreeMap<>();
    files.forEach((k, v) -> entries.put(k, new StateEntry(Math.abs(v % 1_000_000), v, k.isEmpty() ? null : "(ino=" + v + ")", null)));
    byte[] b = StateCodec.encode("files", "/root/ü ? @ # % :", entries, new TreeSet<>(pending));
    StateCodec.Decoded d = StateCodec.decodeAll(b, "files", "/root/ü ? @ # % :");
    assertThat(d.entries()).isEqualTo(entries);
    assertThat(d.pending()).containsExactlyInAnyOrderElementsOf(pending);
  }

  @Property(tries = 500)
  void damageIsRejectedNeverThrown(@ForAll @Size(max = 20) Map<String, Long> files, @ForAll int position, @ForAll byte value, @ForAll boolean cut) {
    TreeMap<String, StateEntry> entries = new TreeMap<>();
    files.forEach((k, v) -> entries.put(k, new StateEntry(1, v, null, null)));
    byte[] b = StateCodec.encode("files", "/r", entries);
    int at = Math.floorMod(position, b.length);
    byte[] damaged = cut ? java.util.Arrays.copyOf(b, at) : b.clone();
    if (!cut) {
      damaged[at] = value;
    }
    try {
      StateCodec.decodeAll(damaged, "files", "/r");
      assertThat(damaged).as("only an unchanged file loads").isEqualTo(b);
    } catch (StateCodec.Rejected expected) {
      assertThat(expected.getMessage()).isNotBlank().doesNotContain("\n");
    }
  }

  @Property(tries = 300)
  void garbageIsRejectedNeverThrown(@ForAll byte[] garbage) {
    try {
      StateCodec.decodeAll(garbage, "files", "/r");
      throw new AssertionError("garbage loaded");
    } catch (StateCodec.Rejected expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  @Property(tries = 100)
  void aFileWithKeysOutOfOrderStillLoadsSorted(@ForAll @Size(min = 2, max = 20) java.util.Set<String> keys) throws Exception {
    // Written by hand: the same layout, the keys in reverse order (no encoder writes that).
    java.util.List<String> reversed = new java.util.ArrayList<>(new TreeSet<>(keys).descendingSet());
    TreeMap<String, StateEntry> expected = new TreeMap<>();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes("CFXSTATE".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    varint(out, StateCodec.VERSION);
    string(out, "files");
    string(out, "/r");
    varint(out, reversed.size());
    for (String k : reversed) {
      byte[] b = k.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      varint(out, 0);
      varint(out, b.length);
      out.writeBytes(b);
      varint(out, b.length); // size
      varint(out, 2); // mtime 1, zig-zag
      varint(out, 0); // no id
      varint(out, 0); // no sha
      expected.put(k, new StateEntry(b.length, 1, null, null));
    }
    varint(out, 0); // no pending keys
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(out.toByteArray());
    out.writeBytes(java.nio.ByteBuffer.allocate(8).putLong(crc.getValue()).array());
    java.util.SortedMap<String, StateEntry> loaded = StateCodec.decode(out.toByteArray(), "files", "/r");
    assertThat(loaded).isEqualTo(expected);
    assertThat(loaded.keySet()).containsExactlyElementsOf(expected.keySet());
  }

  @net.jqwik.api.Example
  void anEntryCountBeyondTheFileIsRejectedNotAllocated() {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes("CFXSTATE".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    varint(out, StateCodec.VERSION);
    string(out, "files");
    string(out, "/r");
    varint(out, Integer.MAX_VALUE); // a count no file of this size holds: never allocated
    varint(out, 0);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(out.toByteArray());
    out.writeBytes(java.nio.ByteBuffer.allocate(8).putLong(crc.getValue()).array());
    try {
      StateCodec.decodeAll(out.toByteArray(), "files", "/r");
      throw new AssertionError("loaded");
    } catch (StateCodec.Rejected expected) {
      assertThat(expected.getMessage()).contains("entry count");
    }
  }

  private static void varint(java.io.ByteArrayOutputStream out, long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static void string(java.io.ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    varint(out, b.length + 1L);
    out.writeBytes(b);
  }
}
