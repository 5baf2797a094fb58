package io.changeflux.nats.internal;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import java.util.List;

/** Stream set-up shared by the JetStream source and sink. */
public final class Streams {

  /** API error code of "stream not found". */
  static final int STREAM_NOT_FOUND = 10059;

  private Streams() {}

  /**
   * Makes sure {@code stream} exists: creates it (file storage, the configured duplicate window)
   * over {@code subjects}, or the configured subjects, when missing and {@code createStream=true}.
   */
  public static void ensure(JetStreamManagement jsm, NatsConfig cfg, String stream) throws Exception {
    List<String> subjects = cfg.subjects();
    try {
      jsm.getStreamInfo(stream);
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() != STREAM_NOT_FOUND) {
        throw e;
      }
      if (!cfg.require(NatsConfig.CREATE_STREAM)) {
        throw cfg.startFailure("no stream '" + stream + "' (and createStream=false)", e);
      }
      if (subjects.isEmpty()) {
        throw cfg.startFailure("no stream '" + stream + "'; give subjects=... to create it", e);
      }
      PullLoop.createStream(jsm, stream, subjects, cfg.require(NatsConfig.DUPLICATE_WINDOW));
    }
  }
}
