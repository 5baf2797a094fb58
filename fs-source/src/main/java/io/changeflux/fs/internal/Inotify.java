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

  /** {@code syscall(2)}: sched_getattr and sched_setattr have no libc wrapper. */
  static native long syscall(long number, long a, long b, long c, long d) throws LastErrorException;

  /** The slice {@link #shortSlice()} asks for: the least the kernel accepts (0.1 ms). */
  static final long READER_SLICE_NANOS = 100_000;

  private static final int SCHED_OTHER = 0;
  private static final int SCHED_ATTR_BYTES = 48; // SCHED_ATTR_SIZE_VER0
  private static final long SCHED_FLAG_RESET_ON_FORK = 0x01;

  /**
   * Asks the scheduler for a short time slice ({@link #READER_SLICE_NANOS}) for the calling thread,
   * the inotify reader: {@code sched_setattr} with {@code sched_runtime}, which Linux 6.12+ (EEVDF)
   * takes as the thread's slice (older kernels ignore it for {@code SCHED_OTHER}). Its weight (its
   * nice value, its share of the CPU) stays as it is; what changes is that, woken by an event on a
   * CPU busy with another thread (often the very writer whose create woke it), it gets an earlier
   * deadline and runs at once instead of after that thread's slice. Measured (stage stamps, one
   * JVM, chunks interleaved; results/2026-12-07-latency): without it the reader's poll() returned
   * 45-73 us after the writer's {@code Files.write} had returned (71-77% of creates), with it 74-116
   * us before (7-12% after); create → event p50 0.76-0.87× the same engine without it. With
   * reset-on-fork, so that a thread it starts (a subscriber's scheduler worker) has the default;
   * so only for a {@code SCHED_OTHER} thread whose nice value is not negative (reset-on-fork would
   * reset that too) and whose slice is longer. Returns why not, or null when set.
   */
  static @Nullable String shortSlice() {
    String arch = System.getProperty("os.arch", "");
    long get;
    long set;
    if (arch.equals("amd64") || arch.equals("x86_64")) {
      get = 315;
      set = 314;
    } else if (arch.equals("aarch64")) {
      get = 275;
      set = 274;
    } else {
      return "no sched_setattr number known for " + arch;
    }
    java.nio.ByteBuffer attr =
        java.nio.ByteBuffer.allocateDirect(64).order(java.nio.ByteOrder.nativeOrder());
    long address = com.sun.jna.Pointer.nativeValue(Native.getDirectBufferPointer(attr));
    try {
      syscall(get, 0, address, SCHED_ATTR_BYTES, 0); // 0: the calling thread
      int policy = attr.getInt(4);
      long runtime = attr.getLong(24);
      if (policy != SCHED_OTHER) {
        return "scheduling policy " + policy + " left as it is";
      }
      if (runtime != 0 && runtime <= READER_SLICE_NANOS) {
        return "slice already " + runtime + " ns";
      }
      if (attr.getInt(16) < 0) {
        // reset-on-fork would also reset the threads it starts to nice 0
        return "negative nice value " + attr.getInt(16) + " left as it is";
      }
      // size, policy, reset-on-fork (a thread it starts, e.g. a subscriber's scheduler worker, gets
      // the default slice), the nice value read above, priority 0, the slice
      attr.putInt(0, SCHED_ATTR_BYTES).putLong(8, SCHED_FLAG_RESET_ON_FORK).putInt(20, 0).putLong(24, READER_SLICE_NANOS);
      attr.putLong(32, 0L).putLong(40, 0L);
      syscall(set, 0, address, 0, 0);
      return null;
    } catch (LastErrorException e) {
      return "sched_setattr failed: " + e.getMessage();
    }
  }
}
