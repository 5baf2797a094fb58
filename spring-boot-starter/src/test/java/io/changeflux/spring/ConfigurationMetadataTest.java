package io.changeflux.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.changeflux.ChangePipeline;
import io.changeflux.ChangeSources;
import io.changeflux.OptionSpec;
import io.changeflux.spi.ChangeSourceProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The IDE hints for the keys of each {@code changeflux.sources.NAME} ({@code uri} and every option
 * of the pipeline and of the backends on this class path) are generated from the option specs;
 * the checked-in file must match. Regenerate with {@code -Dmetadata.update=true}.
 */
class ConfigurationMetadataTest {

  private static final Path FILE = Path.of("src/main/resources/META-INF/additional-spring-configuration-metadata.json");

  @Test
  void hintsListEveryOptionKey() throws Exception {
    Map<String, String> keys = new LinkedHashMap<>();
    keys.put("uri", "the source URI, e.g. fs:/srv/data or redis://host?channels=a");
    for (OptionSpec<?> s : ChangePipeline.OPTIONS) {
      keys.putIfAbsent(s.name(), s.description() + " (every scheme)");
    }
    for (ChangeSourceProvider p : ChangeSources.providers()) {
      for (OptionSpec<?> s : p.options()) {
        keys.putIfAbsent(s.name(), s.description() + " (" + p.scheme() + ")");
      }
    }
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = json.createObjectNode();
    ArrayNode hints = root.putArray("hints");
    ObjectNode h = hints.addObject().put("name", "changeflux.sources.values.keys");
    ArrayNode values = h.putArray("values");
    keys.forEach((k, d) -> values.addObject().put("value", k).put("description", d));
    String expected = json.writeValueAsString(root) + "\n";
    if (Boolean.getBoolean("metadata.update")) {
      Files.writeString(FILE, expected, StandardCharsets.UTF_8);
    }
    assertThat(Files.readString(FILE, StandardCharsets.UTF_8))
        .as("%s (regenerate with -Dmetadata.update=true)", FILE)
        .isEqualTo(expected);
  }
}
