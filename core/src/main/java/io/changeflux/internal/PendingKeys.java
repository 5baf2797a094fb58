package io.changeflux.internal;

import java.util.function.IntSupplier;
import reactor.util.context.ContextView;

/**
 * How an operator that holds keys for the consumer in a merge table (coalesce, debounce) shows how
 * many it holds: when subscribed, it hands a reader of its table's size to the subscription's
 * tracker, found in the context under {@link #KEY} (core puts it there around a source's
 * pipeline). Nothing is pushed per event: the count is read when someone asks (a gauge, the lag
 * check), so an operator pays one context look-up per subscription and nothing when no one reads.
 */
public final class PendingKeys {

  /** The context key of the subscription's {@link Registry}. */
  public static final String KEY = "io.changeflux.pending";

  /** Takes the readers of the operators' table sizes (the subscription's tracker). */
  public interface Registry {

    /** An operator of this subscription holds {@code keys.getAsInt()} keys for the consumer. */
    void register(IntSupplier keys);
  }

  private PendingKeys() {}

  /** Hands {@code keys} to the registry in {@code context}, if there is one. */
  public static void register(ContextView context, IntSupplier keys) {
    Object r = context.getOrDefault(KEY, null);
    if (r instanceof Registry) {
      ((Registry) r).register(keys);
    }
  }
}
