package io.changeflux.spring;

import io.changeflux.ChangeSource;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.changeflux.SourceOptions;
import java.util.Map;
import java.util.Properties;

/**
 * Opens the source {@code changeflux.sources.NAME} describes: {@code uri} plus option keys, read as
 * a properties file would be ({@link ChangeSources#open(Properties, String)}), with every error
 * naming the full property key and never a secret.
 */
final class ChangefluxSourceFactory {

  static final String PREFIX = "changeflux.sources.";

  private ChangefluxSourceFactory() {}

  static ManagedChangeSource open(String name, Map<String, String> keys) {
    String base = PREFIX + name + ".";
    String uri = keys == null ? null : keys.get("uri");
    if (uri == null || uri.isBlank()) {
      throw new ChangefluxConfigurationException(
          base + "uri: missing; every source needs a URI, e.g. " + base + "uri=fs:/srv/data", base + "uri");
    }
    Properties p = new Properties();
    p.setProperty("source", uri);
    for (Map.Entry<String, String> e : keys.entrySet()) {
      if (e.getKey().equals("uri")) {
        continue;
      }
      if (e.getKey().equals("source")) {
        throw new ChangefluxConfigurationException(
            base + "source: unknown key; the URI goes in " + base + "uri", base + "source");
      }
      p.setProperty(e.getKey(), e.getValue() == null ? "" : e.getValue());
    }
    try {
      SourceOptions options = SourceOptions.fromProperties(p, "");
      for (String key : p.stringPropertyNames()) {
        if (!key.equals("source") && SourceOptions.parse(uri).value(key).isPresent()) {
          throw new ChangefluxConfigurationException(
              base + key + ": given both here and in " + base + "uri; keep one", base + key);
        }
      }
      ChangeSource source = ChangeSources.open(options);
      return new ManagedChangeSource(name, source);
    } catch (ChangeSourceException e) {
      String key = e.option().map(o -> o.equals("source") ? "uri" : o).orElse("uri");
      throw new ChangefluxConfigurationException(base + key + ": " + e.getMessage(), base + key);
    }
  }
}
