package io.changeflux.nats;

import io.changeflux.ChangeSink;
import io.changeflux.ChangeSource;
import io.changeflux.OptionSpec;
import io.changeflux.SourceOptions;
import io.changeflux.nats.internal.CoreSession;
import io.changeflux.nats.internal.NatsConfig;
import io.changeflux.nats.internal.PullLoop;
import io.changeflux.spi.ChangeSourceProvider;
import java.util.List;
import java.util.Set;

/**
 * The {@code nats:} and {@code tls:} schemes: core NATS subjects (wildcards, queue groups) or a
 * JetStream durable pull consumer ({@code stream=S&durable=D}), and {@link NatsSink} to publish.
 * Found through {@link java.util.ServiceLoader}.
 */
public final class NatsProvider implements ChangeSourceProvider {

  @Override
  public String scheme() {
    return "nats";
  }

  @Override
  public Set<String> schemes() {
    return Set.of("nats", "tls");
  }

  @Override
  public String usage() {
    return "nats://[user:pass@|token@]host:port[,host:port...]?subjects=a.>,b.*[&queue=Q|&stream=S&durable=D]"
        + " (tls:// for TLS)";
  }

  @Override
  public String description() {
    return "NATS subjects (core pub/sub, queue groups) or a JetStream durable consumer; can publish";
  }

  @Override
  public List<OptionSpec<?>> options() {
    return NatsConfig.OPTIONS;
  }

  @Override
  public ChangeSource create(SourceOptions options) {
    NatsConfig cfg = NatsConfig.of(options).forSource();
    if (cfg.jetStream()) {
      return PullLoop.source(cfg);
    }
    return () -> CoreSession.events(cfg);
  }

  @Override
  public boolean supportsSink() {
    return true;
  }

  @Override
  public ChangeSink createSink(SourceOptions options) {
    return new NatsSink(NatsConfig.of(options).forSink());
  }
}
