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

/** The Reactive Streams TCK against {@link ChangeOps#confirm}: resolutions run on {@code boundedElastic}, four at a time, and every other upstream event repeats its key's content and is dropped as unchanged (every rule runs). */
public class ConfirmTckTest extends PublisherVerification<ChangeEvent> {

  public ConfirmTckTest() {
    super(TckSupport.env());
  }

  @Override
  public Publisher<ChangeEvent> createPublisher(long elements) {
    return TckSupport.distinct(elements)
        .flatMapIterable(e -> List.of(e, e))
        .transform(ChangeOps.confirm(e -> e.key(), 4, Schedulers.boundedElastic()));
  }

  @Override
  public Publisher<ChangeEvent> createFailedPublisher() {
    return Flux.<ChangeEvent>error(new IOException("tck"))
        .transform(ChangeOps.confirm(e -> e.key(), 4, Schedulers.boundedElastic()));
  }
}
