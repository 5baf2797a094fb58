package io.changeflux.poll.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeOps;
import io.changeflux.ChangeSourceException;
import io.changeflux.ShaResolvers;
import io.changeflux.spi.HealthReport;
import io.changeflux.spi.Readiness;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Polls a value on a dedicated thread and reports when its SHA-256 changes. An exception from the
 * value is logged (once per distinct message) and retried; an {@link Error} from it, or anything
 * the poller itself throws, ends the stream with a {@link ChangeSourceException} (never a silent
 * stop).
 */
public final class ValuePoller {

  private static final Logger log = LoggerFactory.getLogger(ValuePoller.class);

  private ValuePoller() {}

  /** The events of one value; see {@code PollSource.value}. */
  public static Flux<ChangeEvent> flux(String key, Callable<@Nullable String> value, Duration interval) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive, was " + interval);
    }
    String source = "poll:value:" + key;
    return Flux.<ChangeEvent>create(
            sink -> {
              Scheduler scheduler = Schedulers.newSingle("changeflux-poll-value", true);
              State st = new State();
              sink.onDispose(scheduler::dispose);
              long period = interval.toNanos();
              Runnable[] tick = new Runnable[1];
              tick[0] =
                  () -> {
                    long t0 = System.nanoTime();
                    try {
                      poll(st, sink, key, source, value);
                    } catch (Throwable t) { // an Error from the value, or a bug here
                      log.error("{}: value poller failed, ending the stream: {}", source, t.toString());
                      scheduler.dispose();
                      sink.error(new ChangeSourceException(source + ": value poller failed: " + t, t));
                      return;
                    }
                    // A call slower than the interval skips the ticks it overran: no backlog.
                    long delay = period - ((System.nanoTime() - t0) % period);
                    try {
                      scheduler.schedule(tick[0], delay, TimeUnit.NANOSECONDS);
                    } catch (java.util.concurrent.RejectedExecutionException cancelled) {
                      // disposed
                    }
                  };
              scheduler.schedule(tick[0]);
            },
            FluxSink.OverflowStrategy.BUFFER)
        .transform(ChangeOps.coalesce(16));
  }

  private static final class State {
    boolean signalled;
    boolean baseline = true;
    @Nullable String sha;
    @Nullable String lastError;
  }

  /** The DEGRADED reason while reading the value fails. */
  static final String READ_FAILING = "reading the value failing";

  private static void poll(
      State st, FluxSink<ChangeEvent> sink, String key, String source, Callable<@Nullable String> value) {
    String v;
    try {
      v = value.call();
    } catch (Exception e) {
      String msg = e.toString();
      if (!msg.equals(st.lastError)) {
        log.warn("{}: reading the value failed, will retry: {}", source, msg);
        st.lastError = msg;
      }
      HealthReport.degraded(sink.contextView(), READ_FAILING);
      if (!st.signalled) {
        st.signalled = true;
        Readiness.signal(sink.contextView());
      }
      return;
    }
    if (st.lastError != null) {
      HealthReport.recovered(sink.contextView(), READ_FAILING);
    }
    st.lastError = null;
    String sha = v == null ? null : ShaResolvers.sha256(v.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    if (st.baseline) {
      st.baseline = false;
      st.sha = sha;
      if (!st.signalled) {
        st.signalled = true;
        Readiness.signal(sink.contextView());
      }
      return;
    }
    if (!Objects.equals(sha, st.sha)) {
      st.sha = sha;
      ChangeEvent.Builder b =
          ChangeEvent.builder(sha == null ? ChangeKind.DELETED : ChangeKind.MODIFIED, key)
              .source(source);
      if (sha != null) {
        b.sha(sha);
      }
      sink.next(b.build());
    }
  }
}
