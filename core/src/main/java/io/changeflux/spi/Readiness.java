package io.changeflux.spi;

import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * How a source tells its subscriber that it is established (the watch registered, the
 * subscription confirmed): the subscriber puts a callback in the Reactor {@link Context} with
 * {@link io.changeflux.ChangeSources#onReady(Runnable)}, and the source calls {@link
 * #signal(ContextView)} once per subscription when it is ready.
 */
public final class Readiness {

  /** The context key of the callback. */
  public static final String KEY = "io.changeflux.ready";

  private Readiness() {}

  /**
   * Runs the subscriber's readiness callback, if it gave one.
   *
   * @param context the subscription's context; the callback runs on the calling thread
   */
  public static void signal(ContextView context) {
    context.<Runnable>getOrEmpty(KEY).ifPresent(Runnable::run);
  }
}
