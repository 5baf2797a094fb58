package io.changeflux.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.ChangeKind;
import io.changeflux.mem.InMemory;
import io.changeflux.mem.InMemoryChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * A consumer that takes 1 ms per event, fed far faster than that: memory stays bounded by {@code
 * coalesce} (pending events merge per key, then become one OVERFLOW), there is no
 * OutOfMemoryError (the suite runs with -Xmx512m), and the consumer ends in the right state after
 * the rescans OVERFLOW asks for.
 */
@Tag("reliability")
class SlowConsumerTest {

  /** The stated bound on live-heap growth while a slow consumer falls behind. */
  static final long HEAP_BOUND = 48L << 20;

  @TempDir Path tmp;

  @Test
  void aMillionPushedEventsIntoAOneMillisecondConsumerStayBoundedAndEndRight() throws Exception {
    int events = Rel.scaled(1_000_000, 50_000);
    int keys = 50_000;
    int coalesce = 2_000;
    InMemoryChannel channel = InMemory.channel("slow");
    Set<String> store = ConcurrentHashMap.newKeySet();
    FileModel model = new FileModel(tmp, () -> new HashSet<>(store));
    SlowConsumer consumer = new SlowConsumer(model);
    Scheduler thread = SlowConsumer.thread("slow-consumer");
    Disposable d = consumer.subscribe("mem:slow?coalesce=" + coalesce, thread);
    try {
      Random random = new Random(42);
      long t0 = System.nanoTime();
      for (int i = 0; i < events; i++) {
        String key = "k" + random.nextInt(keys);
        // the store changes first, so a rescan never sees less than what was announced
        if (random.nextInt(4) == 0) {
          store.remove(key);
          channel.emit(ChangeKind.DELETED, key);
        } else {
          channel.emit(store.add(key) ? ChangeKind.CREATED : ChangeKind.MODIFIED, key);
        }
        if (i % (events / 8) == 0) {
          consumer.sample();
        }
      }
      long produced = System.nanoTime() - t0;
      consumer.sample();
      long delivered = model.events.get();
      long drain = consumer.awaitConverged(() -> new HashSet<>(store), Duration.ofSeconds(120));
      Rel.report(
          "slow-consumer-mem",
          "%d events over %d keys pushed in %s into a 1 ms/event consumer (coalesce=%d): live heap"
              + " %s before, peak %s while it fell behind (growth %s, bound %s, %d samples);"
              + " %d delivered by the end of the push, %d in all, OVERFLOW %s, consumer rescans %d;"
              + " state right %s after the push",
          events, keys, Rel.seconds(produced), coalesce, Rel.mb(consumer.heapBefore),
          Rel.mb(consumer.heapPeak), Rel.mb(consumer.growth()), Rel.mb(HEAP_BOUND),
          consumer.samples, delivered, model.events.get(), model.overflows(),
          model.consumerRescans.get(), Rel.seconds(drain));
      assertThat(consumer.growth()).isLessThan(HEAP_BOUND);
      assertThat(model.overflows()).containsKey("coalesce");
      assertThat(model.events.get()).isLessThan(events / 10);
    } finally {
      d.dispose();
      thread.dispose();
      InMemory.clear();
    }
  }

  @Test
  void fileChangesIntoAOneMillisecondConsumerStayBoundedAndEndMatchingTheDisk() throws Exception {
    int ops = Rel.scaled(60_000, 3_000);
    int files = 5_000;
    int coalesce = 1_000;
    Path root = Files.createDirectory(tmp.resolve("slow"));
    FileModel model = new FileModel(root);
    SlowConsumer consumer = new SlowConsumer(model);
    Scheduler thread = SlowConsumer.thread("slow-consumer-fs");
    Disposable d = consumer.subscribe("fs:" + root + "?coalesce=" + coalesce, thread);
    try {
      Random random = new Random(7);
      long t0 = System.nanoTime();
      for (int i = 0; i < ops; i++) {
        Path f = root.resolve("f" + random.nextInt(files));
        if (random.nextInt(5) == 0) {
          Files.deleteIfExists(f);
        } else {
          Files.write(f, new byte[] {(byte) i}, java.nio.file.StandardOpenOption.CREATE,
              java.nio.file.StandardOpenOption.APPEND);
        }
        if (i % (ops / 8) == 0) {
          consumer.sample();
        }
      }
      long produced = System.nanoTime() - t0;
      consumer.sample();
      long drain = consumer.awaitConverged(() -> FileModel.scan(root), Duration.ofSeconds(120));
      Rel.report(
          "slow-consumer-fs",
          "%d file writes/deletes over %d names in %s into a 1 ms/event consumer (coalesce=%d):"
              + " live heap %s before, peak %s (growth %s, bound %s); %d events delivered,"
              + " OVERFLOW %s, consumer rescans %d; state equals the disk %s after the last write",
          ops, files, Rel.seconds(produced), coalesce, Rel.mb(consumer.heapBefore),
          Rel.mb(consumer.heapPeak), Rel.mb(consumer.growth()), Rel.mb(HEAP_BOUND),
          model.events.get(), model.overflows(), model.consumerRescans.get(), Rel.seconds(drain));
      assertThat(consumer.growth()).isLessThan(HEAP_BOUND);
      assertThat(model.overflows()).containsKey("coalesce");
    } finally {
      d.dispose();
      thread.dispose();
    }
  }
}
