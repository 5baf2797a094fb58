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

  /**
   * The events, one by one. Cold: each subscription opens its own watch or connection.
   *
   * @return a cold stream; it errors with a {@link ChangeSourceException} when the source cannot
   *     start or fails for good
   */
  Flux<ChangeEvent> events();

  /**
   * How this source delivers (see {@link Delivery}). Default {@link Delivery#PUSH}: a source that
   * sends regardless of demand, which {@link ChangeSources#open} coalesces. A source that reads
   * only on demand and attaches acknowledgement handles returns {@link Delivery#PULL}.
   *
   * @return the delivery mode; by default PUSH
   */
  default Delivery delivery() {
    return Delivery.PUSH;
  }

  /**
   * How {@code confirm=sha256} reads this source's content for an event. Default {@link
   * ShaResolvers#sha256()}: the file at the event's path (rooted where its key starts, following
   * no link), else the payload. A file source overrides it with its own root and link rule, so
   * that confirmation never reads what the source itself would not (a link out of the root, a
   * FIFO) and reads what it would (a link the user asked to follow).
   *
   * @return the resolver confirmation uses; by default {@link ShaResolvers#sha256()}
   */
  default ShaResolver contentSha() {
    return ShaResolvers.sha256();
  }

  /**
   * The health of this source's subscriptions: a current value and a {@link reactor.core.publisher.Flux}
   * of changes. Sources opened by {@link ChangeSources#open} track it for every backend; the
   * default, for a source made some other way, is {@link HealthMonitor#untracked} (always {@link
   * HealthState#STOPPED}).
   *
   * @return the health monitor; never null
   */
  default HealthMonitor health() {
    return HealthMonitor.untracked("unnamed source");
  }

  /**
   * The events in batches. A source configured with {@code debounce} emits one batch per quiet
   * period (see {@link ChangeOps#debounce}); otherwise every event is a batch of one.
   *
   * @return a cold stream of non-empty batches
   */
  default Flux<List<ChangeEvent>> batches() {
    return events().map(List::of);
  }
}
