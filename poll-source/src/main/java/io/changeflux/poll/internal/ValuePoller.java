package io.changeflux.poll.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeOps;
import io.changeflux.spi.Readiness;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** Polls a value on a dedicated thread and reports when its SHA-256 changes. */
public final class ValuePoller {

  private static final Logger log = LoggerFactory.getLogger(ValuePoller.class);

  private ValuePoller() {}

  /** The events of one value; see {@code PollSource.value}. */
  public static Flux<ChangeEvent> flux(String key, Callable<String> value, Duration interval) {
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
                    poll(st, sink, key, source, value);
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
    String sha;
    String lastError;
  }

  private static void poll(
      State st, FluxSink<ChangeEvent> sink, String key, String source, Callable<String> value) {
    String v;
    try {
      v = value.call();
    } catch (Exception e) {
      String msg = e.toString();
      if (!msg.equals(st.lastError)) {
        log.warn("{}: reading the value failed, will retry: {}", source, msg);
        st.lastError = msg;
      }
      if (!st.signalled) {
        st.signalled = true;
        Readiness.signal(sink.contextView());
      }
      return;
    }
    st.lastError = null;
    String sha = v == null ? null : Hashing.sha256(v);
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
