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

/** The Reactive Streams TCK against {@link ChangeOps#debounce} with batches closed by size ({@code maxKeys = 1}). Debounce merges everything that arrives while downstream has no demand into the waiting batch, so an upstream that runs ahead would make fewer, larger batches than the TCK counts; the upstream is fed in lock-step instead ({@link TckSupport#lockStep}), one event per delivered batch, and every rule runs. */
public class DebounceTckTest extends PublisherVerification<List<ChangeEvent>> {

  public DebounceTckTest() {
    super(TckSupport.env());
  }

  @Override
  public Publisher<List<ChangeEvent>> createPublisher(long elements) {
    return TckSupport.lockStep(
        elements,
        up -> up.transform(ChangeOps.debounce(Duration.ofMinutes(1), Duration.ofMinutes(1), 1, Schedulers.parallel())));
  }

  @Override
  public Publisher<List<ChangeEvent>> createFailedPublisher() {
    return Flux.<ChangeEvent>error(new IOException("tck"))
        .transform(ChangeOps.debounce(Duration.ofMillis(1), Duration.ofMillis(1)));
  }
}
