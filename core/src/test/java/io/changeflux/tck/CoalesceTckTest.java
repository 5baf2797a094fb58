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

/** The Reactive Streams TCK against {@link ChangeOps#coalesce}: every event has its own key, so nothing merges and the exact counts hold; upstream events are all pending before the first request, so the merge-and-drain path is what is checked (every rule runs). */
public class CoalesceTckTest extends PublisherVerification<ChangeEvent> {

  public CoalesceTckTest() {
    super(TckSupport.env());
  }

  @Override
  public Publisher<ChangeEvent> createPublisher(long elements) {
    return TckSupport.distinct(elements).transform(ChangeOps.coalesce(10_000));
  }

  @Override
  public Publisher<ChangeEvent> createFailedPublisher() {
    return Flux.<ChangeEvent>error(new IOException("tck")).transform(ChangeOps.coalesce(10_000));
  }
}
