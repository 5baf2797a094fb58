package io.changeflux.state;

import io.changeflux.ChangeEvent;
import io.changeflux.internal.Acks;
import io.changeflux.internal.Coalescer;
import reactor.core.publisher.Flux;

/**
 * How a resumable source hands its events on when {@code state=} is set.
 *
 * <p>Such a source reports {@link io.changeflux.Delivery#PULL}: its events carry acknowledgement
 * handles that advance the state file, so they must never be merged into an OVERFLOW by the
 * pipeline's {@code coalesce} bound and acknowledged with it (the state would then record files
 * the consumer never saw one by one — for a relay, changes lost on the far side). {@link #merged}
 * instead merges pending events per key, with the usual rules and every merged-in handle kept,
 * without a key bound: the keys pending are at most the files of the tree plus those deleted, the
 * memory the source's tree state already takes.
 */
public final class StateFlux {

  private StateFlux() {}

  /**
   * {@code pushed} (a source that sends regardless of demand) merged per key while downstream has
   * not asked, never turned into OVERFLOW; downstream's demand is honoured.
   *
   * @param pushed the source's raw events
   * @return the merged events; every acknowledgement handle of the merged parts is kept
   */
  public static Flux<ChangeEvent> merged(Flux<ChangeEvent> pushed) {
    // CREATED then DELETED stays a DELETED: the CREATED may re-deliver one a consumer (a relay's far
    // side) already has, and dropping the pair would leave it with a file that is gone.
    return Coalescer.apply(pushed, Integer.MAX_VALUE, true, Acks.KEY_BUDGET, Acks.BUDGET, true);
  }
}
