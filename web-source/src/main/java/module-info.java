/**
 * The {@code webhook:} / {@code webhooks:} source (an HTTP server checking GitHub and Standard
 * Webhooks signatures) and the {@code http:} / {@code https:} source (a URL polled with
 * conditional GETs). The server, poller and verifiers ({@code io.changeflux.web.internal}) are not
 * exported.
 */
module io.changeflux.web {
  requires static org.jspecify;
  requires transitive io.changeflux.core;
  requires reactor.netty.core;
  requires reactor.netty.http;
  requires io.netty.buffer;
  requires io.netty.codec.http;
  requires io.netty.common;
  requires io.netty.transport;
  // reactor-netty-http is an automatic module, which declares no dependency: on the module path
  // nothing would resolve these two, which its server and client load at run time.
  requires io.netty.codec.http2;
  requires io.netty.resolver.dns;
  requires com.fasterxml.jackson.core;
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;

  exports io.changeflux.web;

  provides io.changeflux.spi.ChangeSourceProvider with
      io.changeflux.web.WebhookProvider,
      io.changeflux.web.HttpPollProvider;
}
