package io.changeflux.web.internal;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Delivery ids seen within a window, in a bounded map: a sender's retry of a delivery that was
 * already accepted is recognised and answered without a second event. An id is reserved while its
 * request waits for the consumer and released when that request is refused, so the retry of a
 * refused delivery is accepted.
 */
public final class DeliveryIds {

  private final long windowNanos;
  private final int maxIds;
  private final Map<String, Long> seen = new LinkedHashMap<>();

  /** Remembers at most {@code maxIds} ids, each for {@code windowNanos}. */
  public DeliveryIds(long windowNanos, int maxIds) {
    this.windowNanos = windowNanos;
    this.maxIds = maxIds;
  }

  /** Reserves an id; false when it was seen (or is reserved) within the window. */
  public synchronized boolean reserve(String id, long nowNanos) {
    expire(nowNanos);
    Long t = seen.get(id);
    if (t != null) {
      return false;
    }
    seen.put(id, nowNanos);
    while (seen.size() > maxIds) {
      Iterator<String> it = seen.keySet().iterator();
      it.next();
      it.remove();
    }
    return true;
  }

  /** Forgets a reserved id (its request was refused; a retry must get through). */
  public synchronized void release(String id) {
    seen.remove(id);
  }

  private void expire(long nowNanos) {
    Iterator<Map.Entry<String, Long>> it = seen.entrySet().iterator();
    while (it.hasNext()) {
      if (nowNanos - it.next().getValue() > windowNanos) {
        it.remove();
      } else {
        break; // insertion order = time order
      }
    }
  }
}
