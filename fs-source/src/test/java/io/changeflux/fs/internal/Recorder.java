package io.changeflux.fs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.core.Disposable;

/**
 * The fs tests' recorder: subscribes to a URI, waits for ready, keeps every event, and disposes
 * the subscription after each test. Used as {@code @RegisterExtension final Recorder rec = new
 * Recorder();}.
 */
final class Recorder implements AfterEachCallback {

  private final List<ChangeEvent> events = new CopyOnWriteArrayList<>();
  private Disposable subscription;

  /** Subscribes to {@code uri} and waits until the source is ready. */
  void watch(String uri) throws InterruptedException {
    CountDownLatch ready = new CountDownLatch(1);
    subscription =
        ChangeSources.open(uri)
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(events::add);
    assertThat(ready.await(30, TimeUnit.SECONDS)).as("%s ready", uri).isTrue();
  }

  /** Disposes {@code d} after the test too (a subscription a test made itself). */
  void own(Disposable d) {
    subscription = d;
  }

  /** Every event so far (a live, thread-safe list). */
  List<ChangeEvent> events() {
    return events;
  }

  /** Waits until at least {@code n} events came. */
  void awaitEvents(int n) {
    await().atMost(Duration.ofSeconds(30)).until(() -> events.size() >= n);
  }

  /** Waits until some event of {@code key} came. */
  void awaitKey(String key) {
    await().atMost(Duration.ofSeconds(30)).until(() -> keys().contains(key));
  }

  /** Waits for the first event of {@code kind} for {@code key}, and returns it. */
  ChangeEvent awaitEvent(ChangeKind kind, String key) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> events.stream().anyMatch(e -> e.kind() == kind && e.key().equals(key)));
    return events.stream().filter(e -> e.kind() == kind && e.key().equals(key)).findFirst().orElseThrow();
  }

  /** The keys of the events so far, in arrival order, once each. */
  Set<String> keys() {
    return events.stream().map(ChangeEvent::key).collect(Collectors.toCollection(LinkedHashSet::new));
  }

  /** The kinds of the events so far. */
  List<ChangeKind> kinds() {
    return events.stream().map(ChangeEvent::kind).collect(Collectors.toList());
  }

  /** The kinds of the events of {@code key} so far. */
  List<ChangeKind> kinds(String key) {
    return events.stream().filter(e -> e.key().equals(key)).map(ChangeEvent::kind).collect(Collectors.toList());
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (subscription != null) {
      subscription.dispose();
      subscription = null;
    }
  }
}
