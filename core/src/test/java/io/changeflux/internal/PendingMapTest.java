package io.changeflux.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class PendingMapTest {

  /** The accumulator agrees with folding Merging.merge event by event, on random sequences. */
  @Test
  void accumulatorAgreesWithTheMergeTable() {
    Random r = new Random(7);
    ChangeKind[] kinds = ChangeKind.values();
    for (int round = 0; round < 2_000; round++) {
      PendingMap pending = new PendingMap();
      Map<String, ChangeEvent> reference = new LinkedHashMap<>();
      List<String> acks = new CopyOnWriteArrayList<>();
      int n = 1 + r.nextInt(12);
      boolean overflowSeen = false;
      java.util.Set<String> afterOverflow = new java.util.HashSet<>();
      for (int i = 0; i < n; i++) {
        ChangeKind kind = kinds[r.nextInt(kinds.length)];
        String key = "k" + r.nextInt(3);
        String name = round + "/" + i;
        ChangeEvent e =
            ChangeEvent.builder(kind, key)
                .time(Instant.ofEpochMilli(i))
                .payload(new byte[] {(byte) i})
                .onAck(() -> acks.add(name))
                .build();
        pending.add(e);
        String slot = Merging.slot(e);
        ChangeEvent prev = reference.get(slot);
        if (prev == null) {
          reference.put(slot, e);
          overflowSeen |= kind == ChangeKind.OVERFLOW;
          if (overflowSeen) {
            afterOverflow.add(slot);
          }
        } else {
          ChangeEvent merged = Merging.merge(prev, e);
          if (merged == null && afterOverflow.contains(slot)) {
            // a key that came in after an OVERFLOW: CREATED then DELETED stays a DELETED
            reference.put(slot, ChangeEvent.builder(ChangeKind.DELETED, key).time(e.time())
                .payload(e.payload()).count(prev.count() + e.count()).build());
          } else if (merged == null) {
            reference.remove(slot);
            afterOverflow.remove(slot);
          } else {
            reference.put(slot, merged);
          }
        }
      }
      List<ChangeEvent> got = pending.drainAll();
      List<ChangeEvent> want = new ArrayList<>(reference.values());
      assertThat(got).extracting(ChangeEvent::key).containsExactlyElementsOf(want.stream().map(ChangeEvent::key).toList());
      for (int i = 0; i < got.size(); i++) {
        ChangeEvent g = got.get(i);
        ChangeEvent w = want.get(i);
        assertThat(g.kind()).isEqualTo(w.kind());
        assertThat(g.time()).isEqualTo(w.time());
        assertThat(g.payload()).isEqualTo(w.payload());
        assertThat(g.count()).isEqualTo(w.count());
      }
      // every raw event is either acknowledged (cancelled out) or carried by exactly one result
      List<String> carried = new ArrayList<>();
      List<String> before = new ArrayList<>(acks);
      got.forEach(ChangeEvent::ack);
      carried.addAll(acks.subList(before.size(), acks.size()));
      assertThat(before.size() + carried.size()).isEqualTo(n);
      assertThat(acks).doesNotHaveDuplicates();
    }
  }

  @Test
  void onceAnOverflowWentInCreatedThenDeletedStaysADeletion() {
    // coalesce's own OVERFLOW: the consumer rescans when it takes it, maybe between the two
    PendingMap collapsed = new PendingMap();
    collapsed.add(ChangeEvent.builder(ChangeKind.MODIFIED, "old").build());
    collapsed.collapseToOverflow();
    collapsed.add(ChangeEvent.builder(ChangeKind.CREATED, "f").build());
    collapsed.add(ChangeEvent.builder(ChangeKind.DELETED, "f").build());
    assertThat(collapsed.drainAll())
        .extracting(ChangeEvent::kind, ChangeEvent::key)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(ChangeKind.OVERFLOW, PendingMap.OVERFLOW_KEY),
            org.assertj.core.groups.Tuple.tuple(ChangeKind.DELETED, "f"));
    // still so after the OVERFLOW left: the consumer's rescan happens downstream, later
    collapsed.add(ChangeEvent.builder(ChangeKind.CREATED, "g").build());
    collapsed.add(ChangeEvent.builder(ChangeKind.DELETED, "g").build());
    assertThat(collapsed.drainAll()).extracting(ChangeEvent::kind).containsExactly(ChangeKind.DELETED);
    // an upstream OVERFLOW (a source that lost events) does the same
    PendingMap upstream = new PendingMap();
    upstream.add(ChangeEvent.builder(ChangeKind.CREATED, "a").build());
    upstream.add(ChangeEvent.builder(ChangeKind.DELETED, "a").build());
    assertThat(upstream.isEmpty()).as("before any OVERFLOW the pair cancels out").isTrue();
    upstream.add(ChangeEvent.builder(ChangeKind.OVERFLOW, "").header("reason", "overflow").build());
    upstream.add(ChangeEvent.builder(ChangeKind.CREATED, "a").build());
    upstream.add(ChangeEvent.builder(ChangeKind.DELETED, "a").build());
    assertThat(upstream.drainAll())
        .extracting(ChangeEvent::kind)
        .containsExactly(ChangeKind.OVERFLOW, ChangeKind.DELETED);
  }

  @Test
  void withKeepDeletionsCreatedThenDeletedStaysADeletionCarryingBothHandles() {
    PendingMap pending = new PendingMap().keepDeletions();
    List<String> acks = new CopyOnWriteArrayList<>();
    pending.add(ChangeEvent.builder(ChangeKind.CREATED, "a/b?c").onAck(() -> acks.add("created")).build());
    pending.add(ChangeEvent.builder(ChangeKind.DELETED, "a/b?c").onAck(() -> acks.add("deleted")).build());
    assertThat(acks).as("nothing acknowledged by the merge").isEmpty();
    ChangeEvent d = pending.poll();
    assertThat(d.kind()).isEqualTo(ChangeKind.DELETED);
    assertThat(d.count()).isEqualTo(2);
    d.ack();
    assertThat(acks).containsExactlyInAnyOrder("created", "deleted");
    // without it the pair cancels out, acknowledged at once
    PendingMap plain = new PendingMap();
    plain.add(ChangeEvent.builder(ChangeKind.CREATED, "k").onAck(() -> acks.add("c2")).build());
    plain.add(ChangeEvent.builder(ChangeKind.DELETED, "k").onAck(() -> acks.add("d2")).build());
    assertThat(plain.size()).isZero();
    assertThat(acks).contains("c2", "d2");
  }

  @Test
  void overflowCollapseSumsCountsAndKeepsEveryHandle() {
    PendingMap pending = new PendingMap();
    List<String> acks = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 10; i++) {
      String name = "e" + i;
      pending.add(ChangeEvent.builder(ChangeKind.MODIFIED, "k" + (i % 4)).onAck(() -> acks.add(name)).build());
    }
    pending.collapseToOverflow();
    assertThat(pending.size()).isEqualTo(1);
    ChangeEvent o = pending.poll();
    assertThat(o.kind()).isEqualTo(ChangeKind.OVERFLOW);
    assertThat(o.count()).isEqualTo(10);
    o.ack();
    assertThat(acks).hasSize(10).doesNotHaveDuplicates();
  }

  /** What one event says, with its handles (acknowledged to see which it carries). */
  private static String describe(ChangeEvent e, List<String> acks) {
    int before = acks.size();
    e.ack();
    List<String> carried = new ArrayList<>(acks.subList(before, acks.size()));
    java.util.Collections.sort(carried);
    return e.kind() + " " + e.key() + " count=" + e.count() + " time=" + (e.kind() == ChangeKind.OVERFLOW ? "(now)" : e.time()) + " payload="
        + java.util.Arrays.toString(e.payload()) + " headers=" + e.headers() + " handles=" + e.ackHandles()
        + " acks=" + carried;
  }

  /**
   * A map used for a long time (its accumulators reused after keys cancel out, leave by poll or
   * drain, or collapse) gives what a fresh map gives for the same events, round after round.
   */
  @Test
  void aLongUsedMapAgreesWithAFreshMapEveryRound() {
    Random r = new Random(18);
    ChangeKind[] kinds = ChangeKind.values();
    PendingMap reused = new PendingMap(3, 40);
    List<String> acksReused = new CopyOnWriteArrayList<>();
    List<String> acksFresh = new CopyOnWriteArrayList<>();
    int compared = 0;
    for (int round = 0; round < 3_000; round++) {
      PendingMap fresh = new PendingMap(3, 40);
      List<String> got = new ArrayList<>();
      List<String> want = new ArrayList<>();
      boolean overflow = false;
      int n = 1 + r.nextInt(30);
      for (int i = 0; i < n; i++) {
        ChangeKind kind = r.nextInt(10) == 0 ? ChangeKind.OVERFLOW : kinds[r.nextInt(3)];
        overflow |= kind == ChangeKind.OVERFLOW;
        ChangeEvent.Builder b =
            ChangeEvent.builder(kind, "k" + r.nextInt(6)).time(Instant.ofEpochMilli(i)).payload(new byte[] {(byte) i});
        if (r.nextInt(3) == 0) {
          b.header(r.nextBoolean() ? Merging.REDELIVERED : "movedFrom", "x" + i);
        }
        // the same event twice, each with its own handle
        ChangeEvent.Builder b2 = b.build().toBuilder();
        if (r.nextInt(4) != 0) {
          String name = round + "/" + i;
          b.onAck(() -> acksReused.add(name));
          b2.onAck(() -> acksFresh.add(name));
        }
        reused.add(b.build());
        fresh.add(b2.build());
        assertThat(reused.size()).isEqualTo(fresh.size());
        assertThat(reused.heldAcks()).isEqualTo(fresh.heldAcks());
        assertThat(reused.atAckBudget()).isEqualTo(fresh.atAckBudget());
        int op = r.nextInt(8);
        if (op == 0) {
          ChangeEvent p = reused.poll();
          ChangeEvent q = fresh.poll();
          assertThat(p == null).isEqualTo(q == null);
          if (p != null && q != null) {
            got.add(describe(p, acksReused));
            want.add(describe(q, acksFresh));
          }
        } else if (op == 1) {
          reused.collapseToOverflow();
          fresh.collapseToOverflow();
          overflow = true;
        }
      }
      reused.drainAll().forEach(e -> got.add(describe(e, acksReused)));
      fresh.drainAll().forEach(e -> want.add(describe(e, acksFresh)));
      assertThat(got).as("round " + round).isEqualTo(want);
      compared += got.size();
      if (overflow) {
        reused = new PendingMap(3, 40); // an OVERFLOW makes a map keep deletions from then on
      }
    }
    assertThat(compared).isGreaterThan(10_000);
    assertThat(acksReused).containsExactlyInAnyOrderElementsOf(acksFresh).doesNotHaveDuplicates();
  }
}
