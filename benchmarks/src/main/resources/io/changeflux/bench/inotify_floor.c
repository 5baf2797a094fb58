/*
 * The kernel's floor of create -> event latency for EngineBench: the least any user-space
 * watcher on this machine can do. One thread blocks in read() on an inotify descriptor watching
 * argv[1] and prints, per IN_CREATE, the name and the CLOCK_MONOTONIC time (ns) at which read()
 * returned it; the harness (the same Java writer as for every other watcher) compares that time
 * with System.nanoTime() (also CLOCK_MONOTONIC on Linux) taken before the create. Prints "ready"
 * once the watch is added; ends at EOF on stdin.
 *
 * Built by the harness with `cc -O2` when a C compiler is on the PATH; not part of any jar.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: inotify_floor DIR\n");
    return 2;
  }
  int fd = inotify_init1(IN_CLOEXEC);
  if (fd < 0 || inotify_add_watch(fd, argv[1], IN_CREATE | IN_MODIFY | IN_DELETE | IN_CLOSE_WRITE
                                                     | IN_MOVED_FROM | IN_MOVED_TO) < 0) {
    perror("inotify_floor");
    return 1;
  }
  printf("ready\n");
  fflush(stdout);
  char buf[65536] __attribute__((aligned(8)));
  struct pollfd fds[2] = {{fd, POLLIN, 0}, {0, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      continue;
    }
    if (fds[1].revents) {
      char b[256];
      if (read(0, b, sizeof b) <= 0) {
        break; /* stdin closed: the chunk is over */
      }
    }
    if (!fds[0].revents) {
      continue;
    }
    ssize_t n = read(fd, buf, sizeof buf);
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    long long ns = t.tv_sec * 1000000000LL + t.tv_nsec;
    for (char *p = buf; n > 0 && p < buf + n;) {
      struct inotify_event *e = (struct inotify_event *) p;
      if ((e->mask & IN_CREATE) && e->len) {
        printf("%s %lld\n", e->name, ns);
      }
      p += sizeof *e + e->len;
    }
    fflush(stdout);
  }
  return 0;
}
