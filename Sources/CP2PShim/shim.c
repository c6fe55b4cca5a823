// C helpers for what Swift cannot import: the CMSG_* macros and `struct sock_extended_err`
// (linux/errqueue.h). Used the way tracepath(8) does: IP_RECVERR + recvmsg(MSG_ERRQUEUE).
#define _GNU_SOURCE
#include "CP2PShim.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <linux/errqueue.h>

static void copy_addr(const struct sockaddr *sa, int32_t *family, uint8_t *bytes, uint16_t *port) {
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        *family = AF_INET;
        memcpy(bytes, &in->sin_addr, 4);
        if (port) *port = ntohs(in->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        *family = AF_INET6;
        memcpy(bytes, &in6->sin6_addr, 16);
        if (port) *port = ntohs(in6->sin6_port);
    } else {
        *family = 0;
    }
}

int cp2p_recv_errqueue(int fd, cp2p_err_report *out) {
    unsigned char data[64];
    union { struct cmsghdr align; unsigned char buf[512]; } control;
    struct sockaddr_storage name;
    struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    memset(&name, 0, sizeof(name));
    memset(out, 0, sizeof(*out));
    msg.msg_name = &name;
    msg.msg_namelen = sizeof(name);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof(control.buf);

    int flags = MSG_ERRQUEUE | MSG_DONTWAIT;
    if (recvmsg(fd, &msg, flags) < 0) return -1;

    if (msg.msg_namelen > 0) copy_addr((struct sockaddr *)&name, &out->dest_family, out->dest, &out->dest_port);

    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        int v4 = c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR;
        int v6 = c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR;
        if (!v4 && !v6) continue;
        const struct sock_extended_err *ee = (const struct sock_extended_err *)CMSG_DATA(c);
        out->ee_errno = (int32_t)ee->ee_errno;
        out->origin = ee->ee_origin;
        out->type = ee->ee_type;
        out->code = ee->ee_code;
        out->info = ee->ee_info;
        const struct sockaddr *off = SO_EE_OFFENDER(ee);
        /* The offender follows the struct inside the cmsg; check it fits before reading it. */
        size_t room = c->cmsg_len - CMSG_LEN(sizeof(*ee));
        if (room >= sizeof(struct sockaddr_in) && (off->sa_family == AF_INET ||
            (off->sa_family == AF_INET6 && room >= sizeof(struct sockaddr_in6)))) {
            copy_addr(off, &out->offender_family, out->offender, NULL);
        }
        return 1;
    }
    return 0;
}

int cp2p_enable_recverr(int fd, int family) {
    int on = 1;
    if (family == AF_INET6) return setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &on, sizeof(on));
    return setsockopt(fd, SOL_IP, IP_RECVERR, &on, sizeof(on));
}
