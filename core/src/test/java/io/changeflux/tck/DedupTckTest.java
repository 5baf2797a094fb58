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

/** The Reactive Streams TCK against {@link ChangeOps#dedup}: every other upstream event repeats the one before it and is dropped, so the rules see the operator's filtering and exact counts of what it keeps (every rule runs). */
public class DedupTckTest extends PublisherVerification<ChangeEvent> {

  public DedupTckTest() {
    super(TckSupport.env());
  }

  @Override
  public Publisher<ChangeEvent> createPublisher(long elements) {
    return TckSupport.distinct(elements)
        .flatMapIterable(e -> List.of(e, e))
        .transform(ChangeOps.dedup(Duration.ofMinutes(1), 1_000, Schedulers.parallel()));
  }

  @Override
  public Publisher<ChangeEvent> createFailedPublisher() {
    return Flux.<ChangeEvent>error(new IOException("tck")).transform(ChangeOps.dedup(Duration.ofMinutes(1)));
  }
}
