package io.changeflux.samples.cli;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code changeflux help [COMMAND|SCHEME]}: a command's usage, or one scheme's URI and options. */
@Command(
    name = "help",
    helpCommand = true,
    description = "Show a command's usage (help watch) or a scheme's URI and options (help fs).")
final class HelpCommand implements Callable<Integer> {

  @Parameters(arity = "0..1", paramLabel = "COMMAND|SCHEME", description = "a command (watch, run, ...) or a scheme (fs, redis, ...)")
  String topic;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    CommandLine root = spec.commandLine().getParent();
    PrintWriter out = spec.commandLine().getOut();
    if (topic == null) {
      root.usage(out);
      return 0;
    }
    CommandLine sub = root.getSubcommands().get(topic);
    if (sub != null) {
      sub.usage(out);
      return 0;
    }
    Optional<io.changeflux.spi.ChangeSourceProvider> p = HelpText.provider(topic);
    if (p.isPresent()) {
      out.print(HelpText.schemePage(p.get(), spec.usageMessage().width()));
      out.flush();
      return 0;
    }
    PrintWriter err = spec.commandLine().getErr();
    err.println("changeflux: no command or scheme '" + topic + "'; commands: "
        + String.join(", ", root.getSubcommands().keySet()) + "; "
        + HelpText.schemeLine(Integer.MAX_VALUE).strip().split("\n")[0].toLowerCase(java.util.Locale.ROOT));
    err.flush();
    return Main.USAGE;
  }
}
