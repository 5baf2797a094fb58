package io.changeflux.tck;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeOps;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/** The Reactive Streams TCK against {@link ChangeOps#debounce} with batches closed by the quiet period (1 ms, delivered on the timer's thread). As in {@link DebounceTckTest}, the upstream is fed in lock-step so that each batch is one event and the exact counts hold; every rule runs. */
public class DebounceQuietTckTest extends PublisherVerification<List<ChangeEvent>> {

  public DebounceQuietTckTest() {
    super(TckSupport.env());
  }

  @Override
  public Publisher<List<ChangeEvent>> createPublisher(long elements) {
    return TckSupport.lockStep(
        elements,
        up -> up.transform(ChangeOps.debounce(Duration.ofMillis(1), Duration.ofMillis(5), 10_000, Schedulers.parallel())));
  }

  @Override
  public Publisher<List<ChangeEvent>> createFailedPublisher() {
    return Flux.<ChangeEvent>error(new IOException("tck"))
        .transform(ChangeOps.debounce(Duration.ofMillis(1), Duration.ofMillis(1)));
  }
}
