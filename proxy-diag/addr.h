/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Addresses as glb-proxy-diag compares and prints them: service addresses
 * (VIPs, "ADDR[:PORT]"), peer prefixes ("ADDR[/LEN]") and the addresses
 * sock_diag reports, with IPv4-mapped IPv6 addresses folded to IPv4 so that
 * a connection accepted by a dual-stack [::] listener belongs to its IPv4 VIP.
 */
#ifndef GLB_PD_ADDR_H
#define GLB_PD_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "[ffff:...:ffff]:65535" and a NUL, rounded up. */
#define GLB_PD_ADDRSTRLEN 56
/* At most this many VIPs on one command line or in GLB_PROXY_VIPS: the
 * kernel's filter for them must fit in 64 KiB (filter.h). */
#define GLB_PD_MAX_VIPS 256
/* A VIP without a port: every local port of that address. */
#define GLB_PD_ANY_PORT (-1)

struct glb_pd_addr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t b[16];  /* network order; IPv4 in b[0..3], the rest zero */
};

struct glb_pd_vip {
	struct glb_pd_addr addr;
	int port; /* 1-65535, or GLB_PD_ANY_PORT */
};

struct glb_pd_prefix {
	struct glb_pd_addr addr; /* host bits cleared */
	uint8_t len;             /* 0-32 or 0-128 */
};

/* "192.0.2.10", "192.0.2.10:80", "2001:db8::10", "[2001:db8::10]:443".
 * Returns 0 or -EINVAL (not an address, port 0 or past 65535). */
int glb_pd_vip_parse(const char *text, struct glb_pd_vip *out);

/* "198.51.100.0/24", "2001:db8::/32" or one address (full length).
 * Host bits past the length are an error, as `ip route` has them: -EINVAL. */
int glb_pd_prefix_parse(const char *text, struct glb_pd_prefix *out);

/* 16 bytes from sock_diag (network order; IPv4 in the first 4), for a
 * socket of family, folded to IPv4 when it is an IPv4-mapped IPv6 address. */
void glb_pd_addr_from_diag(int family, const void *words, struct glb_pd_addr *out);

/* An address of family (AF_INET or AF_INET6) from its network-order bytes. */
void glb_pd_addr_set(struct glb_pd_addr *a, int family, const void *bytes);

bool glb_pd_addr_equal(const struct glb_pd_addr *a, const struct glb_pd_addr *b);
/* Order: IPv4 before IPv6, then bytewise: for stable output. */
int glb_pd_addr_cmp(const struct glb_pd_addr *a, const struct glb_pd_addr *b);
/* 0.0.0.0 or :: (a listener bound to every address). */
bool glb_pd_addr_is_any(const struct glb_pd_addr *a);
bool glb_pd_prefix_match(const struct glb_pd_prefix *p, const struct glb_pd_addr *a);

/* "192.0.2.10" / "2001:db8::10" */
void glb_pd_addr_format(const struct glb_pd_addr *a, char *buf, size_t len);
/* "192.0.2.10:80" / "[2001:db8::10]:80"; port GLB_PD_ANY_PORT prints "*". */
void glb_pd_endpoint_format(const struct glb_pd_addr *a, int port, char *buf, size_t len);
/* "198.51.100.0/24" */
void glb_pd_prefix_format(const struct glb_pd_prefix *p, char *buf, size_t len);

#endif
