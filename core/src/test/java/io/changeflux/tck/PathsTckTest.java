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

/** The Reactive Streams TCK against {@link ChangeOps#paths}: every other upstream event is under an excluded glob and dropped (every rule runs). */
public class PathsTckTest extends PublisherVerification<ChangeEvent> {

  public PathsTckTest() {
    super(TckSupport.env());
  }

  @Override
  public Publisher<ChangeEvent> createPublisher(long elements) {
    return TckSupport.distinct(elements)
        .flatMapIterable(e -> List.of(ChangeEvent.of(e.kind(), "target/" + e.key()), e))
        .transform(ChangeOps.paths(List.of("k*", "target/**"), List.of("target/**")));
  }

  @Override
  public Publisher<ChangeEvent> createFailedPublisher() {
    return Flux.<ChangeEvent>error(new IOException("tck")).transform(ChangeOps.paths(List.of(), List.of()));
  }
}
