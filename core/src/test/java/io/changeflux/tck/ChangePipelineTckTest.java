package io.changeflux.tck;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangePipeline;
import io.changeflux.SourceOptions;
import java.io.IOException;
import java.util.List;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import reactor.core.publisher.Flux;

/**
 * The Reactive Streams TCK against {@link ChangePipeline#events} with every stage but debounce
 * (paths, confirm, dedup, acknowledge): every other upstream event is excluded by a glob, every
 * event carries an acknowledgement handle; every rule runs.
 */
public class ChangePipelineTckTest extends PublisherVerification<ChangeEvent> {

  static final ChangePipeline PIPELINE =
      ChangePipeline.of(SourceOptions.parse("mem:tck?exclude=target/**&confirm=sha256&dedup=1m"));

  public ChangePipelineTckTest() {
    super(TckSupport.env());
  }

  @Override
  public Publisher<ChangeEvent> createPublisher(long elements) {
    return PIPELINE.events(
        TckSupport.distinct(elements)
            .flatMapIterable(
                e -> List.of(ChangeEvent.of(e.kind(), "target/" + e.key()), e.toBuilder().onAck(() -> {}).build())));
  }

  @Override
  public Publisher<ChangeEvent> createFailedPublisher() {
    return PIPELINE.events(Flux.error(new IOException("tck")));
  }
}
