package io.changeflux.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.ChangeSources;
import io.changeflux.spi.ChangeSourceProvider;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every help page, rendered at two widths: no picocli markup or format residue, no section twice,
 * no line over the width. {@code --help} of the root and of watch are also compared with snapshots
 * in src/test/resources/help (regenerate: -Dhelp.update=true).
 */
class HelpPagesTest {

  /** The pages: every command's --help, help COMMAND, help SCHEME, watch --help SCHEME. */
  static List<List<String>> pages() {
    List<List<String>> pages = new ArrayList<>();
    pages.add(List.of("--help"));
    pages.add(List.of("help"));
    for (String cmd : Main.commandLine(false).getSubcommands().keySet()) {
      pages.add(List.of(cmd, "--help"));
      pages.add(List.of("help", cmd));
    }
    for (ChangeSourceProvider p : ChangeSources.providers()) {
      for (String s : p.schemes()) {
        pages.add(List.of("help", s));
      }
      pages.add(List.of("watch", "--help", p.scheme()));
      pages.add(List.of("watch", "-h", p.scheme() + ":"));
    }
    return pages;
  }

  /** Renders a page in process at {@code width}; returns its lines. */
  static List<String> render(int width, List<String> args) {
    CommandLine cl = Main.commandLine(false);
    cl.setUsageHelpWidth(width);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    String[] a = args.toArray(String[]::new);
    String scheme = Main.schemeHelpRequest(a);
    int rc = scheme != null ? cl.execute("help", scheme) : cl.execute(a);
    assertThat(rc).as("%s exit status; stderr %s", args, err).isZero();
    assertThat(err.toString()).as("%s stderr", args).isEmpty();
    return List.of(out.toString().split("\n", -1));
  }

  /** The page has no markup residue, no repeated section and no line over {@code width}. */
  static void assertClean(String page, List<String> lines, int width) {
    String text = String.join("\n", lines);
    assertThat(text).as(page).isNotBlank().doesNotContain("\u001b[", "%n", "|@", "@|bold", "@|fg");
    // '@|' only where an option spec's own text has it (the nats URI form), never cut there.
    for (ChangeSourceProvider p : ChangeSources.providers()) {
      if (p.usage().contains("@|") && text.contains(p.usage().substring(0, p.usage().indexOf("@|")))) {
        String flat = text.replaceAll("\\s+", "");
        assertThat(flat).as(page + ": the URI form is printed whole").contains(p.usage().replaceAll("\\s+", ""));
      }
    }
    Set<String> headings = new HashSet<>();
    for (String l : lines) {
      assertThat(l.length()).as("%s: line over %d columns: %s", page, width, l).isLessThanOrEqualTo(width);
      if (!l.isBlank() && !Character.isWhitespace(l.charAt(0)) && l.endsWith(":")) {
        assertThat(headings.add(l)).as("%s: section '%s' twice", page, l).isTrue();
      }
    }
    assertThat(lines.stream().filter(l -> l.startsWith("Usage:") || l.startsWith("Schemes:")).count())
        .as(page + ": one Usage or one Schemes line")
        .isLessThanOrEqualTo(2);
    assertThat(lines.stream().filter(l -> l.startsWith("Schemes:")).count()).as(page).isLessThanOrEqualTo(1);
  }

  static void assertClean(String page, List<String> lines) {
    assertClean(page, lines, HelpText.DEFAULT_WIDTH);
  }

  @Test
  void everyHelpPageIsCleanAtEveryWidth() {
    for (int width : new int[] {HelpText.DEFAULT_WIDTH, 60}) {
      for (List<String> page : pages()) {
        assertClean(page + " at " + width, render(width, page), width);
      }
    }
  }

  @Test
  void commandHelpShowsItsOwnOptionsAndOneSchemeListNotEveryOption() {
    List<String> watch = render(100, List.of("watch", "--help"));
    String text = String.join("\n", watch);
    assertThat(text).contains("--json", "--exec", "--on-busy", "--stop-timeout", "Schemes: ", "fs", "redis", "changeflux help SCHEME");
    assertThat(text).doesNotContain("pollInterval", "maxReconnectDelay");
    assertThat(watch.size()).as("watch --help stays short").isLessThan(70);
  }

  @Test
  void schemePageShowsTheSchemesOptionsWithTheirDefaultsOnTheirRows() {
    List<String> fs = render(100, List.of("help", "fs"));
    assertThat(fs.get(0)).isEqualTo("fs:PATH");
    assertThat(fs).anySatisfy(l -> assertThat(l).contains("pollInterval").contains("2s"));
    assertThat(fs).anySatisfy(l -> assertThat(l).contains("coalesce").contains("10000"));
    assertThat(render(100, List.of("watch", "--help", "fs"))).isEqualTo(fs);
    assertThat(render(100, List.of("watch", "fs:", "-h"))).isEqualTo(fs);
    assertThat(render(100, List.of("watch", "fs:.", "--help")).get(0)).as("a whole URI: watch's own help").startsWith("Usage: changeflux watch");
    List<String> nats = render(100, List.of("help", "nats"));
    assertThat(String.join(" ", nats).replaceAll("\\s+", " ")).contains("nats://[user:pass@|token@]host:port");
    assertThat(String.join("\n", nats)).contains("schemes: nats, tls", "(secret: never printed)");
  }

  @Test
  void helpForAnUnknownTopicExitsTwoNamingCommandsAndSchemes() throws Exception {
    CliProcess p = CliProcess.run("help", "bogus");
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(p.err).singleElement().asString().contains("no command or scheme 'bogus'", "watch", "fs");
  }

  @Test
  void rootAndWatchHelpMatchTheirSnapshots() throws Exception {
    for (String name : new String[] {"root", "watch"}) {
      List<String> args = name.equals("root") ? List.of("--help") : List.of("watch", "--help");
      String text = String.join("\n", render(100, args));
      Path snapshot = Path.of("src/test/resources/help/" + name + ".txt");
      if (Boolean.getBoolean("help.update")) {
        Files.createDirectories(snapshot.getParent());
        Files.writeString(snapshot, text, StandardCharsets.UTF_8);
      }
      assertThat(text)
          .as("%s help (regenerate: mvn -pl samples -am test -Dtest=HelpPagesTest -Dhelp.update=true -Dsurefire.failIfNoSpecifiedTests=false)", name)
          .isEqualTo(Files.readString(snapshot, StandardCharsets.UTF_8));
    }
  }
}
