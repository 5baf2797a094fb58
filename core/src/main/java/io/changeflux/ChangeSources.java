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

  /** Opens the source a URI names, with the operators its options name. */
  public static ChangeSource open(String uri) {
    return open(SourceOptions.parse(uri));
  }

  /**
   * Opens the source a properties file names: {@code PREFIX + "source"} is the URI and the other
   * {@code PREFIX}-keys are its options.
   */
  public static ChangeSource open(Properties properties, String prefix) {
    return open(SourceOptions.fromProperties(properties, prefix));
  }

  /** Opens a source from options. */
  public static ChangeSource open(SourceOptions options) {
    ChangeSourceProvider provider = provider(options);
    SourceOptions valid = options.validate(options(provider));
    ChangeSource raw = provider.create(valid);
    return ChangePipeline.of(valid).apply(raw);
  }

  /** The provider of the options' scheme, or an error that lists the installed schemes. */
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

  /** The provider of a scheme, if one is installed. */
  public static Optional<ChangeSourceProvider> provider(String scheme) {
    for (ChangeSourceProvider p : providers()) {
      if (p.schemes().contains(scheme)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Every installed provider, sorted by scheme. */
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

  /** Every installed scheme, sorted. */
  public static List<String> schemes() {
    TreeSet<String> all = new TreeSet<>();
    providers().forEach(p -> all.addAll(p.schemes()));
    return List.copyOf(all);
  }

  /** Every option a provider's URIs accept: its own, then the pipeline's. */
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
   */
  public static Function<Context, Context> onReady(Runnable callback) {
    return ctx -> ctx.put(Readiness.KEY, callback);
  }
}
