package io.changeflux;

import io.changeflux.spi.ChangeSourceProvider;
import io.changeflux.spi.Readiness;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.util.context.Context;

/**
 * Opens a {@link ChangeSource} from a URI, {@link SourceOptions} or a properties file, choosing the
 * backend by scheme among the {@link ChangeSourceProvider}s on the class path.
 *
 * <pre>{@code
 * ChangeSources.open("fs:/srv/data?debounce=200ms&confirm=sha256")
 *     .batches()
 *     .subscribe(batch -> rebuild(batch));
 * }</pre>
 *
 * <p>Options are validated here, eagerly: an unknown scheme lists the installed ones, an unknown
 * key suggests the nearest known key, a bad value names what is accepted. Nothing is opened until
 * subscription.
 */
public final class ChangeSources {

  private static final Logger log = LoggerFactory.getLogger(ChangeSources.class);

  private ChangeSources() {}

  /**
   * Opens the source a URI names, with the operators its options name.
   *
   * @param uri the source URI, such as {@code fs:/srv/data?debounce=200ms}
   * @return the source, not yet opened (nothing happens until a stream is subscribed)
   * @throws ChangeSourceException when the URI is malformed, its scheme is not installed or an
   *     option is unknown or bad; the message never shows a secret
   */
  public static ChangeSource open(String uri) {
    return open(SourceOptions.parse(uri));
  }

  /**
   * Opens the source a properties file names: {@code PREFIX + "source"} is the URI and the other
   * {@code PREFIX}-keys are its options.
   *
   * @param properties the properties to read; not null
   * @param prefix the key prefix, such as {@code "changeflux."}; empty or null for none
   * @return the source, not yet opened
   * @throws ChangeSourceException when the source key is missing or the options are bad
   */
  public static ChangeSource open(Properties properties, String prefix) {
    return open(SourceOptions.fromProperties(properties, prefix));
  }

  /**
   * Opens a source from options.
   *
   * @param options the scheme, target and options; validated here against the provider's specs
   * @return the source, not yet opened
   * @throws ChangeSourceException when the scheme is not installed or an option is unknown or bad
   */
  public static ChangeSource open(SourceOptions options) {
    ChangeSourceProvider provider = provider(options);
    SourceOptions valid = options.validate(options(provider));
    ChangeSource raw = provider.create(valid);
    return ChangePipeline.of(valid).apply(raw);
  }

  /**
   * The provider of the options' scheme, or an error that lists the installed schemes.
   *
   * @param options the options whose scheme to look up
   * @return the installed provider of that scheme
   * @throws ChangeSourceException when no installed provider handles the scheme
   */
  public static ChangeSourceProvider provider(SourceOptions options) {
    return provider(options.scheme())
        .orElseThrow(
            () ->
                new ChangeSourceException(
                    options.redacted()
                        + ": unknown scheme '"
                        + options.scheme()
                        + "'; installed schemes: "
                        + String.join(", ", schemes())));
  }

  /**
   * The provider of a scheme, if one is installed.
   *
   * @param scheme the lower-case scheme, such as {@code fs}
   * @return the provider, or empty when none is installed
   */
  public static Optional<ChangeSourceProvider> provider(String scheme) {
    for (ChangeSourceProvider p : providers()) {
      if (p.schemes().contains(scheme)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /**
   * Every installed provider, sorted by scheme.
   *
   * @return the providers {@link java.util.ServiceLoader} finds (one that fails to load is logged
   *     and skipped), in a new list
   */
  public static List<ChangeSourceProvider> providers() {
    List<ChangeSourceProvider> found = new ArrayList<>();
    ServiceLoader<ChangeSourceProvider> loader =
        ServiceLoader.load(ChangeSourceProvider.class, ChangeSourceProvider.class.getClassLoader());
    var it = loader.iterator();
    while (true) {
      try {
        if (!it.hasNext()) {
          break;
        }
        found.add(it.next());
      } catch (ServiceConfigurationError e) {
        log.warn("skipping a change source provider that failed to load: {}", e.getMessage());
      }
    }
    found.sort(Comparator.comparing(ChangeSourceProvider::scheme));
    return found;
  }

  /**
   * Every installed scheme, sorted.
   *
   * @return the schemes of every installed provider
   */
  public static List<String> schemes() {
    TreeSet<String> all = new TreeSet<>();
    providers().forEach(p -> all.addAll(p.schemes()));
    return List.copyOf(all);
  }

  /**
   * Every option a provider's URIs accept: its own, then the pipeline's.
   *
   * @param provider the provider
   * @return the provider's option specs followed by every {@link ChangePipeline#OPTIONS} entry it
   *     does not declare itself
   */
  public static List<OptionSpec<?>> options(ChangeSourceProvider provider) {
    List<OptionSpec<?>> all = new ArrayList<>(provider.options());
    for (OptionSpec<?> s : ChangePipeline.OPTIONS) {
      if (all.stream().noneMatch(o -> o.name().equals(s.name()))) {
        all.add(s);
      }
    }
    return all;
  }

  /**
   * A context that asks the source to run {@code callback} once it is established (watch
   * registered, subscription confirmed). Use with {@code events().contextWrite(onReady(...))}.
   *
   * @param callback run once per subscription, on the source's thread, when the source is ready; it
   *     should be quick and must not throw
   * @return a context modifier for {@link reactor.core.publisher.Flux#contextWrite}
   */
  public static Function<Context, Context> onReady(Runnable callback) {
    return ctx -> ctx.put(Readiness.KEY, callback);
  }

  /**
   * A context that hands {@code listener} what happens inside the subscription: its health
   * changes, reconnects, rescans, redeliveries. Use with {@code
   * events().contextWrite(observe(listener))}; with several, each is told. The source's {@link
   * ChangeSource#health()} is kept either way.
   *
   * @param listener what to tell; not null; called on the source's threads, so it must be quick and
   *     thread-safe
   * @return a context modifier for {@link reactor.core.publisher.Flux#contextWrite}
   */
  public static Function<Context, Context> observe(SourceListener listener) {
    java.util.Objects.requireNonNull(listener, "listener");
    return ctx -> {
      Object old = ctx.getOrDefault(SubscriptionTracker.LISTENER_KEY, null);
      SourceListener both = old instanceof SourceListener ? Listeners.both((SourceListener) old, listener) : listener;
      return ctx.put(SubscriptionTracker.LISTENER_KEY, both);
    };
  }
}
