// The floor under any health checker on this machine (bench-checks.ts): RATE HTTP GET probes a second, each on a
// new connection as keepalived's checkers make them, from one thread on epoll, for SECONDS, against PORT on
// 127.0.0.1. Prints the process's CPU as a share of one core. No parsing, no timers beyond the pacing: what is left
// is the kernel's work for the connections, which a checker in any language pays.
//
//   cc -O2 -o probe-floor probe-floor.c && ./probe-floor RATE SECONDS PORT
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return (double)(r.ru_utime.tv_sec + r.ru_stime.tv_sec) + (double)(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: probe-floor RATE SECONDS PORT\n");
    return 2;
  }
  int rate = atoi(argv[1]), seconds = atoi(argv[2]), port = atoi(argv[3]);
  char request[256];
  int len = snprintf(request, sizeof request,
                     "GET / HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n",
                     port);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  char buf[65536];
  struct epoll_event events[64];
  long answered = 0;
  double start = now(), next = start, cpu0 = cpu_seconds();
  while (now() - start < seconds) {
    for (double t = now(); next <= t; next += 1.0 / rate) {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      connect(fd, (struct sockaddr*)&to, sizeof to);
      struct epoll_event e = {.events = EPOLLOUT, .data.fd = fd};
      epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
    }
    int n = epoll_wait(ep, events, 64, (int)((next - now()) * 1000) + 1);
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if ((events[i].events & EPOLLOUT) && !(events[i].events & (EPOLLIN | EPOLLERR))) {
        send(fd, request, (size_t)len, MSG_NOSIGNAL);
        struct epoll_event e = {.events = EPOLLIN, .data.fd = fd};
        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
      } else if (recv(fd, buf, sizeof buf, 0) <= 0) {
        close(fd);
        answered++;
      }
    }
  }
  double cpu = cpu_seconds() - cpu0;
  printf("%ld %.1f\n", answered / seconds, 100 * cpu / seconds);
  return 0;
}
