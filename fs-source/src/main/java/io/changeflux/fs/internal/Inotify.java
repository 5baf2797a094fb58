package io.changeflux.fs.internal;

import org.jspecify.annotations.Nullable;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import io.changeflux.files.internal.LinuxJna;
import java.nio.Buffer;

/**
 * The Linux system calls the native engine uses, bound through JNA's direct mapping ({@link
 * Native#register}): one JNI transition per call, no argument conversion beyond ints, longs and
 * direct buffers. Only touched when {@link #available()} is true.
 */
final class Inotify {

  static final int IN_MODIFY = 0x2;
  static final int IN_ATTRIB = 0x4;
  static final int IN_CLOSE_WRITE = 0x8;
  static final int IN_MOVED_FROM = 0x40;
  static final int IN_MOVED_TO = 0x80;
  static final int IN_CREATE = 0x100;
  static final int IN_DELETE = 0x200;
  static final int IN_DELETE_SELF = 0x400;
  static final int IN_MOVE_SELF = 0x800;
  static final int IN_UNMOUNT = 0x2000;
  static final int IN_Q_OVERFLOW = 0x4000;
  static final int IN_IGNORED = 0x8000;
  static final int IN_ONLYDIR = 0x01000000;
  static final int IN_DONT_FOLLOW = 0x02000000;
  static final int IN_EXCL_UNLINK = 0x04000000;
  static final int IN_ISDIR = 0x40000000;

  static final int IN_NONBLOCK = 0x800; // O_NONBLOCK
  static final int IN_CLOEXEC = 0x80000; // O_CLOEXEC
  static final int EFD_NONBLOCK = 0x800;
  static final int EFD_CLOEXEC = 0x80000;
  static final short POLLIN = 1;

  static final int EINTR = 4;
  static final int EAGAIN = 11;
  static final int EMFILE = 24;
  static final int ENFILE = 23;
  static final int ENOSPC = 28;

  private static final @Nullable Throwable UNAVAILABLE;

  static {
    Throwable why = null;
    String jna = LinuxJna.unavailableReason(); // also sets JNA's search path first
    if (jna != null) {
      why = new UnsupportedOperationException("inotify: " + jna);
    } else {
      try {
        // libc.so.6 by its soname: "c" would make JNA try libc.so (a linker script) and search
        Native.register(Inotify.class, com.sun.jna.Platform.C_LIBRARY_NAME);
      } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError: JNA cannot load here
        why = t;
      }
    }
    UNAVAILABLE = why;
  }

  private Inotify() {}

  /** Whether the calls below can be made; else {@link #unavailableReason()} says why. */
  static boolean available() {
    return UNAVAILABLE == null;
  }

  static @Nullable String unavailableReason() {
    return UNAVAILABLE == null ? null : String.valueOf(UNAVAILABLE.getMessage());
  }

  static native int inotify_init1(int flags) throws LastErrorException;

  /** {@code path}: the NUL-terminated bytes of the path. */
  static native int inotify_add_watch(int fd, byte[] path, int mask) throws LastErrorException;

  static native int inotify_rm_watch(int fd, int wd) throws LastErrorException;

  static native int eventfd(int initval, int flags) throws LastErrorException;

  /** {@code struct pollfd fds[nfds]} in a direct buffer. */
  static native int poll(Buffer fds, long nfds, int timeout) throws LastErrorException;

  static native long read(int fd, Buffer buf, long count) throws LastErrorException;

  static native long write(int fd, Buffer buf, long count) throws LastErrorException;

  static native int close(int fd) throws LastErrorException;
}
