#ifndef CP2PSHIM_H
#define CP2PSHIM_H

#include <stdint.h>

/// One entry of a socket's error queue (MSG_ERRQUEUE), flattened from `struct sock_extended_err`
/// and its offender address so Swift does not need the CMSG macros.
typedef struct {
    int32_t ee_errno;          /* errno the ICMP message maps to (e.g. EHOSTUNREACH, ECONNREFUSED) */
    uint8_t origin;            /* SO_EE_ORIGIN_*: 2 = ICMP, 3 = ICMP6, 1 = LOCAL */
    uint8_t type;              /* ICMP type */
    uint8_t code;              /* ICMP code */
    uint32_t info;             /* ee_info (e.g. the MTU for "fragmentation needed") */
    int32_t offender_family;   /* AF_INET, AF_INET6 or 0 when the kernel gave no offender */
    uint8_t offender[16];      /* offender address bytes, network order (4 or 16 used) */
    int32_t dest_family;       /* family of the original destination (msg_name), or 0 */
    uint8_t dest[16];          /* original destination address bytes */
    uint16_t dest_port;        /* original destination port, host order */
} cp2p_err_report;

/// Dequeues one error-queue entry without blocking (MSG_PEEK is ignored by the kernel here).
/// Returns 1 when a report was filled, 0 when an entry was read but carried no
/// sock_extended_err, -1 with errno set on failure (EAGAIN when the queue is empty).
int cp2p_recv_errqueue(int fd, cp2p_err_report *out);

/// Enables IP_RECVERR (AF_INET) or IPV6_RECVERR (AF_INET6). Returns setsockopt's result.
int cp2p_enable_recverr(int fd, int family);

#endif
