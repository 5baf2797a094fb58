package io.changeflux.samples.cli;

import io.changeflux.ChangeSourceException;
import io.changeflux.samples.queue.QueueConsumer;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import reactor.core.Disposable;

/** {@code changeflux queue CONFIG_FILE}: a request-queue consumer. */
@Command(
    name = "queue",
    mixinStandardHelpOptions = true,
    description = {
      "Consume a request queue: a pending/ folder (fs: or poll:), a Redis Stream or a NATS JetStream,",
      "chosen by the source= line of CONFIG_FILE; handler= is the command that processes one request",
      "(request on stdin, REQUEST_KEY and REQUEST_FILE in its environment). Files move to processing/,",
      "then done/ or failed/ (with NAME.reason) beside pending/."
    })
final class QueueCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "CONFIG_FILE", description = "properties: source=URI, handler=COMMAND, and the source's option keys")
  Path config;

  @Option(names = "--debug", description = "log at debug level and show stack traces")
  boolean debug;

  @Override
  public Integer call() throws Exception {
    Properties p = SourceArgs.load(config);
    String handler = p.getProperty("handler");
    if (handler == null || handler.isBlank()) {
      throw new ChangeSourceException(config + ": missing handler=COMMAND (the command that processes one request)", "handler", null);
    }
    Path workDir = config.toAbsolutePath().getParent();
    QueueConsumer consumer = new QueueConsumer(p, QueueConsumer.command(handler, workDir));
    Session session = new Session(debug);
    Disposable d = consumer.start(session.announce(consumer.options().redacted()), session.failure());
    return session.await(d);
  }
}
