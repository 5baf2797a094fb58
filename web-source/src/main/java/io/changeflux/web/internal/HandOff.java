package io.changeflux.web.internal;

import io.changeflux.ChangeEvent;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.FluxSink;

/**
 * The bounded hand-off between HTTP request handlers and the one subscriber of a webhook source.
 *
 * <p>A handler {@link #offer offers} an event and answers its request only when the returned
 * future completes: {@link Outcome#DELIVERED} once the subscriber's {@code onNext} received it (the
 * sender may then get 2xx), or {@link Outcome#REFUSED} when the hand-off already holds {@code
 * capacity} undelivered events, or when the handler {@link Ticket#withdraw withdrew} it because the
 * subscriber did not ask for it in time (the sender gets 503 and retries). Events leave the queue
 * only on the subscriber's demand, so a stalled consumer holds at most {@code capacity} events and
 * every event whose sender was told "accepted" has reached the subscriber: nothing accepted is
 * ever dropped.
 *
 * <p>Each entry is claimed exactly once, by the drain loop (then delivered) or by its handler (then
 * refused), with one compare-and-set; whoever takes an entry out of the queue decrements the count.
 */
public final class HandOff {

  /** What became of an offered event. */
  public enum Outcome {
    /** The subscriber received it. */
    DELIVERED,
    /** Not taken: full, withdrawn, or the subscription ended. */
    REFUSED
  }

  private static final int PENDING = 0;
  private static final int TAKEN = 1;
  private static final int WITHDRAWN = 2;

  private final int capacity;
  private final FluxSink<ChangeEvent> sink;
  private final ConcurrentLinkedQueue<Ticket> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final AtomicInteger wip = new AtomicInteger();
  private volatile boolean closed;

  /** A hand-off of at most {@code capacity} undelivered events into {@code sink}. */
  public HandOff(int capacity, FluxSink<ChangeEvent> sink) {
    this.capacity = capacity;
    this.sink = sink;
    sink.onRequest(n -> drain());
  }

  /** One offered event: its outcome, and the means to withdraw it while it still waits. */
  public final class Ticket {
    private final ChangeEvent event;
    private final AtomicInteger state = new AtomicInteger(PENDING);
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();

    private Ticket(ChangeEvent event) {
      this.event = event;
    }

    /** Completes with the outcome; never exceptionally. */
    public CompletableFuture<Outcome> outcome() {
      return outcome;
    }

    /**
     * Withdraws the event if the subscriber has not taken it yet (the future then completes with
     * REFUSED); returns false when it was already taken (the future completes with DELIVERED).
     */
    public boolean withdraw() {
      if (!state.compareAndSet(PENDING, WITHDRAWN)) {
        return false;
      }
      if (queue.remove(this)) {
        size.decrementAndGet();
      }
      outcome.complete(Outcome.REFUSED);
      return true;
    }
  }

  /** Offers an event; the ticket's outcome says whether the subscriber got it. */
  public Ticket offer(ChangeEvent event) {
    Ticket t = new Ticket(event);
    if (closed || size.incrementAndGet() > capacity) {
      if (!closed) {
        size.decrementAndGet();
      }
      t.state.set(WITHDRAWN);
      t.outcome.complete(Outcome.REFUSED);
      return t;
    }
    queue.offer(t);
    drain();
    if (closed) {
      t.withdraw();
    }
    return t;
  }

  /** Events offered and not yet delivered or withdrawn. */
  public int size() {
    return size.get();
  }

  /** Refuses everything still waiting and every later offer (the subscription ended). */
  public void close() {
    closed = true;
    Ticket t;
    while ((t = queue.peek()) != null) {
      t.withdraw();
      queue.remove(t);
    }
  }

  private void drain() {
    if (wip.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    do {
      while (!closed && sink.requestedFromDownstream() > 0) {
        Ticket t = queue.poll();
        if (t == null) {
          break;
        }
        size.decrementAndGet();
        if (!t.state.compareAndSet(PENDING, TAKEN)) {
          continue; // withdrawn between poll and claim; its handler answered 503
        }
        sink.next(t.event);
        t.outcome.complete(Outcome.DELIVERED);
      }
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }
}
