package io.changeflux.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * {@link KeyTable} behaves as the {@link LinkedHashMap} it replaced (insertion order, removal in
 * the middle keeping the order of the rest), for arbitrary strings, colliding hash codes, growth
 * and compaction.
 */
class KeyTableTest {

  /** Applies one operation to both and checks they agree. */
  private static void step(KeyTable<Integer> t, LinkedHashMap<String, Integer> model, int op, String key, int value) {
    switch (op) {
      case 0:
      case 1:
      case 2: // add, the most common
        if (t.get(key) == null) {
          t.add(key, value);
          model.put(key, value);
        }
        break;
      case 3:
        assertThat(t.remove(key)).isEqualTo(model.remove(key));
        break;
      case 4:
        {
          String first = model.isEmpty() ? null : model.keySet().iterator().next();
          Integer expected = first == null ? null : model.remove(first);
          assertThat(t.pollFirst()).isEqualTo(expected);
        }
        break;
      case 5:
        t.removeIf(v -> v % 3 == 0);
        model.values().removeIf(v -> v % 3 == 0);
        break;
      case 6:
        {
          int n = model.size() / 2;
          t.trimTo(n);
          List<String> ks = new ArrayList<>(model.keySet());
          for (int i = 0; i < ks.size() - n; i++) {
            model.remove(ks.get(i));
          }
        }
        break;
      case 7:
        if (value % 16 == 0) {
          t.clear();
          model.clear();
        }
        break;
      default:
        // a lookup by an equal string that is not the same instance
        assertThat(t.get(new String(key.toCharArray()))).isEqualTo(model.get(key));
    }
    assertSame(t, model);
  }

  private static void assertSame(KeyTable<Integer> t, Map<String, Integer> model) {
    assertThat(t.size()).isEqualTo(model.size());
    assertThat(t.isEmpty()).isEqualTo(model.isEmpty());
    List<Integer> values = new ArrayList<>();
    t.forEach(values::add);
    assertThat(values).containsExactlyElementsOf(model.values());
    assertThat(t.peekFirst()).isEqualTo(model.isEmpty() ? null : model.values().iterator().next());
  }

  @Provide
  Arbitrary<String> keys() {
    // arbitrary strings (any char, unpaired surrogates included), a few fixed awkward ones, and a
    // small pool so that keys repeat
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(8),
        Arbitraries.strings().withCharRange('\uD800', '\uDFFF').ofMaxLength(3),
        Arbitraries.of("", "\uD83D\uDE00", "\uD800", "\uDC00", "é", "日本", "Aa", "BB", "AaAa", "BBBB", "AaBB", "BBAa"),
        Arbitraries.integers().between(0, 20).map(i -> "k" + i));
  }

  @Property(tries = 300)
  void agreesWithALinkedHashMap(
      @ForAll @Size(max = 200) List<@net.jqwik.api.constraints.IntRange(min = 0, max = 8) Integer> ops,
      @ForAll @Size(min = 200, max = 200) List<@From("keys") String> keys) {
    KeyTable<Integer> t = new KeyTable<>();
    LinkedHashMap<String, Integer> model = new LinkedHashMap<>();
    for (int i = 0; i < ops.size(); i++) {
      step(t, model, ops.get(i), keys.get(i), i);
    }
  }

  /** 2^n distinct strings with one hash code ("Aa" and "BB" hash alike). */
  static List<String> colliding(int n) {
    List<String> out = new ArrayList<>();
    for (int bits = 0; bits < (1 << n); bits++) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < n; i++) {
        sb.append((bits & (1 << i)) != 0 ? "Aa" : "BB");
      }
      out.add(sb.toString());
    }
    return out;
  }

  @Test
  void manyKeysWithOneHashCodeAreAllFoundRemovedAndKeptInOrder() {
    List<String> keys = colliding(12); // 4,096 keys, one hash code
    assertThat(keys.stream().mapToInt(String::hashCode).distinct().count()).isEqualTo(1);
    KeyTable<Integer> t = new KeyTable<>();
    LinkedHashMap<String, Integer> model = new LinkedHashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      t.add(keys.get(i), i);
      model.put(keys.get(i), i);
      t.add("other" + i, -i - 1); // keys of other hash codes between them
      model.put("other" + i, -i - 1);
    }
    assertSame(t, model);
    for (int i = 0; i < keys.size(); i++) {
      assertThat(t.get(new String(keys.get(i).toCharArray()))).isEqualTo(i);
    }
    // remove every third colliding key, in the middle of the order
    for (int i = 0; i < keys.size(); i += 3) {
      assertThat(t.remove(keys.get(i))).isEqualTo(i);
      model.remove(keys.get(i));
    }
    assertSame(t, model);
    for (int i = 0; i < keys.size(); i++) {
      assertThat(t.get(keys.get(i))).isEqualTo(i % 3 == 0 ? null : i);
    }
    // re-adding a removed key makes it the newest
    t.add(keys.get(0), 7);
    model.put(keys.get(0), 7);
    assertSame(t, model);
    // compaction and re-indexing keep all of it
    t.removeIf(v -> v < 0);
    model.values().removeIf(v -> v < 0);
    assertSame(t, model);
    while (!model.isEmpty()) {
      String first = model.keySet().iterator().next();
      assertThat(t.pollFirst()).isEqualTo(model.remove(first));
    }
    assertSame(t, model);
    assertThat(t.get(keys.get(5))).isNull();
  }

  @Test
  void growsCompactsAndKeepsTheOrderOfFirstArrival() {
    Random r = new Random(18);
    KeyTable<Integer> t = new KeyTable<>();
    LinkedHashMap<String, Integer> model = new LinkedHashMap<>();
    for (int i = 0; i < 200_000; i++) {
      String k = "dir/" + r.nextInt(50_000);
      Integer v = model.get(k);
      assertThat(t.get(k)).isEqualTo(v);
      if (v == null) {
        t.add(k, i);
        model.put(k, i);
      } else if (r.nextInt(3) == 0) {
        assertThat(t.remove(k)).isEqualTo(model.remove(k));
      }
      if (i % 50_000 == 0) {
        assertSame(t, model);
      }
    }
    assertSame(t, model);
  }

  @Test
  void pollingOneByOneWhileAddingKeepsFifoOrder() {
    KeyTable<Integer> t = new KeyTable<>();
    int next = 0;
    for (int i = 0; i < 100_000; i++) {
      t.add("k" + i, i);
      if (i % 2 == 1) {
        assertThat(t.pollFirst()).isEqualTo(next++);
        assertThat(t.pollFirst()).isEqualTo(next++);
      }
      assertThat(t.size()).isEqualTo(i + 1 - next);
    }
    assertThat(t.pollFirst()).isNull();
    assertThat(t.isEmpty()).isTrue();
  }

  @Test
  void keysArrivingInStoredOrderAreFoundAsWhenTheyDoNot() {
    KeyTable<Integer> t = new KeyTable<>();
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      keys.add("f" + i);
      t.add(keys.get(i), i);
    }
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < keys.size(); i++) {
        assertThat(t.get(keys.get(i))).isEqualTo(i); // in order: the entry after the last found
        assertThat(t.get("f" + (999 - i))).isEqualTo(999 - i); // out of order, another instance
      }
    }
    t.remove(keys.get(500));
    assertThat(t.get(keys.get(499))).isEqualTo(499);
    assertThat(t.get(keys.get(500))).isNull(); // the guessed entry is gone
    assertThat(t.get(keys.get(501))).isEqualTo(501);
  }

  @Test
  void removingTheKeyJustFoundRemovesOnlyItAndKeepsTheOrderOfTheRest() {
    KeyTable<Integer> t = new KeyTable<>();
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      keys.add("k" + i);
      t.add(keys.get(i), i);
    }
    for (int i = 0; i < 100; i++) {
      assertThat(t.get(keys.get(i))).isEqualTo(i);
      if (i % 3 == 0) {
        assertThat(t.remove(keys.get(i))).isEqualTo(i); // the entry just found
      }
    }
    assertThat(t.get(keys.get(10))).isEqualTo(10);
    assertThat(t.remove(keys.get(11))).isEqualTo(11); // not the one just found
    assertThat(t.remove(keys.get(12))).isNull(); // removed above: 12 % 3 == 0
    List<Integer> left = new ArrayList<>();
    for (Integer v = t.pollFirst(); v != null; v = t.pollFirst()) {
      left.add(v);
    }
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      if (i % 3 != 0 && i != 11) {
        expected.add(i);
      }
    }
    assertThat(left).isEqualTo(expected);
  }
}
