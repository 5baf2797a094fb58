package io.changeflux.internal;

import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Operators;

/**
 * Runs an action on each element after downstream's {@code onNext} returned for it: the element
 * has been handed over. Used to acknowledge at-least-once events. An element during whose {@code
 * onNext} downstream cancelled (an operator failed on it, or {@code take(n)} ended) is not
 * acknowledged: an at-least-once broker may redeliver it, which is safe, where acknowledging a
 * failed element would lose it.
 *
 * @param <T> the element type
 */
public final class Acknowledger<T> extends FluxOperator<T, T> {

  private final Consumer<? super T> after;

  private Acknowledger(Flux<T> source, Consumer<? super T> after) {
    super(source);
    this.after = after;
  }

  /** Applies {@code after} to every element once downstream took it. */
  public static <T> Flux<T> apply(Flux<T> source, Consumer<? super T> after) {
    return new Acknowledger<>(source, after);
  }

  @Override
  public void subscribe(CoreSubscriber<? super T> actual) {
    source.subscribe(new AckSubscriber<>(actual, after));
  }

  @Override
  @SuppressWarnings("rawtypes") // reactor-core declares it raw
  public @Nullable Object scanUnsafe(Scannable.Attr key) {
    if (key == Scannable.Attr.RUN_STYLE) {
      return Scannable.Attr.RunStyle.SYNC;
    }
    return super.scanUnsafe(key);
  }

  static final class AckSubscriber<T> extends PassThroughSubscriber<T> {
    final Consumer<? super T> after;
    boolean done;
    volatile boolean cancelled;

    AckSubscriber(CoreSubscriber<? super T> actual, Consumer<? super T> after) {
      super(actual);
      this.after = after;
    }

    @Override
    public void onNext(T t) {
      if (done) {
        Operators.onNextDropped(t, actual.currentContext());
        return;
      }
      actual.onNext(t);
      if (!cancelled) {
        after.accept(t); // never throws: the actions log their own failures
      }
    }

    @Override
    public void onError(Throwable t) {
      if (done) {
        Operators.onErrorDropped(t, actual.currentContext());
        return;
      }
      done = true;
      actual.onError(t);
    }

    @Override
    public void onComplete() {
      if (done) {
        return;
      }
      done = true;
      actual.onComplete();
    }

    @Override
    public void cancel() {
      cancelled = true;
      s.cancel();
    }
  }
}
