package io.changeflux.fs.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSources;
import io.changeflux.internal.StateCodec;
import io.changeflux.state.StateEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.Disposable;

/** One subscription to a resumable source: its events, its error, and a clean stop. */
final class StateRun implements AutoCloseable {

  final List<ChangeEvent> events = new CopyOnWriteArrayList<>();
  final AtomicReference<Throwable> error = new AtomicReference<>();
  private final CountDownLatch ready = new CountDownLatch(1);
  private final Disposable subscription;

  StateRun(String uri) throws InterruptedException {
    subscription =
        ChangeSources.open(uri)
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(events::add, error::set);
    boolean up = ready.await(30, TimeUnit.SECONDS);
    assertThat(error.get()).as("error of " + uri).isNull();
    assertThat(up).as("ready: " + uri).isTrue();
  }

  /** The events but OVERFLOW, as "KIND key". */
  List<String> changes() {
    List<String> out = new ArrayList<>();
    for (ChangeEvent e : events) {
      if (e.kind() != ChangeKind.OVERFLOW) {
        out.add(e.kind() + " " + e.key());
      }
    }
    return out;
  }

  long overflows() {
    return events.stream().filter(e -> e.kind() == ChangeKind.OVERFLOW).count();
  }

  @Override
  public void close() {
    subscription.dispose();
  }

  /** The acknowledged entries of a state file (throws when it does not load). */
  static SortedMap<String, StateEntry> stored(Path stateFile, Path root) throws Exception {
    return StateCodec.decode(Files.readAllBytes(stateFile), "files", root.toAbsolutePath().normalize().toString());
  }

  /** The pending keys of a state file (empty when it does not load). */
  static java.util.SortedSet<String> storedPending(Path stateFile, Path root) {
    try {
      return StateCodec.decodeAll(Files.readAllBytes(stateFile), "files", root.toAbsolutePath().normalize().toString())
          .pending();
    } catch (Exception e) {
      return new java.util.TreeSet<>(java.util.Set.of("(unreadable)"));
    }
  }

  /** Whether the state file loads and holds exactly these keys. */
  static boolean storedKeysAre(Path stateFile, Path root, java.util.Set<String> keys) {
    try {
      return stored(stateFile, root).keySet().equals(keys);
    } catch (Exception e) {
      return false;
    }
  }
}
