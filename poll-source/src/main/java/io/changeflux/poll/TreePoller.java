package io.changeflux.poll;

import io.changeflux.ChangeEvent;
import io.changeflux.files.FileState;
import io.changeflux.poll.internal.DirectoryPoller;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The directory poller behind {@code poll:PATH}, for other source providers that fall back to
 * polling (the {@code fs:} backend does, where native watching cannot start or stops). Each poller
 * has its own thread, released by {@link #cancel()}.
 */
public interface TreePoller {

  /**
   * A poller; nothing runs until {@link #start}.
   *
   * @param emit receives every event, on the poller's thread
   * @param error receives a fatal error (the root is gone and not awaited), once
   * @param ready runs once the baseline scan is done
   * @param config what to poll, how often and how
   * @return the poller, not started
   */
  static TreePoller create(
      PollConfig config, Consumer<ChangeEvent> emit, Consumer<Throwable> error, Runnable ready) {
    return new DirectoryPoller(config, emit, error, ready);
  }

  /**
   * A poller whose events carry acknowledgement handles into {@code store} ({@code state=}; null:
   * none), and which reports a failing scan as DEGRADED to the subscription whose Reactor context
   * is {@code context} (see {@link io.changeflux.spi.HealthReport}); with {@code state=} and no
   * baseline at {@link #start}, it resumes from what the store loaded.
   *
   * @param config what to poll, how often and how
   * @param emit receives every event, on the poller's thread
   * @param error receives a fatal error (the root is gone and not awaited), once
   * @param ready runs once the baseline scan is done
   * @param store where acknowledged state is recorded, or null for none
   * @param context the subscription's Reactor context, for health reports
   * @return the poller, not started
   */
  static TreePoller create(
      PollConfig config,
      Consumer<ChangeEvent> emit,
      Consumer<Throwable> error,
      Runnable ready,
      io.changeflux.state.@org.jspecify.annotations.Nullable StateStore store,
      reactor.util.context.ContextView context) {
    return new DirectoryPoller(config, emit, error, ready, store, context);
  }

  /**
   * A poller as above that never enters the directories {@code prune} is true for and never lists
   * the entries {@code skip} is true for (given a key): what the caller's rules leave out, such as
   * {@code fs:}'s {@code gitignore=true} and {@code exclude=X/**}. Both are asked at every scan, so
   * a change of the rules takes effect at the next one: an entry newly left out is then reported
   * DELETED, one no longer left out CREATED.
   *
   * @param config what to poll, how often and how
   * @param emit receives every event, on the poller's thread
   * @param error receives a fatal error (the root is gone and not awaited), once
   * @param ready runs once the baseline scan is done
   * @param store where acknowledged state is recorded, or null for none
   * @param context the subscription's Reactor context, for health reports
   * @param prune given a directory's key, whether the scan leaves it out with everything below it
   * @param skip given an entry's key, whether the scan leaves it out
   * @return the poller, not started
   */
  static TreePoller create(
      PollConfig config,
      Consumer<ChangeEvent> emit,
      Consumer<Throwable> error,
      Runnable ready,
      io.changeflux.state.@org.jspecify.annotations.Nullable StateStore store,
      reactor.util.context.ContextView context,
      java.util.function.Predicate<String> prune,
      java.util.function.Predicate<String> skip) {
    return new DirectoryPoller(config, emit, error, ready, store, context, prune, skip, null);
  }

  /**
   * Starts polling. With a {@code baseline} (key → state another watcher already reported), the
   * first scan diffs against it at once; with null, the first scan is the baseline (reported as
   * CREATED when {@link PollConfig#initial()}).
   *
   * @param baseline the state already reported, by key, or null to scan a baseline first
   */
  void start(@Nullable Map<String, FileState> baseline);

  /** Stops polling and releases the thread. */
  void cancel();
}
