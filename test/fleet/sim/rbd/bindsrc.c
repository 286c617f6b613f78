/* bindsrc.c - LD_PRELOAD shim: bind outgoing IPv4 TCP sockets whose
 * destination is on loopback (127.0.0.0/8) to a chosen 127.x source address
 * (port 0 = kernel picks) right before connect().
 * Why: librados clients never bind their source address (public_addr,
 * ms_bind_before_connect etc. have no effect on them in Ceph 16.2), so on a
 * shared/host network namespace every client shows up as 127.0.0.1:0/<nonce>
 * in `rbd status`.  With this shim a "node" shows up as its own 127.x address.
 * Source address: $BIND_SRC_ADDR, else first line of /etc/bindsrc.addr
 * (so it can also be enabled container-wide via /etc/ld.so.preload).
 * Build: gcc -O2 -Wall -shared -fPIC -o libbindsrc.so bindsrc.c -ldl        */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);

static int src_addr(struct in_addr *out)
{
    static int state; /* 0 = unknown, 1 = have, -1 = none */
    static struct in_addr cached;
    const char *env = getenv("BIND_SRC_ADDR");
    if (env && *env)
        return inet_pton(AF_INET, env, out) == 1 ? 0 : -1;
    if (state == 0) {
        char buf[64] = {0};
        FILE *f = fopen("/etc/bindsrc.addr", "re");
        state = -1;
        if (f) {
            if (fgets(buf, sizeof(buf), f)) {
                buf[strcspn(buf, " \t\r\n")] = 0;
                if (inet_pton(AF_INET, buf, &cached) == 1)
                    state = 1;
            }
            fclose(f);
        }
    }
    if (state != 1)
        return -1;
    *out = cached;
    return 0;
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    static connect_fn real_connect;
    if (!real_connect)
        real_connect = (connect_fn)dlsym(RTLD_NEXT, "connect");
    if (addr && addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in) &&
        (ntohl(((const struct sockaddr_in *)addr)->sin_addr.s_addr) >> 24) == 127) {
        int saved = errno, type = 0;
        socklen_t tl = sizeof(type);
        struct sockaddr_in cur, b;
        socklen_t cl = sizeof(cur);
        memset(&b, 0, sizeof(b));
        if (src_addr(&b.sin_addr) == 0 &&
            getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == SOCK_STREAM &&
            getsockname(fd, (struct sockaddr *)&cur, &cl) == 0 && cur.sin_family == AF_INET &&
            cur.sin_addr.s_addr == htonl(INADDR_ANY) && cur.sin_port == 0) {
            b.sin_family = AF_INET;
            (void)bind(fd, (struct sockaddr *)&b, sizeof(b)); /* best effort */
        }
        errno = saved;
    }
    return real_connect(fd, addr, len);
}
