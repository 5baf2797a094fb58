package io.changeflux.samples.cli;

import io.changeflux.ChangeSources;
import io.changeflux.OptionSpec;
import io.changeflux.spi.ChangeSourceProvider;
import java.util.List;

/** The installed schemes and their options as Markdown tables for the README, from the option specs (help text: {@link HelpText}). */
final class Schemes {

  private Schemes() {}

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
}
