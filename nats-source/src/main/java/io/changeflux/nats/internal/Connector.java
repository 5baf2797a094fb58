package io.changeflux.nats.internal;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Opens jnats connections for one {@link NatsConfig}: servers, reconnect policy, auth and TLS. */
public final class Connector {

  private static final Logger log = LoggerFactory.getLogger(Connector.class);
  private static final AtomicInteger IDS = new AtomicInteger();

  /** What a connection reports to its owner; every method may be called on a jnats thread. */
  public interface Hooks {
    /** The connection was lost; jnats is reconnecting. */
    default void disconnected() {}

    /** The connection is back and subscriptions are re-established. */
    default void reconnected() {}

    /** A subscription's client-side buffer was full and messages were dropped. */
    default void slowConsumer(Consumer consumer) {}

    /** The server reported an error ({@code -ERR}), such as a permissions violation. */
    default void serverError(String error) {}
  }

  private Connector() {}

  /**
   * Connects once (no retry of the first connection, so a wrong address or secret fails within
   * {@code connectTimeout}); after that, jnats reconnects {@code maxReconnects} times (forever by
   * default), {@code reconnectWait} apart.
   *
   * @throws io.changeflux.ChangeSourceException naming the redacted URI and the cause
   */
  public static Connection connect(NatsConfig cfg, String role, Hooks events) {
    Options options;
    Errors errors = new Errors(cfg, events);
    try {
      options = options(cfg, role, events, errors);
    } catch (Exception e) {
      throw cfg.startFailure("cannot set up the connection", e);
    }
    try {
      return Nats.connect(options);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw cfg.startFailure("interrupted while connecting", e);
    } catch (Exception e) {
      // jnats says "Unable to connect"; the reason (refused, TLS handshake) went to the listener.
      Exception last = errors.last;
      String said = cfg.describe(e);
      if (last != null && last != e && said.startsWith("Unable to connect")) {
        throw cfg.startFailure("cannot connect: " + cfg.describe(last) + "; jnats", e);
      }
      throw cfg.startFailure("cannot connect", e);
    }
  }

  static Options options(NatsConfig cfg, String role, Hooks events, Errors errors) throws Exception {
    Duration wait = cfg.require(NatsConfig.RECONNECT_WAIT);
    Options.Builder b =
        new Options.Builder()
            .servers(cfg.servers().toArray(new String[0]))
            .connectionName("changeflux-" + role + "-" + IDS.incrementAndGet())
            .maxReconnects(cfg.require(NatsConfig.MAX_RECONNECTS))
            .reconnectWait(wait)
            .reconnectJitter(Duration.ofMillis(Math.min(100, wait.toMillis() / 4)))
            .reconnectJitterTls(Duration.ofMillis(Math.min(1000, wait.toMillis() / 4)))
            .connectionTimeout(cfg.require(NatsConfig.CONNECT_TIMEOUT))
            .pingInterval(cfg.require(NatsConfig.PING_INTERVAL))
            .maxPingsOut(2)
            .errorListener(errors)
            .connectionListener(new Lifecycle(cfg, events));
    if (cfg.user() != null) {
      b.userInfo(cfg.user().toCharArray(), cfg.password() == null ? new char[0] : cfg.password().toCharArray());
    } else if (cfg.token() != null) {
      b.token(cfg.token().toCharArray());
    }
    String creds = cfg.get(NatsConfig.CREDS);
    if (creds != null) {
      b.authHandler(Nats.credentials(creds));
    }
    if (cfg.tls()) {
      b.sslContext(
          Tls.context(cfg.get(NatsConfig.TLS_CA), cfg.get(NatsConfig.TLS_CERT), cfg.get(NatsConfig.TLS_KEY)));
    }
    return b.build();
  }

  private static final class Lifecycle implements ConnectionListener {
    private final NatsConfig cfg;
    private final Hooks events;
    private volatile boolean lost;
    private volatile boolean connected;

    Lifecycle(NatsConfig cfg, Hooks events) {
      this.cfg = cfg;
      this.events = events;
    }

    /** jnats 2.25 requires this one; it calls the four-argument one, which we override. */
    @Override
    @Deprecated
    public void connectionEvent(Connection conn, Events type) {
      handle(type);
    }

    @Override
    public void connectionEvent(Connection conn, Events type, Long time, String uriDetails) {
      handle(type);
    }

    private void handle(Events type) {
      switch (type) {
        case CONNECTED:
          connected = true;
          break;
        case DISCONNECTED:
          if (connected && !lost) {
            lost = true;
            log.warn("{}: connection lost, reconnecting", cfg.source());
            events.disconnected();
          }
          break;
        case RECONNECTED:
          if (lost) {
            lost = false;
            log.info("{}: reconnected", cfg.source());
            events.reconnected();
          }
          break;
        case CLOSED:
          log.debug("{}: connection closed", cfg.source());
          break;
        default:
          log.debug("{}: {}", cfg.source(), type);
      }
    }
  }

  static final class Errors implements ErrorListener {
    private final NatsConfig cfg;
    private final Hooks events;
    volatile @Nullable Exception last;

    Errors(NatsConfig cfg, Hooks events) {
      this.cfg = cfg;
      this.events = events;
    }

    @Override
    public void errorOccurred(Connection conn, String error) {
      log.warn("{}: server error: {}", cfg.source(), cfg.redact(error));
      events.serverError(error);
    }

    @Override
    public void exceptionOccurred(Connection conn, Exception exp) {
      last = exp;
      log.debug("{}: {}", cfg.source(), cfg.describe(exp));
    }

    @Override
    public void slowConsumerDetected(Connection conn, Consumer consumer) {
      log.warn("{}: slow consumer, the client buffer is full and messages are dropped", cfg.source());
      events.slowConsumer(consumer);
    }

    @Override
    public void heartbeatAlarm(
        Connection conn, JetStreamSubscription sub, long lastStreamSequence, long lastConsumerSequence) {
      log.debug("{}: missed JetStream idle heartbeats; pulling again", cfg.source());
    }
  }
}
