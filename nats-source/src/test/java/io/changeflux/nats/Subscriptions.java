package io.changeflux.nats;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import reactor.core.Disposable;

/** A subscription that records what a source emitted, for tests. */
final class Subscriptions implements AutoCloseable {

  final List<ChangeEvent> events = new CopyOnWriteArrayList<>();
  final AtomicReference<Throwable> error = new AtomicReference<>();
  Disposable disposable;

  /** Subscribes and waits until the source signals it is ready. */
  static Subscriptions subscribe(String uri) throws InterruptedException {
    return subscribe(uri, e -> {});
  }

  /** Subscribes, runs {@code each} on every event (on the emitting thread), waits until ready. */
  static Subscriptions subscribe(String uri, Consumer<ChangeEvent> each) throws InterruptedException {
    Subscriptions s = new Subscriptions();
    CountDownLatch ready = new CountDownLatch(1);
    s.disposable =
        ChangeSources.open(uri)
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(
                e -> {
                  each.accept(e);
                  s.events.add(e);
                },
                s.error::set);
    boolean ok = ready.await(20, TimeUnit.SECONDS);
    assertThat(ok).as("ready; error: %s", s.error.get()).isTrue();
    return s;
  }

  List<String> keys() {
    return events.stream().map(ChangeEvent::key).collect(Collectors.toList());
  }

  List<ChangeEvent> of(ChangeKind kind) {
    return events.stream().filter(e -> e.kind() == kind).collect(Collectors.toList());
  }

  List<String> payloads() {
    return events.stream()
        .filter(e -> e.kind() != ChangeKind.OVERFLOW)
        .map(e -> new String(e.payload(), java.nio.charset.StandardCharsets.UTF_8))
        .collect(Collectors.toList());
  }

  @Override
  public void close() {
    disposable.dispose();
  }
}
