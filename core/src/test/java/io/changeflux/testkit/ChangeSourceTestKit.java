package io.changeflux.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.changeflux.SourceOptions;
import java.io.File;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;

/**
 * The contract every backend keeps, as {@code default @Test} methods (r2dbc-spi's TestKit is the
 * model). A backend's test class implements this interface and says how to make a working URI, a
 * failing URI and one change.
 */
public interface ChangeSourceTestKit {

  /** A URI of a source that starts (the server runs, the directory exists). */
  String uri();

  /** A URI whose source fails at start (nothing listening, no such path). */
  String failingUri();

  /** A secret that {@link #failingUri()} or {@link #uri()} carries, which must never be printed; or null. */
  default String secret() {
    return null;
  }

  /**
   * Makes one change that a source of {@link #uri()} reports, with a key unique to {@code i};
   * returns that key as the source reports it.
   */
  String change(int i) throws Exception;

  /** How long a source may take to report a change, or to release resources. */
  default Duration patience() {
    return Duration.ofSeconds(20);
  }

  /** Subscribes to {@code uri} and waits until the source says it is established. */
  default Recorder subscribe(String uri) throws InterruptedException {
    Recorder r = new Recorder();
    CountDownLatch ready = new CountDownLatch(1);
    r.disposable =
        ChangeSources.open(uri)
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(r.events::add, r.error::set);
    if (!ready.await(patience().toMillis(), TimeUnit.MILLISECONDS)) {
      r.disposable.dispose();
      throw new AssertionError(
          "source never signalled ready: " + SourceOptions.redact(uri) + ", error " + r.error.get());
    }
    return r;
  }

  @Test
  default void eventsAreColdEachSubscriberSeesTheChange() throws Exception {
    Recorder a = subscribe(uri());
    Recorder b = subscribe(uri());
    try {
      String key = change(1);
      await().atMost(patience()).untilAsserted(() -> assertThat(a.keys()).contains(key));
      await().atMost(patience()).untilAsserted(() -> assertThat(b.keys()).contains(key));
      assertThat(a.error.get()).isNull();
      assertThat(a.events).allSatisfy(e -> assertThat(e.source()).isNotEmpty());
    } finally {
      a.disposable.dispose();
      b.disposable.dispose();
    }
  }

  @Test
  default void nothingHappensBeforeSubscription() throws Exception {
    // open() validates and builds, but opens nothing: no thread, no descriptor.
    int threads = liveThreads();
    for (int i = 0; i < 20; i++) {
      ChangeSources.open(uri());
    }
    assertThat(liveThreads()).isLessThanOrEqualTo(threads + 2);
  }

  @Test
  default void cancelReleasesThreadsAndFileDescriptors() throws Exception {
    // Warm up once so that lazily created shared pools exist before the baseline.
    Recorder warm = subscribe(uri());
    String k0 = change(1000);
    await().atMost(patience()).untilAsserted(() -> assertThat(warm.keys()).contains(k0));
    warm.disposable.dispose();
    Thread.sleep(200); // let the first cancel's asynchronous close settle before the baseline
    int threads = liveThreads();
    long fds = openFileDescriptors();
    for (int i = 0; i < 10; i++) {
      Recorder r = subscribe(uri());
      String k = change(1001 + i);
      await().atMost(patience()).untilAsserted(() -> assertThat(r.keys()).contains(k));
      r.disposable.dispose();
    }
    await()
        .atMost(patience())
        .untilAsserted(
            () -> {
              assertThat(liveThreads()).as("live threads").isLessThanOrEqualTo(threads + 1);
              assertThat(openFileDescriptors()).as("open fds").isLessThanOrEqualTo(fds + 2);
            });
  }

  @Test
  default void startupFailureIsAChangeSourceExceptionNamingTheRedactedUri() {
    AtomicReference<Throwable> error = new AtomicReference<>();
    Disposable d = ChangeSources.open(failingUri()).events().subscribe(e -> {}, error::set);
    try {
      await().atMost(patience()).untilAsserted(() -> assertThat(error.get()).isNotNull());
      assertThat(error.get()).isInstanceOf(ChangeSourceException.class);
      String redacted = SourceOptions.parse(failingUri()).toString();
      String scheme = SourceOptions.parse(failingUri()).scheme();
      assertThat(error.get().getMessage()).contains(scheme + ":");
      assertThat(redacted).isNotNull();
      if (secret() != null) {
        assertThat(error.get().getMessage()).doesNotContain(secret());
        assertThat(String.valueOf(error.get().getCause())).doesNotContain(secret());
      }
    } finally {
      d.dispose();
    }
  }

  @Test
  default void slowSubscriberGetsOverflowInsteadOfUnboundedMemory() throws Exception {
    int bound = 16;
    int changes = 400;
    List<ChangeEvent> got = new CopyOnWriteArrayList<>();
    CountDownLatch ready = new CountDownLatch(1);
    BaseSubscriber<ChangeEvent> slow =
        new BaseSubscriber<>() {
          @Override
          protected void hookOnSubscribe(org.reactivestreams.Subscription s) {
            // request nothing: a consumer that is stuck
          }

          @Override
          protected void hookOnNext(ChangeEvent e) {
            got.add(e);
          }
        };
    String uri = uri() + (uri().contains("?") ? "&" : "?") + "coalesce=" + bound;
    ChangeSources.open(uri)
        .events()
        .contextWrite(ChangeSources.onReady(ready::countDown))
        .subscribe(slow);
    try {
      assertThat(ready.await(patience().toMillis(), TimeUnit.MILLISECONDS)).isTrue();
      for (int i = 0; i < changes; i++) {
        change(2000 + i);
      }
      await()
          .atMost(patience())
          .pollInterval(Duration.ofMillis(100))
          .untilAsserted(
              () -> {
                slow.request(1);
                assertThat(got).extracting(ChangeEvent::kind).contains(ChangeKind.OVERFLOW);
              });
      // Everything the source saw while stuck fit in `bound` keys plus the OVERFLOW marker.
      assertThat(got.size()).isLessThan(changes / 2);
    } finally {
      slow.dispose();
    }
  }

  /** Threads alive in this JVM. */
  static int liveThreads() {
    return Thread.activeCount();
  }

  /** Open file descriptors of this process (Linux), or 0 where that cannot be read. */
  static long openFileDescriptors() {
    String[] fds = new File("/proc/self/fd").list();
    return fds == null ? 0 : fds.length;
  }

  /** What one subscription received. */
  final class Recorder {
    public final List<ChangeEvent> events = new CopyOnWriteArrayList<>();
    public final AtomicReference<Throwable> error = new AtomicReference<>();
    public Disposable disposable;

    public List<String> keys() {
      return events.stream().map(ChangeEvent::key).collect(java.util.stream.Collectors.toList());
    }
  }
}
