package io.changeflux;

import static io.changeflux.ChangeKind.CREATED;
import static io.changeflux.ChangeKind.DELETED;
import static io.changeflux.ChangeKind.MODIFIED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

class ConfirmTest {

  @TempDir Path dir;

  final Sinks.Many<ChangeEvent> in = Sinks.many().multicast().onBackpressureBuffer(1024, false);
  final List<ChangeEvent> out = new CopyOnWriteArrayList<>();
  final AtomicReference<Throwable> error = new AtomicReference<>();
  Disposable subscription;
  int sentinels;

  @BeforeEach
  void subscribe() {
    subscription =
        in.asFlux()
            .transform(ChangeOps.confirm(ShaResolvers.fileSha256()))
            .subscribe(out::add, error::set);
  }

  @AfterEach
  void dispose() {
    subscription.dispose();
  }

  ChangeEvent event(ChangeKind kind, String name) {
    return ChangeEvent.builder(kind, name).path(dir.resolve(name)).build();
  }

  void send(ChangeKind kind, String name) {
    in.tryEmitNext(event(kind, name)).orThrow();
  }

  /** Waits until everything sent so far was decided (order is kept), then returns what came out for {@code name}. */
  List<ChangeEvent> settle(String name) {
    String marker = "sentinel-" + (++sentinels);
    in.tryEmitNext(ChangeEvent.of(DELETED, marker)).orThrow();
    await().atMost(Duration.ofSeconds(20)).until(() -> out.stream().anyMatch(e -> e.key().equals(marker)));
    assertThat(error.get()).isNull();
    List<ChangeEvent> got = new ArrayList<>();
    for (ChangeEvent e : out) {
      if (e.key().equals(name)) {
        got.add(e);
      }
    }
    out.removeIf(e -> e.key().equals(name) || e.key().equals(marker));
    return got;
  }

  static String sha256sum(Path file) throws Exception {
    Process p = new ProcessBuilder("sha256sum", file.toString()).redirectErrorStream(true).start();
    String line = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(line).isZero();
    return line.substring(0, 64);
  }

  /** A source's baseline header stands for the last id of a key confirm has not seen yet, and is removed. */
  @Test
  void theBaselineHeaderIsTheLastShaOfAnUnseenKeyAndNeverLeaves() throws Exception {
    Path f = dir.resolve("b.txt");
    Files.writeString(f, "at start\n");
    String atStart = sha256sum(f);
    in.tryEmitNext(event(MODIFIED, "b.txt").toBuilder().header(ChangeOps.BASELINE_SHA_HEADER, atStart).build()).orThrow();
    assertThat(settle("b.txt")).as("an identical rewrite of the content at start").isEmpty();

    Files.writeString(f, "new\n");
    in.tryEmitNext(
            event(MODIFIED, "b.txt").toBuilder().header(ChangeOps.BASELINE_SHA_HEADER, atStart).header("x", "y").build())
        .orThrow();
    List<ChangeEvent> changed = settle("b.txt");
    assertThat(changed).hasSize(1);
    assertThat(changed.get(0).sha()).contains(sha256sum(f));
    assertThat(changed.get(0).headers()).containsOnlyKeys("x");

    // Once seen, the key's own last id decides; a stale baseline header changes nothing.
    in.tryEmitNext(event(MODIFIED, "b.txt").toBuilder().header(ChangeOps.BASELINE_SHA_HEADER, atStart).build()).orThrow();
    assertThat(settle("b.txt")).isEmpty();
  }

  @Test
  void identicalRewriteOrTouchGivesNothingNewBytesGiveOneEventWithSha256sumsSha() throws Exception {
    Path f = dir.resolve("a.txt");
    Files.writeString(f, "hello\n");
    send(CREATED, "a.txt");
    List<ChangeEvent> first = settle("a.txt");
    assertThat(first).hasSize(1);
    assertThat(first.get(0).kind()).isEqualTo(CREATED);
    assertThat(first.get(0).sha()).contains(sha256sum(f));

    Files.writeString(f, "hello\n"); // same bytes again
    send(MODIFIED, "a.txt");
    Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(60))); // touch
    send(MODIFIED, "a.txt");
    send(MODIFIED, "a.txt");
    assertThat(settle("a.txt")).isEmpty();

    Files.writeString(f, "hello, world\n");
    send(MODIFIED, "a.txt");
    send(MODIFIED, "a.txt"); // the same new content seen twice: one event
    List<ChangeEvent> changed = settle("a.txt");
    assertThat(changed).hasSize(1);
    assertThat(changed.get(0).kind()).isEqualTo(MODIFIED);
    assertThat(changed.get(0).sha()).contains(sha256sum(f));
  }

  @Test
  void vanishedFileBecomesDeletedAndDeletedForgetsTheKey() throws Exception {
    Path f = dir.resolve("gone.txt");
    Files.writeString(f, "x");
    send(CREATED, "gone.txt");
    assertThat(settle("gone.txt")).hasSize(1);

    Files.delete(f);
    send(MODIFIED, "gone.txt"); // the file vanished between the event and the hash
    List<ChangeEvent> vanished = settle("gone.txt");
    assertThat(vanished).extracting(ChangeEvent::kind).containsExactly(DELETED);
    assertThat(vanished.get(0).sha()).isEmpty();

    Files.writeString(f, "x"); // the same content again: the key was forgotten, so it passes
    send(CREATED, "gone.txt");
    assertThat(settle("gone.txt")).extracting(ChangeEvent::kind).containsExactly(CREATED);

    send(DELETED, "gone.txt"); // DELETED always passes
    assertThat(settle("gone.txt")).extracting(ChangeEvent::kind).containsExactly(DELETED);
  }

  @Test
  void unreadableThingsPassUnconfirmedAndNeverErrorTheStream() throws Exception {
    Files.createDirectory(dir.resolve("sub"));
    send(CREATED, "sub"); // a directory has no content hash
    assertThat(settle("sub")).extracting(ChangeEvent::kind).containsExactly(CREATED);
    in.tryEmitNext(ChangeEvent.of(MODIFIED, "no-path")).orThrow();
    assertThat(settle("no-path")).hasSize(1).allSatisfy(e -> assertThat(e.sha()).isEmpty());
    in.tryEmitNext(ChangeEvent.overflow("/")).orThrow();
    assertThat(settle("/")).extracting(ChangeEvent::kind).containsExactly(ChangeKind.OVERFLOW);
    assertThat(error.get()).isNull();
  }

  @Test
  void aFailingResolverPassesEventsAndKeepsGoing() {
    ShaResolver flaky =
        e -> {
          if (e.key().startsWith("bad")) {
            throw new IOException("permission denied");
          }
          if (e.key().startsWith("boom")) {
            throw new IllegalStateException("resolver bug");
          }
          return "id";
        };
    List<ChangeEvent> got =
        Flux.just(ChangeEvent.of(MODIFIED, "bad"), ChangeEvent.of(MODIFIED, "boom"), ChangeEvent.of(MODIFIED, "ok"))
            .transform(ChangeOps.confirm(flaky))
            .collectList()
            .block(Duration.ofSeconds(20));
    assertThat(got).extracting(ChangeEvent::key).containsExactly("bad", "boom", "ok");
    assertThat(got.get(2).sha()).contains("id");
  }

  @Test
  void anyResolverPlugsInSuchAsBranchToCommitId() {
    java.util.Map<String, String> refs = new java.util.concurrent.ConcurrentHashMap<>();
    refs.put("main", "c0ffee");
    ShaResolver commits = ShaResolvers.byKey(refs::get);
    subscription.dispose();
    subscription =
        in.asFlux().transform(ChangeOps.confirm(commits)).subscribe(out::add, error::set);
    in.tryEmitNext(ChangeEvent.of(MODIFIED, "main")).orThrow();
    in.tryEmitNext(ChangeEvent.of(MODIFIED, "main")).orThrow(); // git gc rewrote packed-refs, same commit
    List<ChangeEvent> got = new ArrayList<>(settle("main"));
    refs.put("main", "beef42");
    in.tryEmitNext(ChangeEvent.of(MODIFIED, "main")).orThrow();
    got.addAll(settle("main"));
    refs.remove("main");
    in.tryEmitNext(ChangeEvent.of(MODIFIED, "main")).orThrow(); // branch deleted
    got.addAll(settle("main"));
    assertThat(got)
        .extracting(e -> e.kind() + " " + e.sha().orElse("-"))
        .containsExactly("MODIFIED c0ffee", "MODIFIED beef42", "DELETED -");
  }

  @Test
  void perKeyOrderHoldsWithConcurrentSlowResolutions() {
    ShaResolver slow =
        e -> {
          try {
            Thread.sleep(ThreadLocalRandom.current().nextInt(3));
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
          }
          return e.headers().get("v");
        };
    List<ChangeEvent> inEvents = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      inEvents.add(ChangeEvent.builder(MODIFIED, "k" + (i % 5)).header("v", "v" + i).build());
    }
    List<ChangeEvent> got =
        Flux.fromIterable(inEvents)
            .transform(ChangeOps.confirm(slow, 8, Schedulers.boundedElastic()))
            .collectList()
            .block(Duration.ofSeconds(60));
    assertThat(got).extracting(e -> e.headers().get("v"))
        .containsExactlyElementsOf(inEvents.stream().map(e -> e.headers().get("v")).collect(java.util.stream.Collectors.toList()));
    assertThat(got).allSatisfy(e -> assertThat(e.sha()).contains(e.headers().get("v")));
  }

  @Test
  void anUpstreamErrorStillDeliversWhatWasBeingResolved() {
    ShaResolver slow =
        e -> {
          try {
            Thread.sleep(50);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
          }
          return e.key();
        };
    reactor.test.StepVerifier.create(
            Flux.just(ChangeEvent.of(MODIFIED, "a"), ChangeEvent.of(MODIFIED, "b"))
                .concatWith(Flux.error(new IllegalStateException("source failed")))
                .transform(ChangeOps.confirm(slow)))
        .expectNextCount(2)
        .expectErrorMessage("source failed")
        .verify(Duration.ofSeconds(20));
    reactor.test.StepVerifier.create(
            Flux.just(List.of(ChangeEvent.of(MODIFIED, "a")))
                .concatWith(Flux.error(new IllegalStateException("source failed")))
                .transform(ChangeOps.confirmBatches(slow)))
        .expectNextCount(1)
        .expectErrorMessage("source failed")
        .verify(Duration.ofSeconds(20));
  }

  @Test
  void batchesAreConfirmedEventByEventAndEmptyBatchesVanish() throws Exception {
    Path f = dir.resolve("b.txt");
    Files.writeString(f, "1");
    ChangeEvent e = event(MODIFIED, "b.txt");
    List<List<ChangeEvent>> got =
        Flux.just(List.of(e), List.of(e), List.of(e, ChangeEvent.of(DELETED, "other")))
            .transform(ChangeOps.confirmBatches(ShaResolvers.fileSha256()))
            .collectList()
            .block(Duration.ofSeconds(20));
    assertThat(got).hasSize(2);
    assertThat(got.get(0).get(0).sha()).contains(sha256sum(f));
    assertThat(got.get(1)).extracting(ChangeEvent::key).containsExactly("other");
  }

  @Test
  void payloadShaForEventsWithoutAPath() throws Exception {
    ChangeEvent m = ChangeEvent.builder(MODIFIED, "ch").payload("v1".getBytes(StandardCharsets.UTF_8)).build();
    assertThat(ShaResolvers.sha256().resolve(m)).isEqualTo(ShaResolvers.sha256("v1".getBytes(StandardCharsets.UTF_8)));
    Path f = dir.resolve("p.bin");
    Files.write(f, "v1".getBytes(StandardCharsets.UTF_8));
    assertThat(ShaResolvers.sha256("v1".getBytes(StandardCharsets.UTF_8))).isEqualTo(sha256sum(f));
  }

  @Test
  void largeSparseFileStreamsThroughABoundedBuffer() throws Exception {
    Path big = dir.resolve("sparse.bin");
    try (RandomAccessFile raf = new RandomAccessFile(big.toFile(), "rw")) {
      raf.setLength(256L << 20); // 256 MiB of holes
      raf.seek(128L << 20);
      raf.write("middle".getBytes(StandardCharsets.UTF_8));
    }
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(tid);
    String sha = ShaResolvers.sha256(big);
    long allocated = threads.getThreadAllocatedBytes(tid) - before;
    assertThat(sha).isEqualTo(sha256sum(big));
    assertThat(allocated).as("bytes allocated while hashing 256 MiB").isLessThan(8L << 20);
  }
}
