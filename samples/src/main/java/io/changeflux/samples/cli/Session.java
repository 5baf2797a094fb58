package io.changeflux.samples.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import reactor.core.Disposable;

/**
 * What every long-running command shares: the one 'watching ...' line on stderr once the source is
 * up, a run-time error as one line and exit status 1, and exit 0 on SIGINT/SIGTERM or completion.
 */
final class Session {

  /**
   * System property: exit 0 right after the 'watching' line. bin/changeflux uses it to train its
   * class-data sharing archive, and the README's start-up figure is measured with it.
   */
  static final String EXIT_WHEN_READY = "changeflux.exitWhenReady";

  private final CountDownLatch done = new CountDownLatch(1);
  private final AtomicInteger status = new AtomicInteger();
  private final AtomicBoolean announced = new AtomicBoolean();
  private final boolean debug;

  Session(boolean debug) {
    this.debug = debug;
  }

  /** A readiness callback that prints {@code watching WHAT} on stderr, once. */
  Runnable announce(String what) {
    return announce(what, () -> { });
  }

  /** As {@link #announce(String)}, then runs {@code then} (once). */
  Runnable announce(String what, Runnable then) {
    return () -> {
      if (announced.compareAndSet(false, true)) {
        System.err.println("watching " + what);
        System.err.flush();
        then.run();
        if (Boolean.getBoolean(EXIT_WHEN_READY)) {
          finish();
        }
      }
    };
  }

  /** Ends the session with exit status 1 after printing the error as one line. */
  Consumer<Throwable> failure() {
    return error -> {
      System.err.println("changeflux: " + Main.oneLine(error));
      if (debug) {
        error.printStackTrace();
      }
      status.compareAndSet(0, Main.FAILURE);
      done.countDown();
    };
  }

  /** Ends the session with its current status (0 unless a failure came first). */
  void finish() {
    done.countDown();
  }

  /** Waits for SIGINT/SIGTERM, {@link #finish()} or a failure; then disposes {@code work}. */
  int await(Disposable work) throws InterruptedException {
    Signals.onInterrupt(done::countDown);
    done.await();
    work.dispose();
    return status.get();
  }
}
