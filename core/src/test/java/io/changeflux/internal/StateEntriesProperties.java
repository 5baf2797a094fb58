package io.changeflux.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.state.StateEntry;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

/**
 * The state file's entries as sorted columns behave as the {@link TreeMap} they replace: lookups,
 * ranges, merges of a checkpoint's changes, and input out of order.
 */
class StateEntriesProperties {

  static StateEntry entry(long v) {
    return new StateEntry(Math.abs(v % 1000), v, v % 3 == 0 ? null : "(dev=1,ino=" + v + ")", v % 5 == 0 ? "sha" + v : null);
  }

  static TreeMap<String, StateEntry> model(Map<@StringLength(max = 6) String, Long> m) {
    TreeMap<String, StateEntry> t = new TreeMap<>();
    m.forEach((k, v) -> t.put(k, entry(v)));
    return t;
  }

  @Property(tries = 300)
  void lookupsAndRangesAreThoseOfATreeMap(
      @ForAll @Size(max = 30) Map<@StringLength(max = 6) String, Long> m, @ForAll @StringLength(max = 6) String a, @ForAll @StringLength(max = 6) String b) {
    TreeMap<String, StateEntry> model = model(m);
    StateEntries s = StateEntries.copyOf(model);
    assertThat(s).isEqualTo(model);
    assertThat(s.keySet()).containsExactlyElementsOf(model.keySet());
    assertThat(s.get(a)).isEqualTo(model.get(a));
    assertThat(s.containsKey(b)).isEqualTo(model.containsKey(b));
    String lo = a.compareTo(b) <= 0 ? a : b;
    String hi = a.compareTo(b) <= 0 ? b : a;
    assertThat(s.subMap(lo, hi)).isEqualTo(model.subMap(lo, hi));
    assertThat(s.headMap(a)).isEqualTo(model.headMap(a));
    assertThat(s.tailMap(a)).isEqualTo(model.tailMap(a));
    assertThat(s.tailMap(lo).headMap(hi)).isEqualTo(model.tailMap(lo).headMap(hi));
    if (!model.isEmpty()) {
      assertThat(s.firstKey()).isEqualTo(model.firstKey());
      assertThat(s.lastKey()).isEqualTo(model.lastKey());
    }
    assertThat(new TreeMap<>(s)).isEqualTo(model);
  }

  @Property(tries = 300)
  void aMergeAppliesEveryChangeAndLeavesTheOriginalAsItWas(
      @ForAll @Size(max = 30) Map<@StringLength(max = 4) String, Long> m,
      @ForAll @Size(max = 15) Map<@StringLength(max = 4) String, Long> put,
      @ForAll @Size(max = 15) List<@StringLength(max = 4) String> removed) {
    TreeMap<String, StateEntry> model = model(m);
    StateEntries s = StateEntries.copyOf(model);
    TreeMap<String, StateEntry> changes = new TreeMap<>();
    TreeMap<String, StateEntry> expected = new TreeMap<>(model);
    put.forEach((k, v) -> changes.put(k, entry(v + 1)));
    removed.forEach(k -> changes.put(k, StateEntries.GONE));
    changes.forEach((k, v) -> {
      if (v == StateEntries.GONE) {
        expected.remove(k);
      } else {
        expected.put(k, v);
      }
    });
    StateEntries merged = s.merge(changes);
    assertThat(merged).isEqualTo(expected);
    assertThat(merged.keySet()).containsExactlyElementsOf(expected.keySet());
    assertThat(s).as("unchanged").isEqualTo(model);
  }

  @Property(tries = 200)
  void keysOutOfOrderAreSortedALaterDuplicateWinning(@ForAll @Size(max = 30) List<@StringLength(max = 3) String> keys) {
    StateEntries.Builder b = new StateEntries.Builder(2);
    TreeMap<String, StateEntry> model = new TreeMap<>();
    for (int i = 0; i < keys.size(); i++) {
      StateEntry e = entry(i);
      b.add(keys.get(i), e.size(), e.mtimeNanos(), e.id(), e.sha());
      model.put(keys.get(i), e);
    }
    StateEntries s = b.build();
    assertThat(s).isEqualTo(model);
    assertThat(s.keySet()).containsExactlyElementsOf(model.keySet());
  }
}
