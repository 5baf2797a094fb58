package io.changeflux;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The idempotency key a sink publishes an event with (JetStream {@code Nats-Msg-Id}, the Redis
 * stream field {@code idem}), so that the broker stores a change once however often a relay that
 * crashed re-publishes it.
 *
 * <p>The key is 32 lowercase hex characters (the first 128 bits of a SHA-256), safe in any header
 * or field. It is computed from the event's {@link ChangeEvent#source() source}, {@link
 * ChangeEvent#key() key} and {@link ChangeEvent#kind() kind} and from what identifies this change
 * of that key, the first of:
 *
 * <ol>
 *   <li>the header {@value #ID} (a broker's message id: Redis stream entry id, JetStream stream
 *       sequence), which a broker keeps when it re-delivers a message; with the SHA and the
 *       payload;
 *   <li>the header {@value #VERSION} (fs and poll: the file's modification time and size; for
 *       DELETED, those of the file that went), which a source resuming from its {@code state=}
 *       file reports again for a change it had not seen acknowledged; with the SHA;
 *   <li>otherwise the SHA, the payload and the {@link ChangeEvent#time() time}: events of
 *       sources that never re-deliver (pub/sub, core NATS, webhooks) are told apart by when they
 *       were observed.
 * </ol>
 *
 * <p>So the same event re-delivered after a crash gets the same key, and a new change of the
 * same file (a new modification time) or a new message gets a new one. Not part of the key: the
 * time when {@code id} or {@code version} is present, {@link ChangeEvent#count()}, {@link
 * ChangeEvent#path()}, other headers and the acknowledgement handles. The fields are
 * length-prefixed UTF-8 (a string holding an unpaired surrogate, which UTF-8 cannot encode, goes in
 * as its UTF-16 code units under a marked length), so no two different inputs share their encoding.
 */
public final class IdempotencyKey {

  /** Header of a broker's message id, kept across re-deliveries. */
  public static final String ID = "id";

  /** Header of a file's version (modification time and size), kept across a resume. */
  public static final String VERSION = "version";

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private IdempotencyKey() {}

  /**
   * The idempotency key of {@code e}: 32 lowercase hex characters.
   *
   * @param e the event; not null
   * @return the key, the same for the same change seen again (a re-delivery, a resume)
   */
  public static String of(ChangeEvent e) {
    MessageDigest d;
    try {
      d = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException(ex);
    }
    field(d, e.source());
    field(d, e.key());
    field(d, e.kind().name());
    String id = e.headers().get(ID);
    String version = e.headers().get(VERSION);
    String sha = e.sha().orElse("");
    if (id != null) {
      d.update((byte) 'i');
      field(d, id);
      field(d, sha);
      payload(d, e);
    } else if (version != null) {
      d.update((byte) 'v');
      field(d, version);
      field(d, sha);
    } else {
      d.update((byte) 't');
      field(d, e.time().getEpochSecond() + "." + e.time().getNano());
      field(d, sha);
      payload(d, e);
    }
    byte[] digest = d.digest();
    char[] out = new char[32];
    for (int i = 0; i < 16; i++) {
      out[2 * i] = HEX[(digest[i] >> 4) & 0xf];
      out[2 * i + 1] = HEX[digest[i] & 0xf];
    }
    return new String(out);
  }

  private static void field(MessageDigest d, String s) {
    if (!hasLoneSurrogate(s)) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      length(d, b.length);
      d.update(b);
      return;
    }
    // UTF-8 cannot encode an unpaired surrogate (getBytes makes each one '?', so "a\uD800" and
    // "a\uD801" would share a key): such a string goes in as its UTF-16 code units, marked by the
    // length's top bit, which no UTF-8 length has
    length(d, 0x8000_0000 | s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      d.update((byte) (c >>> 8));
      d.update((byte) c);
    }
  }

  private static boolean hasLoneSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++; // a pair
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  private static void payload(MessageDigest d, ChangeEvent e) {
    byte[] p = e.payload();
    length(d, p.length);
    d.update(p);
  }

  private static void length(MessageDigest d, int n) {
    d.update((byte) (n >>> 24));
    d.update((byte) (n >>> 16));
    d.update((byte) (n >>> 8));
    d.update((byte) n);
  }
}
