package io.changeflux.internal;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The plumbing of an operator that passes every signal on, one for one, and only looks at them on
 * the way: it is downstream's {@link Subscription}, forwards {@code request} and {@code cancel}
 * upstream and takes downstream's context. Subclasses implement {@code onNext}, {@code onError} and
 * {@code onComplete}, and may add to {@link #cancel()} or give another {@link #currentContext()}.
 *
 * @param <T> the element type
 */
public abstract class PassThroughSubscriber<T> implements CoreSubscriber<T>, Subscription {

  /** The downstream subscriber. */
  protected final CoreSubscriber<? super T> actual;

  /** The upstream subscription, set once in {@link #onSubscribe}. */
  @SuppressWarnings("NullAway.Init") // set in onSubscribe, before downstream can request or cancel
  protected Subscription s;

  /**
   * A subscriber passing on to {@code actual}.
   *
   * @param actual the downstream subscriber
   */
  protected PassThroughSubscriber(CoreSubscriber<? super T> actual) {
    this.actual = actual;
  }

  @Override
  public Context currentContext() {
    return actual.currentContext();
  }

  @Override
  public final void onSubscribe(Subscription s) {
    if (Operators.validate(this.s, s)) {
      this.s = s;
      actual.onSubscribe(this);
    }
  }

  @Override
  public final void request(long n) {
    s.request(n);
  }

  @Override
  public void cancel() {
    s.cancel();
  }
}
