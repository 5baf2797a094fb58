package io.changeflux.mem;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSourceException;
import io.changeflux.OptionSpec;
import io.changeflux.SourceOptions;
import io.changeflux.spi.ChangeSourceProvider;
import io.changeflux.spi.Readiness;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/** The {@code mem:NAME} scheme: see {@link InMemory}. */
public final class MemProvider implements ChangeSourceProvider {

  @Override
  public String scheme() {
    return "mem";
  }

  @Override
  public String usage() {
    return "mem:NAME";
  }

  @Override
  public String description() {
    return "an in-memory channel that tests push events into (InMemory.channel(NAME).emit(...))";
  }

  @Override
  public List<OptionSpec<?>> options() {
    return List.of();
  }

  @Override
  public ChangeSource create(SourceOptions options) {
    String name = options.targetDecoded();
    if (name.isEmpty()) {
      throw new ChangeSourceException(options.redacted() + ": missing channel name; expected mem:NAME");
    }
    InMemoryChannel channel = InMemory.channel(name);
    String source = options.redacted();
    return () ->
        Flux.<ChangeEvent>create(
                sink -> {
                  String failure = channel.register(sink);
                  if (failure != null) {
                    sink.error(new ChangeSourceException(source + ": " + failure));
                  } else {
                    Readiness.signal(sink.contextView());
                  }
                },
                FluxSink.OverflowStrategy.BUFFER)
            // a push source: ChangeSources.open coalesces behind it
            .map(e -> e.source().isEmpty() ? e.toBuilder().source(source).build() : e);
  }
}
