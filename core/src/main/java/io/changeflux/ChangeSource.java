package io.changeflux;

import java.util.List;
import reactor.core.publisher.Flux;

/**
 * A source of changes, as a cold {@link Flux}.
 *
 * <p>Every subscriber to {@link #events()} opens its own watch or subscription; cancel, complete
 * or error releases everything it opened (threads, inotify watches, connections). A start-up
 * failure (no such path, connection refused, authentication failed) is an {@code onError} with a
 * {@link ChangeSourceException} whose message names the redacted URI and the cause.
 *
 * <p>Sources made by {@link ChangeSources#open(String)} already apply the operators named in their
 * options ({@code debounce}, {@code confirm}, ...), see {@link ChangePipeline}.
 */
@FunctionalInterface
public interface ChangeSource {

  /** The events, one by one. Cold: each subscription opens its own watch or connection. */
  Flux<ChangeEvent> events();

  /**
   * The events in batches. A source configured with {@code debounce} emits one batch per quiet
   * period (see {@link ChangeOps#debounce}); otherwise every event is a batch of one.
   */
  default Flux<List<ChangeEvent>> batches() {
    return events().map(List::of);
  }
}
