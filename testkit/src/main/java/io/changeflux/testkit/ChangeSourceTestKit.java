package io.changeflux.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.changeflux.HealthState;
import io.changeflux.SourceHealth;
import io.changeflux.SourceListener;
import io.changeflux.SourceOptions;
import java.io.File;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;

/**
 * The contract every backend keeps, as {@code default @Test} methods (r2dbc-spi's TestKit is the
 * model). A backend's test class implements this interface and says how to make a working URI, a
 * failing URI and one change.
 */
public interface ChangeSourceTestKit {

  /**
   * A URI of a source that starts (the server runs, the directory exists).
   *
   * @return a URI whose source subscribes and signals ready within {@link #patience()}
   */
  String uri();

  /**
   * A URI whose source fails at start (nothing listening, no such path).
   *
   * @return a URI whose source errors (and turns DOWN) within {@link #patience()}
   */
  String failingUri();

  /**
   * A secret that {@link #failingUri()} or {@link #uri()} carries, which must never be printed; or
   * null.
   *
   * @return the secret, or null when the URIs carry none (then no redaction is checked)
   */
  default @Nullable String secret() {
    return null;
  }

  /**
   * Makes one change that a source of {@link #uri()} reports, with a key unique to {@code i};
   * returns that key as the source reports it.
   *
   * @param i a number unique within one test; the kit uses 1 up to a few thousand
   * @return the key the source reports for the change
   * @throws Exception when the change cannot be made; the test fails with it
   */
  String change(int i) throws Exception;

  /**
   * How long a source may take to report a change, or to release resources.
   *
   * @return the timeout of every wait; by default 20 seconds
   */
  default Duration patience() {
    return Duration.ofSeconds(20);
  }

  /**
   * Subscribes to {@code uri} and waits until the source says it is established.
   *
   * @param uri the source URI
   * @return the recorder of the subscription; dispose {@link Recorder#disposable} when done
   * @throws InterruptedException when interrupted while waiting
   */
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

  /**
   * Two subscriptions to {@link #uri()} each open their own watch or connection and each see the
   * same change, with the source URI on every event.
   *
   * @throws Exception when {@link #change} fails or the wait for readiness is interrupted
   */
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

  /**
   * Opening a source twenty times leaves the thread count as it was (two threads of slack):
   * nothing is opened before subscription.
   *
   * @throws Exception when {@link #uri()} fails or the source cannot be opened
   */
  @Test
  default void nothingHappensBeforeSubscription() throws Exception {
    // open() validates and builds, but opens nothing: no thread, no descriptor.
    int threads = liveThreads();
    for (int i = 0; i < 20; i++) {
      ChangeSources.open(uri());
    }
    assertThat(liveThreads()).isLessThanOrEqualTo(threads + 2);
  }

  /**
   * Ten subscriptions, each cancelled after it saw a change, leave no thread and no file descriptor
   * behind (one thread and two descriptors of slack).
   *
   * @throws Exception when {@link #change} fails or the wait for readiness is interrupted
   */
  @Test
  default void cancelReleasesThreadsAndFileDescriptors() throws Exception {
    // Warm up once so that lazily created shared pools exist before the baseline.
    Recorder warm = subscribe(uri());
    String k0 = change(1000);
    await().atMost(patience()).untilAsserted(() -> assertThat(warm.keys()).contains(k0));
    warm.disposable.dispose();
    // The first cancel closes asynchronously: take the baseline once threads and descriptors
    // have stopped changing (the same counts four polls running), not after a guessed pause.
    long[] last = {-1, -1};
    int[] same = {0};
    await()
        .atMost(patience())
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              long t = liveThreads();
              long f = openFileDescriptors();
              same[0] = t == last[0] && f == last[1] ? same[0] + 1 : 0;
              last[0] = t;
              last[1] = f;
              return same[0] >= 3;
            });
    int threads = (int) last[0];
    long fds = last[1];
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

  /**
   * A source's health is STOPPED before subscription, STARTING first, UP at its readiness signal,
   * with the redacted URI, and STOPPED again after cancel.
   *
   * @throws Exception when the wait for readiness is interrupted
   */
  @Test
  default void healthIsStartingThenUpAtReadinessThenStoppedAtCancel() throws Exception {
    ChangeSource source = ChangeSources.open(uri());
    assertThat(source.health().current().state()).isEqualTo(HealthState.STOPPED);
    List<SourceHealth> seen = new CopyOnWriteArrayList<>();
    CountDownLatch ready = new CountDownLatch(1);
    SourceListener listener =
        new SourceListener() {
          @Override
          public void onHealth(SourceHealth h) {
            seen.add(h);
          }
        };
    Disposable d =
        source
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .contextWrite(ChangeSources.observe(listener))
            .subscribe(e -> {}, e -> {});
    try {
      assertThat(ready.await(patience().toMillis(), TimeUnit.MILLISECONDS)).isTrue();
      assertThat(seen).isNotEmpty();
      assertThat(seen.get(0).state()).isEqualTo(HealthState.STARTING);
      assertThat(source.health().current().state()).isEqualTo(HealthState.UP);
      assertThat(source.health().current().source()).isEqualTo(SourceOptions.parse(uri()).redacted());
    } finally {
      d.dispose();
    }
    assertThat(source.health().current().state()).isEqualTo(HealthState.STOPPED);
    assertThat(seen.get(seen.size() - 1).state()).isEqualTo(HealthState.STOPPED);
  }

  /**
   * A source that cannot start turns DOWN with a reason, and neither the reason nor the source name
   * shows {@link #secret()}.
   */
  @Test
  default void startupFailureIsDownWithTheRedactedCause() {
    ChangeSource source = ChangeSources.open(failingUri());
    Disposable d = source.events().subscribe(e -> {}, e -> {});
    try {
      await().atMost(patience()).until(() -> source.health().current().state() == HealthState.DOWN);
      SourceHealth h = source.health().current();
      assertThat(h.reason()).isNotEmpty();
      if (secret() != null) {
        assertThat(h.reason()).doesNotContain(secret());
        assertThat(h.source()).doesNotContain(secret());
      }
    } finally {
      d.dispose();
    }
    assertThat(source.health().current().state()).isEqualTo(HealthState.DOWN);
  }

  /**
   * A source that cannot start errors with a {@link ChangeSourceException} whose message names the
   * scheme and shows neither in it nor in its cause {@link #secret()}.
   */
  @Test
  default void startupFailureIsAChangeSourceExceptionNamingTheRedactedUri() {
    AtomicReference<Throwable> error = new AtomicReference<>();
    Disposable d = ChangeSources.open(failingUri()).events().subscribe(e -> {}, error::set);
    try {
      await().atMost(patience()).untilAsserted(() -> assertThat(error.get()).isNotNull());
      Throwable failure = java.util.Objects.requireNonNull(error.get()); // the await saw it
      assertThat(failure).isInstanceOf(ChangeSourceException.class);
      String redacted = SourceOptions.parse(failingUri()).toString();
      String scheme = SourceOptions.parse(failingUri()).scheme();
      assertThat(failure.getMessage()).contains(scheme + ":");
      assertThat(redacted).isNotNull();
      if (secret() != null) {
        assertThat(failure.getMessage()).doesNotContain(secret());
        assertThat(String.valueOf(failure.getCause())).doesNotContain(secret());
      }
    } finally {
      d.dispose();
    }
  }

  /**
   * A subscriber that requests nothing while 400 changes happen gets an OVERFLOW, not every change,
   * once it requests again: with {@code coalesce=16} the source's memory stays bounded.
   *
   * @throws Exception when {@link #change} fails or the wait for readiness is interrupted
   */
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

  /**
   * Threads alive in this JVM.
   *
   * @return the estimate of {@link Thread#activeCount()}
   */
  static int liveThreads() {
    return Thread.activeCount();
  }

  /**
   * Open file descriptors of this process (Linux), or 0 where that cannot be read.
   *
   * @return the number of entries of {@code /proc/self/fd}
   */
  static long openFileDescriptors() {
    String[] fds = new File("/proc/self/fd").list();
    return fds == null ? 0 : fds.length;
  }

  /** What one subscription received. */
  final class Recorder {
    /** Every event received, in order; safe to read while the subscription runs. */
    public final List<ChangeEvent> events = new CopyOnWriteArrayList<>();
    /** The error the stream ended with, or null while it has not failed. */
    public final AtomicReference<Throwable> error = new AtomicReference<>();
    /** The subscription; dispose it to cancel. */
    @SuppressWarnings("NullAway.Init") // set right after construction (subscribe(String)), before any use
    public Disposable disposable;

    /**
     * The keys of the events received so far, in order.
     *
     * @return a new list of the keys
     */
    public List<String> keys() {
      return events.stream().map(ChangeEvent::key).collect(java.util.stream.Collectors.toList());
    }
  }
}
