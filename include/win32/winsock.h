/*
 * winsock.h - the byte-order functions and address types NetMon-era experts
 * took from Winsock (ntohs, htons, ntohl, htonl, in_addr, inet_ntoa...).
 * Linux has them in the socket headers; no WSAStartup is needed.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef NMEXPERT_COMPAT_WINSOCK_H
#define NMEXPERT_COMPAT_WINSOCK_H

#include <arpa/inet.h>
#include <netinet/in.h>

#include <nmexpert/wintypes.h>

typedef unsigned char u_char;
typedef unsigned short u_short;
typedef unsigned int u_int;
typedef int SOCKET;
#ifndef INVALID_SOCKET
#define INVALID_SOCKET (-1)
#endif
#ifndef SOCKET_ERROR
#define SOCKET_ERROR (-1)
#endif
/* Nothing to start on Linux. */
#define WSAStartup(ver, data) ((void)(ver), (void)(data), 0)
#define WSACleanup() 0
#define MAKEWORD_WINSOCK(lo, hi) MAKEWORD(lo, hi)

#endif /* NMEXPERT_COMPAT_WINSOCK_H */
