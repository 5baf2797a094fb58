package io.changeflux.web.internal;

import java.util.concurrent.atomic.AtomicLong;

/** Counts occurrences and says when one may be logged: the first, then at most once a minute. */
public final class OncePerMinute {

  private static final long MINUTE = 60_000_000_000L;

  private final AtomicLong total = new AtomicLong();
  private final AtomicLong lastLogged = new AtomicLong(Long.MIN_VALUE);

  /** Counts one; returns the total when this one should be logged, or -1 when not. */
  public long count(long nowNanos) {
    long n = total.incrementAndGet();
    long last = lastLogged.get();
    if ((last == Long.MIN_VALUE || nowNanos - last >= MINUTE) && lastLogged.compareAndSet(last, nowNanos)) {
      return n;
    }
    return -1;
  }

  /** How many were counted. */
  public long total() {
    return total.get();
  }
}
