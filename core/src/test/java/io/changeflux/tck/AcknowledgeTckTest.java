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

/** The Reactive Streams TCK against {@link ChangeOps#acknowledge}, with events that carry acknowledgement handles (every rule runs). */
public class AcknowledgeTckTest extends PublisherVerification<ChangeEvent> {

  public AcknowledgeTckTest() {
    super(TckSupport.env());
  }

  @Override
  public Publisher<ChangeEvent> createPublisher(long elements) {
    return TckSupport.distinct(elements)
        .map(e -> e.toBuilder().onAck(() -> {}).build())
        .transform(ChangeOps.acknowledge());
  }

  @Override
  public Publisher<ChangeEvent> createFailedPublisher() {
    return Flux.<ChangeEvent>error(new IOException("tck")).transform(ChangeOps.acknowledge());
  }
}
