package io.changeflux.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's option tables are generated from the providers' option specs. Regenerate with
 * {@code mvn -pl samples -am test -Dtest=ReadmeOptionsTest -Dreadme.update=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ReadmeOptionsTest {

  private static final String BEGIN = "<!-- options:begin -->\n";
  private static final String END = "<!-- options:end -->";

  @Test
  void readmeOptionTablesMatchTheOptionSpecs() throws Exception {
    Path readme = Path.of("..", "README.md");
    String text = Files.readString(readme, StandardCharsets.UTF_8);
    int b = text.indexOf(BEGIN);
    int e = text.indexOf(END);
    assertThat(b).as("README has the options:begin marker").isNotNegative();
    assertThat(e).as("README has the options:end marker").isGreaterThan(b);
    String generated = Schemes.markdown();
    if (Boolean.getBoolean("readme.update")) {
      text = text.substring(0, b + BEGIN.length()) + generated + text.substring(e);
      Files.writeString(readme, text, StandardCharsets.UTF_8);
    }
    String current = Files.readString(readme, StandardCharsets.UTF_8);
    assertThat(current.substring(current.indexOf(BEGIN) + BEGIN.length(), current.indexOf(END)))
        .as("README option tables (regenerate with -Dreadme.update=true, see this test's Javadoc)")
        .isEqualTo(generated);
  }
}
