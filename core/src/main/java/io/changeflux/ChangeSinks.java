package io.changeflux;

import io.changeflux.spi.ChangeSourceProvider;

/** Opens a {@link ChangeSink} from a URI of a backend that can publish (redis, nats). */
public final class ChangeSinks {

  private ChangeSinks() {}

  /**
   * Opens the sink a URI names.
   *
   * @param uri the sink URI, such as {@code redis://host/0?channel=events}
   * @return the sink; nothing is connected until it publishes
   * @throws ChangeSourceException when the URI is malformed, the scheme is not installed or cannot
   *     publish, or an option is bad
   */
  public static ChangeSink open(String uri) {
    return open(SourceOptions.parse(uri));
  }

  /**
   * Opens a sink from options.
   *
   * @param options the sink's scheme, target and options; validated here
   * @return the sink; nothing is connected until it publishes
   * @throws ChangeSourceException when the scheme is not installed or cannot publish, or an option
   *     is bad
   */
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
