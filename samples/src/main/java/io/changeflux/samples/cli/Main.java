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
      HelpCommand.class
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
    CommandLine cl = commandLine(debug);
    String page = schemeHelpRequest(args);
    if (page != null) {
      return cl.execute("help", page);
    }
    return cl.execute(args);
  }

  static CommandLine commandLine(boolean debug) {
    CommandLine cl = new CommandLine(new Main());
    cl.setUsageHelpWidth(HelpText.width());
    cl.setUsageHelpLongOptionsMaxWidth(24);
    HelpText.install(cl);
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
          err.println("changeflux: " + SourceOptions.redact(String.valueOf(ex.getMessage())));
          err.println("Try 'changeflux " + (ex.getCommandLine() == cl ? "" : ex.getCommandLine().getCommandName() + " ") + "--help'.");
          err.flush();
          return USAGE;
        });
    return cl;
  }

  /** {@code watch --help fs} (or {@code -h fs:}, either order): the scheme whose page to show instead of watch's usage, else null. */
  static String schemeHelpRequest(String[] args) {
    List<String> a = List.of(args);
    if (a.size() < 3 || !a.get(0).equals("watch") || !(a.contains("--help") || a.contains("-h"))) {
      return null;
    }
    for (String s : a.subList(1, a.size())) {
      // a bare scheme name (fs, fs:); a whole URI (fs:.) asks for watch's own help
      if (s.matches("[A-Za-z][A-Za-z0-9+.-]*:?") && HelpText.provider(s).isPresent()) {
        return s;
      }
    }
    return null;
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
