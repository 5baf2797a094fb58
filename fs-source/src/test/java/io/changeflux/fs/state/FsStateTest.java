package io.changeflux.fs.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.changeflux.testkit.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.test.StepVerifier;

/**
 * {@code state=PATH} on {@code fs:} and {@code poll:}, in one JVM with real temporary trees: a
 * restart reports exactly what changed while stopped, unacknowledged events come again and
 * acknowledged ones never, and a state file that is truncated, garbage, of another root or of
 * another version is warned about and replaced by a full rescan (or, with {@code
 * stateMismatch=fail}, fails the start).
 */
class FsStateTest {

  static final Duration PATIENCE = Duration.ofSeconds(30);

  @TempDir Path tmp;

  @BeforeAll
  static void captureLog() {
    LogCapture.install();
  }

  static String log() {
    return LogCapture.text();
  }

  static String uri(String scheme, Path root, Path state, String extra) {
    String u = scheme + ":" + root + "?state=" + state + "&checkpoint=50ms";
    if (scheme.equals("poll")) {
      u += "&interval=100ms";
    }
    return u + extra;
  }

  Path tree() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root"));
    Files.writeString(root.resolve("a.txt"), "a");
    Files.writeString(root.resolve("gone.txt"), "gone");
    Files.createDirectories(root.resolve("d/e"));
    Files.writeString(root.resolve("d/b.txt"), "b");
    Files.writeString(root.resolve("d/e/c.txt"), "c");
    Files.createDirectories(root.resolve("dir2"));
    Files.writeString(root.resolve("dir2/x.txt"), "x");
    return root;
  }

  static final Set<String> TREE = Set.of("a.txt", "gone.txt", "d/b.txt", "d/e/c.txt", "dir2/x.txt");

  /** Starts once on the tree (a first start: nothing reported) and waits for the state to be written. */
  static void firstStart(String uri, Path state, Path root, Set<String> keys) throws Exception {
    try (StateRun first = new StateRun(uri)) {
      await().atMost(PATIENCE).until(() -> StateRun.storedKeysAre(state, root, keys));
      assertThat(first.events).as("a first start reports nothing (initial=false)").isEmpty();
    }
  }

  static void deleteTree(Path p) throws Exception {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"fs", "poll"})
  void restartReportsExactlyWhatChangedWhileStoppedThenLiveThenNothingTwice(String scheme) throws Exception {
    Path root = tree();
    Path state = tmp.resolve("watch.state");
    String uri = uri(scheme, root, state, "");
    firstStart(uri, state, root, TREE);

    // While stopped: create, modify, delete, nested new directories, a directory re-created.
    Files.writeString(root.resolve("new.txt"), "new");
    Files.writeString(root.resolve("a.txt"), "a, modified and longer");
    Files.delete(root.resolve("gone.txt"));
    Files.createDirectories(root.resolve("d/e/f"));
    Files.writeString(root.resolve("d/e/f/deep.txt"), "deep");
    deleteTree(root.resolve("dir2"));
    Files.createDirectories(root.resolve("dir2"));
    Files.writeString(root.resolve("dir2/x.txt"), "x2");
    Files.writeString(root.resolve("dir2/y.txt"), "y");

    List<String> expected =
        List.of(
            "CREATED new.txt",
            "MODIFIED a.txt",
            "DELETED gone.txt",
            "CREATED d/e/f/deep.txt",
            "MODIFIED dir2/x.txt",
            "CREATED dir2/y.txt");
    Set<String> after = Set.of("a.txt", "new.txt", "d/b.txt", "d/e/c.txt", "d/e/f/deep.txt", "dir2/x.txt", "dir2/y.txt");
    try (StateRun second = new StateRun(uri)) {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(second.changes()).containsAll(expected));
      // Live events after the differences: the watch was armed before the comparison.
      // moved in whole (a write in place is CREATED then MODIFIED for a native watch)
      Files.move(Files.writeString(tmp.resolve("live.tmp"), "live"), root.resolve("d/e/f/live.txt"));
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(second.changes()).contains("CREATED d/e/f/live.txt"));
      Set<String> all = new java.util.HashSet<>(after);
      all.add("d/e/f/live.txt");
      await().atMost(PATIENCE).until(() -> StateRun.storedKeysAre(state, root, all));
      assertThat(second.changes())
          .as("exactly the differences, once each, then the live event")
          .containsExactlyInAnyOrderElementsOf(
              Stream.concat(expected.stream(), Stream.of("CREATED d/e/f/live.txt")).toList());
      assertThat(second.overflows()).isZero();
    }
    // Everything was acknowledged: a third start reports nothing of it.
    try (StateRun third = new StateRun(uri)) {
      Files.move(Files.writeString(tmp.resolve("marker.tmp"), "m"), root.resolve("marker.txt"));
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(third.changes()).contains("CREATED marker.txt"));
      assertThat(third.changes()).containsExactly("CREATED marker.txt");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"fs", "poll"})
  void unacknowledgedEventsComeAgainAfterARestartAcknowledgedOnesNever(String scheme) throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root"));
    Path state = tmp.resolve("manual.state");
    String uri = uri(scheme, root, state, "&ack=manual");
    firstStart(uri, state, root, Set.of());
    for (String n : List.of("one", "two", "three")) {
      Files.writeString(root.resolve(n), n);
    }
    try (StateRun run = new StateRun(uri)) {
      await().atMost(PATIENCE).untilAsserted(
          () -> assertThat(run.changes()).containsExactlyInAnyOrder("CREATED one", "CREATED two", "CREATED three"));
      for (ChangeEvent e : run.events) {
        assertThat(e.acknowledgeable()).as("ack=manual with state= hands out handles").isTrue();
        if (e.key().equals("two")) {
          e.ack();
        }
      }
      await().atMost(PATIENCE).until(() -> StateRun.storedKeysAre(state, root, Set.of("two")));
    }
    try (StateRun run = new StateRun(uri)) {
      await().atMost(PATIENCE).untilAsserted(
          () -> assertThat(run.changes()).containsExactlyInAnyOrder("CREATED one", "CREATED three"));
      run.events.forEach(ChangeEvent::ack);
      await().atMost(PATIENCE).until(() -> StateRun.storedKeysAre(state, root, Set.of("one", "two", "three")));
    }
    try (StateRun run = new StateRun(uri)) {
      Files.delete(root.resolve("one"));
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(run.changes()).contains("DELETED one"));
      assertThat(run.changes()).containsExactly("DELETED one");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"fs", "poll"})
  void aDeletionAfterARestartNeverTakesTheIdempotencyKeyOfAnEarlierDeletionOfTheSameFile(String scheme)
      throws Exception {
    // The relay kill test's loss: f acknowledged at v1; its DELETED (v1) handed out, the far side
    // has it, its acknowledgement lost with the process; f re-created (v2) and handed out; f
    // deleted while the relay is down. The DELETED reported at the restart must not carry the
    // stale v1, or its idempotency key is that of the first deletion and a broker's duplicate
    // window drops it: the far side would keep f for good.
    Path root = Files.createDirectories(tmp.resolve("root"));
    Path state = tmp.resolve("idem.state");
    String uri = uri(scheme, root, state, "&ack=manual");
    firstStart(uri, state, root, Set.of());
    String firstDeletion;
    try (StateRun run = new StateRun(uri)) {
      Files.move(Files.writeString(tmp.resolve("f.tmp"), "v1"), root.resolve("f"));
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(run.changes()).containsExactly("CREATED f"));
      run.events.get(0).ack();
      await().atMost(PATIENCE).until(() -> StateRun.storedKeysAre(state, root, Set.of("f")));
      Files.delete(root.resolve("f"));
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(run.changes()).containsExactly("CREATED f", "DELETED f"));
      firstDeletion = io.changeflux.IdempotencyKey.of(run.events.get(1)); // published, never acknowledged
      Files.move(Files.writeString(tmp.resolve("f.tmp"), "v2 longer"), root.resolve("f"));
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(run.changes()).containsExactly("CREATED f", "DELETED f", "CREATED f"));
    }
    Files.delete(root.resolve("f"));
    try (StateRun run = new StateRun(uri)) {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(run.changes()).containsExactly("DELETED f"));
      assertThat(io.changeflux.IdempotencyKey.of(run.events.get(0))).isNotEqualTo(firstDeletion);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"fs", "poll"})
  void aFileSeenButNotAcknowledgedThenDeletedWhileStoppedIsReportedDeleted(String scheme) throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root"));
    Path state = tmp.resolve("pending.state");
    String uri = uri(scheme, root, state, "&ack=manual");
    firstStart(uri, state, root, Set.of());
    try (StateRun run = new StateRun(uri)) {
      Files.move(Files.writeString(tmp.resolve("x.tmp"), "x"), root.resolve("x"));
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(run.changes()).containsExactly("CREATED x"));
      // seen, never acknowledged; the process goes away
    }
    Files.delete(root.resolve("x"));
    try (StateRun run = new StateRun(uri)) {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(run.changes()).containsExactly("DELETED x"));
      run.events.forEach(ChangeEvent::ack);
      await().atMost(PATIENCE).until(() -> StateRun.storedKeysAre(state, root, Set.of()) && StateRun.storedPending(state, root).isEmpty());
    }
    try (StateRun run = new StateRun(uri)) {
      Files.move(Files.writeString(tmp.resolve("m.tmp"), "m"), root.resolve("m"));
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(run.changes()).contains("CREATED m"));
      assertThat(run.changes()).containsExactly("CREATED m");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"fs", "poll"})
  void aDebouncedEventAcknowledgesEveryEventMergedIntoIt(String scheme) throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root"));
    Path state = tmp.resolve("merged.state");
    String uri = uri(scheme, root, state, "&ack=manual&debounce=300ms");
    firstStart(uri, state, root, Set.of());
    try (StateRun run = new StateRun(uri)) {
      Path f = root.resolve("often.txt");
      for (int i = 0; i < 5; i++) {
        Files.writeString(f, "version " + i + " ".repeat(i));
      }
      Files.writeString(root.resolve("brief.txt"), "created then deleted within the batch");
      Files.delete(root.resolve("brief.txt"));
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(run.changes()).contains("CREATED often.txt"));
      ChangeEvent merged = run.events.stream().filter(e -> e.key().equals("often.txt")).findFirst().orElseThrow();
      merged.ack();
      await().atMost(PATIENCE).until(
          () -> StateRun.storedKeysAre(state, root, Set.of("often.txt")) && StateRun.storedPending(state, root).isEmpty());
      assertThat(StateRun.stored(state, root).get("often.txt").size()).isEqualTo(Files.size(f));
    }
    try (StateRun run = new StateRun(uri)) {
      Files.move(Files.writeString(tmp.resolve("m.tmp"), "m"), root.resolve("marker"));
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(run.changes()).contains("CREATED marker"));
      assertThat(run.changes()).as("the merged event's parts were all acknowledged").containsExactly("CREATED marker");
    }
  }

  @Test
  void pollWithCompareContentKeepsTheHashesAcrossARestart() throws Exception {
    Path root = tree();
    Path state = tmp.resolve("content.state");
    String uri = uri("poll", root, state, "&compare=content");
    firstStart(uri, state, root, TREE);
    assertThat(StateRun.stored(state, root).get("a.txt").sha()).as("the hash is stored").isNotNull();
    // touched (new time, same bytes) and rewritten (same size, other bytes) while stopped
    Files.setLastModifiedTime(root.resolve("d/b.txt"), java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L));
    Files.writeString(root.resolve("a.txt"), "A");
    try (StateRun run = new StateRun(uri)) {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(run.changes()).contains("MODIFIED a.txt"));
      Files.move(Files.writeString(tmp.resolve("m.tmp"), "m"), root.resolve("marker"));
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(run.changes()).contains("CREATED marker"));
      assertThat(run.changes()).as("only the content that changed").containsExactlyInAnyOrder("MODIFIED a.txt", "CREATED marker");
    }
  }

  enum Damage {
    TRUNCATED,
    GARBAGE,
    EMPTY,
    OTHER_ROOT,
    VERSION
  }

  void damage(Damage d, Path state, Path root, String scheme) throws Exception {
    byte[] good = Files.readAllBytes(state);
    switch (d) {
      case TRUNCATED -> Files.write(state, java.util.Arrays.copyOf(good, good.length / 2));
      case GARBAGE -> {
        byte[] junk = new byte[good.length];
        new Random(42).nextBytes(junk);
        Files.write(state, junk);
      }
      case EMPTY -> Files.write(state, new byte[0]);
      case VERSION -> {
        byte[] b = good.clone();
        b[8] = 9; // the version varint, right after the 8-byte magic
        Files.write(state, b);
      }
      case OTHER_ROOT -> {
        Path other = Files.createDirectories(tmp.resolve("other"));
        Files.writeString(other.resolve("o.txt"), "o");
        Path otherState = tmp.resolve("other.state");
        firstStart(uri(scheme, other, otherState, ""), otherState, other, Set.of("o.txt"));
        Files.copy(otherState, state, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"fs", "poll"})
  void aDamagedOrForeignStateFileWarnsOverflowsAndRescansNeverThrows(String scheme) throws Exception {
    Path root = tree();
    Path state = tmp.resolve("bad.state");
    String uri = uri(scheme, root, state, "");
    firstStart(uri, state, root, TREE);
    for (Damage d : Damage.values()) {
      damage(d, state, root, scheme);
      int logBefore = log().length();
      try (StateRun run = new StateRun(uri)) {
        await().atMost(PATIENCE).untilAsserted(
            () -> assertThat(run.changes()).as(d.name()).hasSize(TREE.size()));
        assertThat(run.events.get(0).kind()).as(d + ": OVERFLOW first").isEqualTo(ChangeKind.OVERFLOW);
        assertThat(run.events.get(0).headers()).containsEntry("reason", "state");
        assertThat(run.overflows()).isEqualTo(1);
        assertThat(run.changes()).as(d.name()).containsExactlyInAnyOrderElementsOf(
            TREE.stream().map(k -> "CREATED " + k).toList());
        String warned = log().substring(logBefore);
        List<String> lines = warned.lines().filter(l -> l.contains("WARN") && l.contains(state.toString())).toList();
        assertThat(lines).as(d + ": one warning naming the file").hasSize(1);
        // Rewritten whole once acknowledged: the next start trusts it.
        await().atMost(PATIENCE).until(() -> StateRun.storedKeysAre(state, root, TREE));
      }
    }
  }

  @Test
  void stateMismatchFailIsAStartUpErrorNamingTheFile() throws Exception {
    Path root = tree();
    Path state = tmp.resolve("strict.state");
    Files.writeString(state, "not a state file at all");
    StepVerifier.create(ChangeSources.open(uri("fs", root, state, "&stateMismatch=fail")).events())
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(ChangeSourceException.class)
                    .hasMessageContaining(state.toString())
                    .hasMessageContaining("is not a changeflux state file")
                    .hasMessageNotContaining("\n"))
        .verify(PATIENCE);
  }

  @Test
  void badStateOptionsAreClearErrors() throws Exception {
    Path root = tree();
    assertThat(
            org.assertj.core.api.Assertions.catchThrowable(
                () -> ChangeSources.open("fs:" + root + "?state=" + tmp.resolve("no/such/dir/x.state"))))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("option 'state'")
        .hasMessageContaining("does not exist");
    assertThat(
            org.assertj.core.api.Assertions.catchThrowable(
                () -> ChangeSources.open("poll:" + root + "?state=" + tmp.resolve("x.state") + "&checkpoint=1ms")))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("option 'checkpoint' = '1ms'");
    assertThat(ChangeSources.open("fs:" + root + "?state=" + tmp.resolve("x.state")).delivery())
        .isEqualTo(io.changeflux.Delivery.PULL);
    assertThat(ChangeSources.open("fs:" + root).delivery()).isEqualTo(io.changeflux.Delivery.PUSH);
    java.util.Properties props = new java.util.Properties();
    props.setProperty("app.source", "poll:" + root);
    props.setProperty("app.state", tmp.resolve("props.state").toString());
    props.setProperty("app.checkpoint", "250ms");
    assertThat(ChangeSources.open(props, "app.").delivery())
        .as("a properties file carries the same keys")
        .isEqualTo(io.changeflux.Delivery.PULL);
    assertThat(
            org.assertj.core.api.Assertions.catchThrowable(
                () -> ChangeSources.open("fs:" + root + "/a.txt?state=" + tmp.resolve("f.state"))))
        .isInstanceOf(ChangeSourceException.class)
        .hasMessageContaining("option 'state' is for directories");
  }
  @ParameterizedTest
  @ValueSource(strings = {"fs", "poll"})
  void aStateFileInsideTheWatchedRootIsRefusedNamingTheOptionInOneLine(String scheme) throws Exception {
    Path root = tree();
    Files.createDirectories(root.resolve("sub"));
    for (Path inside : new Path[] {root.resolve("x.state"), root.resolve("sub/x.state"), root.resolve("sub/../y.state")}) {
      assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> ChangeSources.open(uri(scheme, root, inside, ""))))
          .as(inside.toString())
          .isInstanceOfSatisfying(ChangeSourceException.class, e -> assertThat(e.option()).contains("state"))
          .hasMessageContaining("option 'state' names a file inside the watched root")
          .hasMessageNotContaining("\n");
    }
    // beside the root, even sharing its name as a prefix, is fine
    Path beside = root.resolveSibling(root.getFileName() + ".state");
    assertThat(ChangeSources.open(uri(scheme, root, beside, "")).delivery()).isEqualTo(io.changeflux.Delivery.PULL);
  }
}
