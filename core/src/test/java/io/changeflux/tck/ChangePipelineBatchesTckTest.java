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
 * The Reactive Streams TCK against {@link ChangePipeline#batches} with every stage (paths,
 * debounce of 1 ms, confirm per batch, dedup, acknowledge of batches). Batches merge whatever
 * arrives while downstream has no demand, so the upstream is fed in lock-step ({@link
 * TckSupport#lockStep}) to make each batch one event; every rule runs.
 */
public class ChangePipelineBatchesTckTest extends PublisherVerification<List<ChangeEvent>> {

  static final ChangePipeline PIPELINE =
      ChangePipeline.of(
          SourceOptions.parse("mem:tck?exclude=target/**&debounce=1ms&maxWait=5ms&confirm=sha256&dedup=1m"));

  public ChangePipelineBatchesTckTest() {
    super(TckSupport.env());
  }

  @Override
  public Publisher<List<ChangeEvent>> createPublisher(long elements) {
    return TckSupport.lockStep(elements, PIPELINE::batches);
  }

  @Override
  public Publisher<List<ChangeEvent>> createFailedPublisher() {
    return PIPELINE.batches(Flux.error(new IOException("tck")));
  }
}
