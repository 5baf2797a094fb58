package io.changeflux.files.internal;

import org.jspecify.annotations.Nullable;

/**
 * Whether JNA's direct mapping of Linux libc can be used here (Linux, a 64-bit JVM, JNA loadable),
 * and JNA's library search path set without its {@code ldconfig} child process: what every native
 * binding of the file backends checks first.
 */
public final class LinuxJna {

  private static final @Nullable String UNAVAILABLE = check();

  private LinuxJna() {}

  /**
   * Why libc cannot be bound through JNA here, or null when it can (then JNA's search path is set).
   *
   * @return the reason, or null
   */
  public static @Nullable String unavailableReason() {
    return UNAVAILABLE;
  }

  private static @Nullable String check() {
    try {
      if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
        return "Linux only";
      }
      if (com.sun.jna.Native.LONG_SIZE != 8) {
        return "needs a 64-bit JVM";
      }
      skipLdconfig();
      return null;
    } catch (Throwable t) { // NoClassDefFoundError, UnsatisfiedLinkError: JNA cannot load here
      return "JNA cannot load: " + t;
    }
  }

  /**
   * JNA's library search path, when nobody set one: the directories JNA itself would list on
   * Linux, without the {@code ldconfig -p} it otherwise runs as a child process to add the
   * directories of {@code /etc/ld.so.conf} (a fork and exec while the first watch starts; libc is
   * found by its soname, and so is any library named by its soname, through the loader's cache).
   */
  private static void skipLdconfig() {
    if (System.getProperty("jna.platform.library.path") != null) {
      return;
    }
    String arch = System.getProperty("os.arch", "");
    String multiarch =
        "amd64".equals(arch) || "x86_64".equals(arch)
            ? "x86_64-linux-gnu"
            : "aarch64".equals(arch) ? "aarch64-linux-gnu" : null;
    StringBuilder path = new StringBuilder();
    for (String d :
        new String[] {
          multiarch == null ? null : "/usr/lib/" + multiarch,
          multiarch == null ? null : "/lib/" + multiarch,
          "/usr/lib64",
          "/lib64",
          "/usr/lib",
          "/lib"
        }) {
      if (d != null && new java.io.File(d).isDirectory()) {
        path.append(path.length() == 0 ? "" : java.io.File.pathSeparator).append(d);
      }
    }
    System.setProperty("jna.platform.library.path", path.toString());
  }
}
