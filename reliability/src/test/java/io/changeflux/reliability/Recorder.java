package io.changeflux.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.Disposable;

/** Records every event and the error of one subscription, opened ready. */
final class Recorder implements AutoCloseable {
  final List<ChangeEvent> events = new CopyOnWriteArrayList<>();
  final AtomicReference<Throwable> error = new AtomicReference<>();
  final Disposable disposable;

  Recorder(String uri) throws InterruptedException {
    CountDownLatch ready = new CountDownLatch(1);
    disposable =
        ChangeSources.open(uri)
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(events::add, error::set);
    assertThat(ready.await(60, TimeUnit.SECONDS)).as("ready: " + uri).isTrue();
  }

  List<String> keys(ChangeKind kind) {
    return events.stream().filter(e -> e.kind() == kind).map(ChangeEvent::key).toList();
  }

  long overflows() {
    return events.stream().filter(e -> e.kind() == ChangeKind.OVERFLOW).count();
  }

  @Override
  public void close() {
    disposable.dispose();
  }
}
