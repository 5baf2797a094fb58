package io.changeflux.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import io.changeflux.SourceOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state store on a real file: batching, acknowledgement order, pending keys, reopening. */
class StateStoreTest {

  @TempDir Path tmp;

  StateStore open(Path file, String checkpoint) {
    SourceOptions o = SourceOptions.parse("fs:/r?state=" + file + "&checkpoint=" + checkpoint);
    return StateStore.spec(o).open("files", "/r");
  }

  static ChangeEvent ev(ChangeKind k, String key) {
    return ChangeEvent.of(k, key);
  }

  static StateEntry entry(long size) {
    return new StateEntry(size, 1_700_000_000_000_000_000L + size, "(dev=1,ino=" + size + ")", null);
  }

  @Test
  void aHundredThousandAcknowledgedEventsCostOneWriteEachCheckpointNotOneEach() throws Exception {
    Path file = tmp.resolve("s.state");
    StateStore store = open(file, "1h");
    assertThat(store.status()).isEqualTo(StateStore.Status.NEW);
    assertThat(store.writes()).as("a first start writes its (empty) state at once").isEqualTo(1);
    for (int i = 0; i < 100_000; i++) {
      store.track(ev(ChangeKind.MODIFIED, "dir/f" + (i % 1000)), entry(i)).ack();
    }
    store.close();
    assertThat(store.writes()).isEqualTo(2);
    StateStore again = open(file, "1h");
    assertThat(again.status()).isEqualTo(StateStore.Status.RESUMED);
    assertThat(again.loaded()).hasSize(1000);
    assertThat(again.loaded().get("dir/f999")).isEqualTo(entry(99_999));
    assertThat(again.pending()).isEmpty();
    again.close();
  }

  @Test
  void theCheckpointThreadWritesWhatWasAcknowledged() throws Exception {
    Path file = tmp.resolve("s.state");
    StateStore store = open(file, "20ms");
    long before = store.writes();
    store.track(ev(ChangeKind.CREATED, "a"), entry(1)).ack();
    await().atMost(Duration.ofSeconds(30)).until(() -> store.writes() > before);
    StateStore reader = open(tmp.resolve("other.state"), "1h");
    reader.close();
    assertThat(io.changeflux.internal.StateCodec.decode(Files.readAllBytes(file), "files", "/r"))
        .containsEntry("a", entry(1));
    store.close();
  }

  @Test
  void aHeldStoreSkipsItsPeriodicCheckpointsUntilReleasedThenWritesWhatWasAcknowledged() throws Exception {
    Path file = tmp.resolve("s.state");
    StateStore store = open(file, "20ms");
    store.track(ev(ChangeKind.CREATED, "first"), entry(1)).ack();
    await().atMost(Duration.ofSeconds(30)).until(() -> store.writes() >= 2);
    store.hold();
    long before = store.writes();
    store.track(ev(ChangeKind.CREATED, "held"), entry(2)).ack();
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> store.writes() == before);
    store.release();
    await().atMost(Duration.ofSeconds(30)).until(() -> store.writes() > before);
    assertThat(io.changeflux.internal.StateCodec.decode(Files.readAllBytes(file), "files", "/r"))
        .containsEntry("first", entry(1))
        .containsEntry("held", entry(2));
    store.close();
  }

  @Test
  void anOlderEventAcknowledgedAfterANewerOneChangesNothing() {
    StateStore store = open(tmp.resolve("s.state"), "1h");
    ChangeEvent created = store.track(ev(ChangeKind.CREATED, "k"), entry(1));
    ChangeEvent modified = store.track(ev(ChangeKind.MODIFIED, "k"), entry(2));
    modified.ack();
    created.ack();
    assertThat(store.acknowledged()).containsExactly(Map.entry("k", entry(2)));
    ChangeEvent made = store.track(ev(ChangeKind.CREATED, "gone"), entry(3));
    ChangeEvent deleted = store.track(ev(ChangeKind.DELETED, "gone"), null);
    // a merged CREATED+DELETED runs the later part's handle first
    deleted.ack();
    made.ack();
    assertThat(store.acknowledged()).doesNotContainKey("gone");
    store.close();
  }

  @Test
  void keysHandedOutButNotAcknowledgedArePendingAfterAKillEvenBeforeACheckpoint() throws Exception {
    Path file = tmp.resolve("s.state");
    StateStore store = open(file, "1h");
    String odd = "a dir/with\nnewline\\and ünïcödé ? @ # % :";
    store.track(ev(ChangeKind.CREATED, "acked"), entry(1)).ack();
    store.track(ev(ChangeKind.CREATED, odd), entry(2));
    store.track(ev(ChangeKind.DELETED, "plain"), null);
    // no close(): as after a SIGKILL, only the journal knows; a torn last line is ignored
    Files.writeString(
        file.resolveSibling("s.state.emitted"), "torn-without-newl", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    StateStore again = open(file, "1h");
    assertThat(again.status()).isEqualTo(StateStore.Status.RESUMED);
    assertThat(again.pending()).containsExactlyInAnyOrder("acked", odd, "plain");
    again.track(ev(ChangeKind.CREATED, odd), entry(2)).ack();
    again.track(ev(ChangeKind.DELETED, "plain"), null).ack();
    again.track(ev(ChangeKind.MODIFIED, "acked"), entry(1)).ack();
    again.close();
    StateStore third = open(file, "1h");
    assertThat(third.pending()).isEmpty();
    assertThat(third.loaded()).containsOnlyKeys(odd, "acked");
    third.close();
    assertThat(file.resolveSibling("s.state.emitted")).doesNotExist();
  }

  @Test
  void aKeyHandedOutAfterItsLastAcknowledgementResumesFromItsLastHandOutAnAcknowledgedOneFromItsEntry()
      throws Exception {
    Path file = tmp.resolve("s.state");
    StateStore store = open(file, "1h");
    store.track(ev(ChangeKind.CREATED, "settled"), entry(1)).ack();
    store.track(ev(ChangeKind.CREATED, "again"), entry(2)).ack();
    store.close(); // checkpoint: both acknowledged, nothing pending
    StateStore second = open(file, "1h");
    second.track(ev(ChangeKind.DELETED, "again"), null); // handed out, never acknowledged
    second.track(ev(ChangeKind.CREATED, "fresh"), entry(3));
    // no close(): killed
    StateStore third = open(file, "1h");
    assertThat(third.pending()).containsExactlyInAnyOrder("again", "fresh");
    Path r = Path.of("/r");
    io.changeflux.files.FileState settled = third.resumeState("settled", r.resolve("settled"));
    assertThat(settled.size()).isEqualTo(1);
    assertThat(settled.mtimeNanos()).isEqualTo(entry(1).mtimeNanos());
    // "again": not its stale acknowledged entry(2), but its last hand-out (a DELETED with none)
    io.changeflux.files.FileState again = third.resumeState("again", r.resolve("again"));
    assertThat(again.size()).isZero();
    assertThat(again.mtimeNanos()).isZero();
    assertThat(again.sha()).isNull();
    // "fresh": its last hand-out (CREATED entry(3)), so a DELETED of it is that version's
    io.changeflux.files.FileState fresh = third.resumeState("fresh", r.resolve("fresh"));
    assertThat(fresh.size()).isEqualTo(3);
    assertThat(fresh.mtimeNanos()).isEqualTo(entry(3).mtimeNanos());
    assertThat(fresh.sha()).isNull();
    // and every event of a pending key is marked as a possible re-delivery (never merged away)
    assertThat(third.track(ev(ChangeKind.CREATED, "fresh"), entry(3)).headers())
        .containsEntry(io.changeflux.ChangeOps.REDELIVERED, "true");
    assertThat(third.track(ev(ChangeKind.MODIFIED, "settled"), entry(4)).headers())
        .doesNotContainKey(io.changeflux.ChangeOps.REDELIVERED);
    third.close();
  }

  /** A DELETED of {@code f} as fs and poll report it: with the version header of the file that went. */
  static ChangeEvent deleted(String key, io.changeflux.files.FileState f) {
    ChangeEvent.Builder b = ChangeEvent.builder(ChangeKind.DELETED, key).source("fs:/r").path(f.path());
    if (f.size() != 0 || f.mtimeNanos() != 0) {
      b.header(io.changeflux.IdempotencyKey.VERSION, f.version());
    }
    return b.build();
  }

  @Test
  void aDeletionAcknowledgedButKilledBeforeTheCheckpointIsReportedAgainWithTheSameIdempotencyKey()
      throws Exception {
    // issue 14: the far broker confirmed the DELETED and it was acknowledged, but the process was
    // SIGKILLed before the next checkpoint: the key is still pending at the restart, and the
    // DELETED reported again must be the one the broker has (same key), not a new deletion.
    Path file = tmp.resolve("s.state");
    Path r = Path.of("/r");
    StateStore store = open(file, "1h");
    store.track(ev(ChangeKind.CREATED, "gone"), entry(5)).ack();
    store.track(ev(ChangeKind.CREATED, "slow"), entry(6)).ack();
    store.close(); // both acknowledged as there
    StateStore second = open(file, "1h");
    ChangeEvent slow = second.track(deleted("slow", entry(6).toFileState(r.resolve("slow"))), entry(6));
    second.checkpoint(); // "slow" is out across a checkpoint (its journal rotated away), then confirmed
    ChangeEvent first = second.track(deleted("gone", entry(5).toFileState(r.resolve("gone"))), entry(5));
    first.ack();
    slow.ack();
    // no close(): killed, the acknowledgements never reached the state file
    StateStore third = open(file, "1h");
    assertThat(third.pending()).containsExactlyInAnyOrder("gone", "slow");
    for (ChangeEvent was : new ChangeEvent[] {first, slow}) {
      ChangeEvent again = deleted(was.key(), third.resumeState(was.key(), r.resolve(was.key())));
      assertThat(io.changeflux.IdempotencyKey.of(again)).as(was.key()).isEqualTo(io.changeflux.IdempotencyKey.of(was));
    }
    // killed again before anything is acknowledged: what the journals knew survives the restart
    StateStore fourth = open(file, "1h");
    ChangeEvent again = deleted("gone", fourth.resumeState("gone", r.resolve("gone")));
    assertThat(io.changeflux.IdempotencyKey.of(again)).isEqualTo(io.changeflux.IdempotencyKey.of(first));
    fourth.close();
    third.close();
    // a CREATED handed out, never acknowledged, the file gone while down: the DELETED reported at
    // the restart is that version's, the same at every restart until one is acknowledged
    StateStore fifth = open(file, "1h");
    fifth.track(ev(ChangeKind.CREATED, "brief"), entry(7));
    StateStore sixth = open(file, "1h");
    io.changeflux.files.FileState went = sixth.resumeState("brief", r.resolve("brief"));
    ChangeEvent once = sixth.track(deleted("brief", went), StateEntry.of(went)); // as fs and poll track it
    StateStore seventh = open(file, "1h");
    ChangeEvent twice = deleted("brief", seventh.resumeState("brief", r.resolve("brief")));
    assertThat(once.headers()).containsEntry(io.changeflux.IdempotencyKey.VERSION, entry(7).toFileState(r).version());
    assertThat(io.changeflux.IdempotencyKey.of(twice)).isEqualTo(io.changeflux.IdempotencyKey.of(once));
    seventh.close();
    sixth.close();
    fifth.close();
  }

  @Test
  void aJournalWithoutVersionsStillLoadsItsKeysResumingFromNoVersion() throws Exception {
    Path file = tmp.resolve("s.state");
    StateStore store = open(file, "1h");
    store.track(ev(ChangeKind.CREATED, "gone"), entry(5)).ack();
    store.close();
    // as a journal written before versions were kept: the key alone
    Files.writeString(file.resolveSibling("s.state.emitted"), "gone\nnew\\\\one\n", StandardCharsets.UTF_8);
    StateStore again = open(file, "1h");
    assertThat(again.pending()).containsExactlyInAnyOrder("gone", "new\\one");
    io.changeflux.files.FileState f = again.resumeState("gone", Path.of("/r/gone"));
    assertThat(f.size()).isZero();
    assertThat(f.mtimeNanos()).isZero();
    again.close();
  }

  @Test
  void closingWhileTheFileIsStillLoadingNeverWritesOverIt() throws Exception {
    Path file = tmp.resolve("s.state");
    StateStore first = open(file, "1h");
    for (int i = 0; i < 5_000; i++) {
      first.track(ev(ChangeKind.CREATED, "k" + i), entry(i)).ack();
    }
    first.close();
    byte[] written = Files.readAllBytes(file);
    for (int i = 0; i < 50; i++) {
      open(file, "1h").close(); // subscribe and cancel at once, as a flapping consumer does
    }
    assertThat(Files.readAllBytes(file)).as("the state file is untouched").isEqualTo(written);
    StateStore again = open(file, "1h");
    assertThat(again.status()).isEqualTo(StateStore.Status.RESUMED);
    assertThat(again.loaded()).hasSize(5_000);
    again.close();
  }

  @Test
  void aForeignFileWithStateMismatchFailIsAnErrorNamingItWithoutItsContent() throws Exception {
    Path file = tmp.resolve("s.state");
    Files.writeString(file, "password=hunter2");
    SourceOptions o = SourceOptions.parse("fs:/r?state=" + file + "&stateMismatch=fail");
    StateStore store = StateStore.spec(o).open("files", "/r");
    assertThatThrownBy(store::status)
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("not a changeflux state file")
        .hasMessageNotContaining("hunter2");
    store.close();
    assertThat(Files.readString(file)).as("a refused file is left alone").isEqualTo("password=hunter2");
  }
}
