package io.changeflux.samples.cli;

import io.changeflux.ChangeSourceException;
import io.changeflux.SourceOptions;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code bin/changeflux}: the library's machinery from a shell.
 *
 * <p>Exit status: 0 after SIGINT/SIGTERM or {@code --count N} events; 2 for bad usage, a bad URI,
 * an unknown scheme or option, a bad value, or a missing path (one line on stderr naming the
 * culprit; {@code --debug} adds the stack trace); 1 for a failure at run time.
 */
@Command(
    name = "changeflux",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Watch anything that changes — files, polled values, Redis, NATS — as one stream of events.",
    subcommands = {
      WatchCommand.class,
      PublishCommand.class,
      RelayCommand.class,
      RunCommand.class,
      QueueCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

  /** Exit status for bad usage or configuration. */
  static final int USAGE = 2;

  /** Exit status for a failure at run time. */
  static final int FAILURE = 1;

  @Spec CommandSpec spec;

  /** Runs the CLI and exits with its status. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit status (for tests). */
  public static int run(String... args) {
    boolean debug = Arrays.asList(args).contains("--debug");
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", debug ? "debug" : "warn");
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");
    if (debug) {
      System.setProperty("org.slf4j.simpleLogger.log.io.netty", "info");
      System.setProperty("org.slf4j.simpleLogger.log.io.lettuce", "info");
    }
    int exec = Arrays.asList(args).indexOf("--exec");
    if (exec >= 0) {
      // Everything after --exec is the command and its own arguments, dashes included.
      WatchCommand.execTail = List.of(args).subList(exec + 1, args.length);
      args = Arrays.copyOfRange(args, 0, exec);
      if (WatchCommand.execTail.isEmpty()) {
        System.err.println("changeflux: --exec needs a command, e.g. --exec make test");
        return USAGE;
      }
    }
    return commandLine(debug).execute(args);
  }

  static CommandLine commandLine(boolean debug) {
    CommandLine cl = new CommandLine(new Main());
    cl.setUsageHelpWidth(130);
    String schemes = Schemes.forPicocli(Schemes.help());
    cl.getCommandSpec().usageMessage().footer(schemes);
    cl.getSubcommands().get("watch").getCommandSpec().usageMessage().footer(schemes);
    cl.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          PrintWriter err = commandLine.getErr();
          if (ex instanceof ChangeSourceException) {
            err.println("changeflux: " + SourceOptions.redact(ex.getMessage()));
          } else {
            err.println("changeflux: " + oneLine(ex));
          }
          if (debug) {
            ex.printStackTrace(err);
          }
          err.flush();
          return ex instanceof ChangeSourceException ? USAGE : FAILURE;
        });
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          PrintWriter err = ex.getCommandLine().getErr();
          err.println("changeflux: " + ex.getMessage());
          err.println("Try 'changeflux " + (ex.getCommandLine() == cl ? "" : ex.getCommandLine().getCommandName() + " ") + "--help'.");
          err.flush();
          return USAGE;
        });
    return cl;
  }

  /** A throwable as one safe line: its class when it has no message, secrets redacted. */
  static String oneLine(Throwable t) {
    String m = t.getMessage();
    String text = m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    return SourceOptions.redact(text.replace('\n', ' '));
  }

  /** A failure at run time (exit status 1), even when its cause is a {@link ChangeSourceException}. */
  static final class RunTimeFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RunTimeFailure(Throwable cause) {
      super(cause.getMessage(), cause);
    }
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"changeflux " + (v == null ? "(development build)" : v)};
    }
  }
}
