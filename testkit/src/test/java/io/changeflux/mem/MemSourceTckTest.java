package io.changeflux.mem;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSources;
import io.changeflux.tck.TckSupport;
import java.util.concurrent.atomic.AtomicLong;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * The Reactive Streams TCK against {@code events()} of {@code mem:}, opened through {@link
 * ChangeSources#open(String)} as a user would. The channel pushes every event as soon as the
 * source subscribed, before any request (a push source); the source holds them for its
 * subscriber, merged per key, and every event has its own key, so the exact counts hold. Finite
 * publishers end with {@link InMemoryChannel#complete()}; the one "unbounded" publisher (rule 3.17
 * asks for {@code Integer.MAX_VALUE} elements) keeps emitting from another thread until the
 * subscription is cancelled. Every rule runs.
 */
public class MemSourceTckTest extends PublisherVerification<ChangeEvent> {

  private static final AtomicLong CHANNELS = new AtomicLong();

  public MemSourceTckTest() {
    super(TckSupport.env());
  }

  @Override
  public Publisher<ChangeEvent> createPublisher(long elements) {
    String name = "tck-" + CHANNELS.incrementAndGet();
    Flux<ChangeEvent> events = ChangeSources.open("mem:" + name).events();
    InMemoryChannel channel = InMemory.channel(name);
    return subscriber -> {
      events.subscribe(subscriber); // registers with the channel before it returns
      if (elements <= TckSupport.UNBOUNDED) {
        for (long i = 0; i < elements; i++) {
          channel.emit(TckSupport.event(i));
        }
        channel.complete();
      } else {
        Schedulers.boundedElastic()
            .schedule(
                () -> {
                  for (long i = 0; channel.subscriberCount() > 0; i++) {
                    channel.emit(TckSupport.event(i));
                  }
                });
      }
    };
  }

  @Override
  public Publisher<ChangeEvent> createFailedPublisher() {
    String name = "tck-failing-" + CHANNELS.incrementAndGet();
    InMemory.channel(name).failSubscriptions("tck: cannot start");
    return ChangeSources.open("mem:" + name).events();
  }
}
