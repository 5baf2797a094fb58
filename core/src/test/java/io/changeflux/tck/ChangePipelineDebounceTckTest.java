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
 * The Reactive Streams TCK against {@link ChangePipeline#events} with every stage (paths,
 * debounce of 1 ms, confirm, dedup, acknowledge), debounced batches given one event at a time.
 * Debounce merges per key only, and every event has its own key, so the exact counts hold
 * however the events fall into batches; every rule runs.
 */
public class ChangePipelineDebounceTckTest extends PublisherVerification<ChangeEvent> {

  static final ChangePipeline PIPELINE =
      ChangePipeline.of(
          SourceOptions.parse("mem:tck?exclude=target/**&debounce=1ms&maxWait=5ms&confirm=sha256&dedup=1m"));

  public ChangePipelineDebounceTckTest() {
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
