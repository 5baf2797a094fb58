package io.changeflux.samples.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs an action on SIGINT and SIGTERM instead of the JVM's default exit status 130/143. */
final class Signals {

  private static final Logger log = LoggerFactory.getLogger(Signals.class);

  private Signals() {}

  @SuppressWarnings("restriction")
  static void onInterrupt(Runnable action) {
    for (String name : new String[] {"INT", "TERM"}) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), s -> action.run());
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        log.debug("cannot handle SIG{}: {}", name, e.toString());
      }
    }
  }
}
