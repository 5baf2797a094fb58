package io.changeflux.samples.cli;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSources;
import io.changeflux.SourceOptions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/** {@code changeflux watch URI}: prints every event of a source, one per line. */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    description = {
      "Print the events of a source, one per line on stdout.",
      "Once the source is established, prints 'watching URI' on stderr.",
      "Exit status: 0 on SIGINT/SIGTERM or after --count events; 2 for bad usage or configuration; 1 for a run-time failure."
    })
final class WatchCommand implements Callable<Integer> {

  @Parameters(index = "0", arity = "0..1", paramLabel = "URI", description = "the source, e.g. fs:. or 'redis://localhost:6379?channels=builds'")
  String uri;

  @Option(names = "--json", description = "one JSON object per line: time, source, kind, key, sha, payload, count, batch, headers")
  boolean json;

  @Option(names = "--count", paramLabel = "N", description = "exit 0 after N events")
  Long count;

  @Option(names = "--debug", description = "log at debug level and show stack traces")
  boolean debug;

  @Mixin SourceArgs source = new SourceArgs();

  @Option(
      names = "--exec",
      paramLabel = "CMD",
      description = {
        "run CMD [ARGS...] (everything after --exec) after each batch, never two at once; its environment has",
        "CHANGEFLUX_KEYS (changed keys, one per line) and CHANGEFLUX_OVERFLOW=1 when changes were lost.",
        "Changes during a run go into the next one. Default debounce 200ms, max-wait 5s. Events are not printed."
      })
  String execHelp;

  /** The command after --exec, split off by {@link Main#run} before picocli parses the rest. */
  static volatile List<String> execTail;

  @Override
  public Integer call() throws Exception {
    SourceOptions options = source.resolve(uri);
    List<String> exec = execTail;
    if (exec != null) {
      return ExecRunner.run(options, exec, debug);
    }
    ChangeSource src = ChangeSources.open(options);
    boolean batched = options.has("debounce");
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
    Session session = new Session(debug);
    AtomicLong printed = new AtomicLong();
    AtomicLong batchNo = new AtomicLong();
    Flux<List<ChangeEvent>> flux = batched ? src.batches() : src.events().map(List::of);
    Disposable subscription =
        flux.contextWrite(ChangeSources.onReady(session.announce(options.redacted())))
            .subscribe(
                batch -> {
                  Long b = batched ? batchNo.incrementAndGet() : null;
                  StringBuilder lines = new StringBuilder();
                  for (ChangeEvent e : batch) {
                    if (count != null && printed.get() >= count) {
                      break;
                    }
                    lines.append(json ? EventFormat.json(e, b) : EventFormat.text(e, b)).append('\n');
                    printed.incrementAndGet();
                  }
                  out.print(lines);
                  out.flush();
                  if (count != null && printed.get() >= count) {
                    session.finish();
                  }
                },
                session.failure(),
                session::finish);
    int status = session.await(subscription);
    out.flush();
    return status;
  }
}
