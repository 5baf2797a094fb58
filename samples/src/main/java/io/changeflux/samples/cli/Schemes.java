package io.changeflux.samples.cli;

import io.changeflux.ChangeSources;
import io.changeflux.OptionSpec;
import io.changeflux.spi.ChangeSourceProvider;
import java.util.List;

/** The installed schemes and their options, as help text or a Markdown table, from the option specs. */
final class Schemes {

  private Schemes() {}

  /** Plain text for --help (newlines as \n; see {@link #forPicocli}). */
  static String help() {
    StringBuilder sb = new StringBuilder("\nInstalled schemes:\n");
    for (ChangeSourceProvider p : ChangeSources.providers()) {
      sb.append("\n  ").append(p.usage());
      if (p.schemes().size() > 1) {
        sb.append("  (schemes: ").append(String.join(", ", p.schemes().stream().sorted().toList())).append(')');
      }
      sb.append("\n    ").append(p.description()).append("\n");
      for (OptionSpec<?> o : p.options()) {
        sb.append(line(o));
      }
    }
    sb.append("\nEvery scheme also takes the pipeline options:\n");
    for (OptionSpec<?> o : io.changeflux.ChangePipeline.OPTIONS) {
      sb.append(line(o));
    }
    sb.append("\nDurations: 250ms, 5s, 2m, PT5S. Lists: a,b or the key repeated.\n");
    return sb.toString();
  }

  /** Text as picocli's format strings want it. */
  static String forPicocli(String text) {
    return text.replace("%", "%%").replace("\n", "%n");
  }

  /** One Markdown table per scheme, for the README. */
  static String markdown() {
    StringBuilder sb = new StringBuilder();
    for (ChangeSourceProvider p : ChangeSources.providers()) {
      sb.append("#### `").append(p.usage()).append("`\n\n").append(p.description()).append("\n\n");
      table(sb, p.options());
    }
    sb.append("#### Pipeline options (every scheme)\n\n");
    table(sb, io.changeflux.ChangePipeline.OPTIONS);
    return sb.toString();
  }

  private static void table(StringBuilder sb, List<OptionSpec<?>> options) {
    if (options.isEmpty()) {
      sb.append("No options of its own.\n\n");
      return;
    }
    sb.append("| option | type | default | description |\n|---|---|---|---|\n");
    for (OptionSpec<?> o : options) {
      sb.append("| `").append(o.name()).append("` | ").append(o.type().replace("|", "\\|")).append(" | ")
          .append(o.isRequired() ? "required" : o.defaultText() == null ? "—" : "`" + o.defaultText() + "`")
          .append(" | ").append(o.description().replace("|", "\\|").replace("*", "\\*"))
          .append(o.isSensitive() ? " (secret: never printed)" : "").append(" |\n");
    }
    sb.append('\n');
  }

  private static String line(OptionSpec<?> o) {
    String def = o.isRequired() ? "required" : o.defaultText() == null ? "" : "default " + o.defaultText();
    return String.format("      %-16s %s%s", o.name(), o.description(), def.isEmpty() ? "" : " (" + def + ")")
        + "\n";
  }
}
