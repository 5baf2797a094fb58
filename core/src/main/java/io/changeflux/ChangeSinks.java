package io.changeflux;

import io.changeflux.spi.ChangeSourceProvider;

/** Opens a {@link ChangeSink} from a URI of a backend that can publish (redis, nats). */
public final class ChangeSinks {

  private ChangeSinks() {}

  /** Opens the sink a URI names. */
  public static ChangeSink open(String uri) {
    return open(SourceOptions.parse(uri));
  }

  /** Opens a sink from options. */
  public static ChangeSink open(SourceOptions options) {
    ChangeSourceProvider provider = ChangeSources.provider(options);
    if (!provider.supportsSink()) {
      throw new ChangeSourceException(
          options.redacted()
              + ": scheme '"
              + options.scheme()
              + "' cannot publish; schemes that can: "
              + String.join(
                  ", ",
                  ChangeSources.providers().stream()
                      .filter(ChangeSourceProvider::supportsSink)
                      .flatMap(p -> p.schemes().stream())
                      .sorted()
                      .toArray(String[]::new)));
    }
    return provider.createSink(options.validate(ChangeSources.options(provider)));
  }
}
