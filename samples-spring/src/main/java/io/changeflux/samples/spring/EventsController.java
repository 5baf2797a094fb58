package io.changeflux.samples.spring;

import io.changeflux.ChangeSource;
import io.changeflux.samples.json.EventJson;
import io.changeflux.spring.ManagedChangeSource;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Flux;

/** {@code GET /events?source=NAME}: the source's events, one SSE {@code change} event each. */
@RestController
class EventsController {

  private final Map<String, ManagedChangeSource> sources;

  EventsController(List<ManagedChangeSource> sources) {
    this.sources = sources.stream().collect(Collectors.toMap(ManagedChangeSource::name, s -> s));
  }

  @GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  Flux<ServerSentEvent<String>> events(@RequestParam(name = "source", defaultValue = "files") String name) {
    ChangeSource source = sources.get(name);
    if (source == null) {
      throw new ResponseStatusException(
          HttpStatus.NOT_FOUND, "no source '" + name + "'; sources: " + String.join(", ", sources.keySet()));
    }
    // a comment first, so a client knows the stream is open before the first change
    Flux<ServerSentEvent<String>> open = Flux.just(ServerSentEvent.<String>builder().comment("open").build());
    return open.concatWith(
        source.events().map(e -> ServerSentEvent.builder(EventJson.json(e)).event("change").build()));
  }
}
