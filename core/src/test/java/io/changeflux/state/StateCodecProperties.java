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
}
