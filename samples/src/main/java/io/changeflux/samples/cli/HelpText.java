package io.changeflux.samples.cli;

import io.changeflux.ChangePipeline;
import io.changeflux.ChangeSources;
import io.changeflux.OptionSpec;
import io.changeflux.spi.ChangeSourceProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine;

/**
 * Help text built from the option specs. It never goes through picocli's markup or format
 * strings (a spec's {@code @|} or {@code %} is printed as is): picocli gets it through a help
 * section renderer, whose result is printed verbatim.
 */
final class HelpText {

  /** Width when {@code COLUMNS} is not set (or not a number of at least 40). */
  static final int DEFAULT_WIDTH = 100;

  private HelpText() {}

  /** The usage width: {@code COLUMNS} from the environment when sensible, else {@link #DEFAULT_WIDTH}. */
  static int width() {
    String c = System.getenv("COLUMNS");
    try {
      int w = c == null ? DEFAULT_WIDTH : Integer.parseInt(c.trim());
      return Math.max(40, Math.min(w, 300));
    } catch (NumberFormatException e) {
      return DEFAULT_WIDTH;
    }
  }

  /** Installs the one-line scheme list as the footer of {@code cl} and its subcommands. */
  static void install(CommandLine cl) {
    CommandLine.IHelpSectionRenderer footer = help -> schemeLine(help.commandSpec().usageMessage().width());
    cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER, footer);
    for (CommandLine sub : cl.getSubcommands().values()) {
      sub.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER, footer);
    }
  }

  /** "Schemes: fs, file, ...", wrapped, and how to see one scheme's options. */
  static String schemeLine(int width) {
    List<String> names = new ArrayList<>();
    for (ChangeSourceProvider p : ChangeSources.providers()) {
      names.addAll(p.schemes().stream().sorted().toList());
    }
    StringBuilder sb = new StringBuilder("\n");
    for (String line : wrap("Schemes: " + String.join(", ", names) + ".", width, "")) {
      sb.append(line).append('\n');
    }
    for (String line : wrap("'changeflux help SCHEME' (or 'watch --help SCHEME') shows a scheme's URI and options.", width, "")) {
      sb.append(line).append('\n');
    }
    return sb.toString();
  }

  /** The provider of {@code name} ("fs", "fs:", "redis://..." or a URI), if installed. */
  static Optional<ChangeSourceProvider> provider(String name) {
    String scheme = name;
    int colon = scheme.indexOf(':');
    if (colon >= 0) {
      scheme = scheme.substring(0, colon);
    }
    String s = scheme.toLowerCase(Locale.ROOT);
    if (s.isEmpty()) {
      return Optional.empty();
    }
    return ChangeSources.providers().stream().filter(p -> p.schemes().contains(s) || p.scheme().equals(s)).findFirst();
  }

  /** One scheme's page: its URI form, description and options, then the pipeline options, as tables. */
  static String schemePage(ChangeSourceProvider p, int width) {
    StringBuilder sb = new StringBuilder();
    for (String line : wrap(p.usage(), width, "    ")) {
      sb.append(line).append('\n');
    }
    if (p.schemes().size() > 1) {
      sb.append("  schemes: ").append(String.join(", ", p.schemes().stream().sorted().toList())).append('\n');
    }
    for (String line : wrap(p.description(), width - 2, "")) {
      sb.append("  ").append(line).append('\n');
    }
    sb.append('\n');
    for (String line : wrap("Options (URI query keys, e.g. ?debounce=200ms, or --config file keys):", width, "")) {
      sb.append(line).append('\n');
    }
    table(sb, p.options(), width);
    sb.append("\nPipeline options (every scheme):\n");
    table(sb, ChangePipeline.OPTIONS, width);
    sb.append('\n');
    for (String line : wrap("Durations: 250ms, 5s, 2m, PT5S. Lists: a,b or the key repeated.", width, "")) {
      sb.append(line).append('\n');
    }
    return sb.toString();
  }

  /** The options as a table of option, type, default, description; every cell wraps inside its column. */
  static void table(StringBuilder sb, List<OptionSpec<?>> options, int width) {
    if (options.isEmpty()) {
      sb.append("  No options of its own.\n");
      return;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"option", "type", "default", "description"});
    for (OptionSpec<?> o : options) {
      String def = o.isRequired() ? "required" : o.defaultText() == null ? "-" : o.defaultText();
      rows.add(new String[] {o.name(), o.type(), def, o.description() + (o.isSensitive() ? " (secret: never printed)" : "")});
    }
    int indent = 2;
    int gap = 2;
    int[] w = new int[4];
    int[] cap = {22, 18, 16};
    for (String[] r : rows) {
      for (int i = 0; i < 3; i++) {
        w[i] = Math.max(w[i], Math.min(cap[i], r[i].length()));
      }
    }
    // Narrow terminals: shrink the first three columns (their cells wrap) so the row fits.
    int room = width - indent - 3 * gap - 20;
    while (w[0] + w[1] + w[2] > room && (w[0] > 6 || w[1] > 6 || w[2] > 6)) {
      int widest = w[0] >= w[1] && w[0] >= w[2] ? 0 : w[1] >= w[2] ? 1 : 2;
      w[widest]--;
    }
    w[3] = Math.max(20, width - indent - w[0] - w[1] - w[2] - 3 * gap);
    for (String[] r : rows) {
      List<List<String>> cells = new ArrayList<>();
      int lines = 0;
      for (int i = 0; i < 4; i++) {
        List<String> c = wrap(r[i], w[i], "");
        cells.add(c);
        lines = Math.max(lines, c.size());
      }
      for (int l = 0; l < lines; l++) {
        StringBuilder line = new StringBuilder(" ".repeat(indent));
        for (int i = 0; i < 4; i++) {
          String cell = l < cells.get(i).size() ? cells.get(i).get(l) : "";
          line.append(cell);
          if (i < 3) {
            line.append(" ".repeat(w[i] - cell.length() + gap));
          }
        }
        sb.append(line.toString().stripTrailing()).append('\n');
      }
    }
  }

  /**
   * Words of {@code text} in lines of at most {@code width} characters, continuation lines
   * starting with {@code continuation}; a word longer than a line is cut.
   */
  static List<String> wrap(String text, int width, String continuation) {
    List<String> out = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    String prefix = "";
    for (String word : text.strip().split("\\s+")) {
      if (word.isEmpty()) {
        continue;
      }
      while (true) {
        int room = width - (line.length() == 0 ? prefix.length() : line.length() + 1);
        if (word.length() <= room) {
          if (line.length() == 0) {
            line.append(prefix).append(word);
          } else {
            line.append(' ').append(word);
          }
          break;
        }
        if (line.length() > 0) {
          out.add(line.toString());
          line.setLength(0);
          prefix = continuation;
          continue;
        }
        int cut = Math.max(1, width - prefix.length());
        out.add(prefix + word.substring(0, cut));
        prefix = continuation;
        word = word.substring(cut);
      }
    }
    if (line.length() > 0 || out.isEmpty()) {
      out.add(line.toString());
    }
    return out;
  }
}
