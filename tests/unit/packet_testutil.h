/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the packet path's unit tests (test_parse, test_flow_hash,
 * test_classify, test_route, test_encap) share: frames built byte by byte
 * with small builders, addresses, flows, backends, and the expected hashes
 * and checksums from independent code here, never from the code under
 * test.  All static inline: each test takes what it uses.
 */
#ifndef GLB_PACKET_TESTUTIL_H
#define GLB_PACKET_TESTUTIL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "flow_hash.h"
#include "parse.h"

#define NUM(a) (int)(sizeof(a) / sizeof((a)[0]))
#define FRAME_MAX 512

static const uint8_t MAC_DST[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t MAC_SRC[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

/* ---- frame builders ---- */

struct frame {
	uint8_t b[FRAME_MAX];
	size_t len;
};

static inline void put(struct frame *f, const void *p, size_t n)
{
	ck_assert_uint_le(f->len + n, FRAME_MAX);
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static inline void put8(struct frame *f, uint8_t v)
{
	put(f, &v, 1);
}

static inline void put16(struct frame *f, uint16_t v)
{
	put8(f, (uint8_t)(v >> 8));
	put8(f, (uint8_t)v);
}

static inline void put32(struct frame *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

static inline void fill(struct frame *f, uint8_t byte, size_t n)
{
	while (n--)
		put8(f, byte);
}

static inline void set16(struct frame *f, size_t at, uint16_t v)
{
	f->b[at] = (uint8_t)(v >> 8);
	f->b[at + 1] = (uint8_t)v;
}

static inline void addr(const char *s, uint8_t out[16], uint8_t *family)
{
	uint8_t fam = strchr(s, ':') ? GLB_FAMILY_IPV6 : GLB_FAMILY_IPV4;

	memset(out, 0, 16);
	ck_assert_msg(inet_pton(fam == GLB_FAMILY_IPV4 ? AF_INET : AF_INET6, s, out) == 1,
		      "bad address %s", s);
	if (family)
		*family = fam;
}

static inline void put_addr(struct frame *f, const char *s)
{
	uint8_t a[16], fam;

	addr(s, a, &fam);
	put(f, a, fam == GLB_FAMILY_IPV4 ? 4 : 16);
}

/* Independent of glb_csum_compute: folds the carry at every step. */
static inline uint16_t ref_csum(const uint8_t *p, size_t n)
{
	uint16_t sum = 0;
	size_t i;

	for (i = 0; i < n; i += 2) {
		uint32_t word = (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
		uint32_t s = (uint32_t)sum + word;

		sum = (uint16_t)(s + (s >> 16));
	}
	return (uint16_t)~sum;
}

static inline void eth(struct frame *f, uint16_t type)
{
	put(f, MAC_DST, 6);
	put(f, MAC_SRC, 6);
	put16(f, type);
}

static inline void eth_vlan(struct frame *f, uint16_t vid, uint16_t type)
{
	put(f, MAC_DST, 6);
	put(f, MAC_SRC, 6);
	put16(f, 0x8100);
	put16(f, vid);
	put16(f, type);
}

struct v4 {
	const char *src, *dst;
	uint8_t proto;
	uint8_t ihl; /* 0 means 5 */
	uint16_t id;
	uint16_t frag; /* flags and offset word */
};

/* IPv4 header with (ihl - 5) words of NOP options; returns its offset. */
static inline size_t ip4(struct frame *f, const struct v4 *h)
{
	size_t at = f->len;
	unsigned ihl = h->ihl ? h->ihl : 5;

	put8(f, (uint8_t)(0x40 | ihl));
	put8(f, 0);
	put16(f, 0); /* total length: ip4_end */
	put16(f, h->id);
	put16(f, h->frag);
	put8(f, 64);
	put8(f, h->proto);
	put16(f, 0);
	put_addr(f, h->src);
	put_addr(f, h->dst);
	fill(f, 0x01, (ihl - 5) * 4);
	return at;
}

static inline void ip4_set_len(struct frame *f, size_t at, uint16_t tot)
{
	size_t hlen = (size_t)(f->b[at] & 0x0f) * 4;

	set16(f, at + 2, tot);
	set16(f, at + 10, 0);
	set16(f, at + 10, ref_csum(f->b + at, hlen));
}

static inline void ip4_end(struct frame *f, size_t at)
{
	ip4_set_len(f, at, (uint16_t)(f->len - at));
}

static inline size_t ip6(struct frame *f, uint8_t next, uint32_t label, const char *src,
			 const char *dst)
{
	size_t at = f->len;

	put32(f, 0x60000000u | label);
	put16(f, 0); /* payload length: ip6_end */
	put8(f, next);
	put8(f, 64);
	put_addr(f, src);
	put_addr(f, dst);
	return at;
}

static inline void ip6_end(struct frame *f, size_t at)
{
	set16(f, at + 4, (uint16_t)(f->len - at - 40));
}

/* Hop-by-hop / routing / destination options of 8 * (units + 1) bytes of Pad1. */
static inline void ext6(struct frame *f, uint8_t next, uint8_t units)
{
	put8(f, next);
	put8(f, units);
	fill(f, 0, 6 + 8 * (size_t)units);
}

static inline void frag6(struct frame *f, uint8_t next, uint16_t offset_units, int more)
{
	put8(f, next);
	put8(f, 0);
	put16(f, (uint16_t)(offset_units << 3 | (more ? 1 : 0)));
	put32(f, 0xdecafbad);
}

static inline void tcp(struct frame *f, uint16_t sport, uint16_t dport)
{
	put16(f, sport);
	put16(f, dport);
	put32(f, 1000); /* seq */
	put32(f, 0);    /* ack */
	put8(f, 0x50);  /* data offset 5 */
	put8(f, 0x02);  /* SYN */
	put16(f, 65535);
	put16(f, 0);
	put16(f, 0);
}

static inline void udp(struct frame *f, uint16_t sport, uint16_t dport, size_t payload)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, (uint16_t)(8 + payload));
	put16(f, 0);
	fill(f, 0xa5, payload);
}

static inline void icmp(struct frame *f, uint8_t type, uint8_t code, uint32_t rest)
{
	put8(f, type);
	put8(f, code);
	put16(f, 0);
	put32(f, rest);
}

/* ---- the flows the tests talk about ---- */

#define CLIENT4 "198.51.100.7"
#define VIP4 "10.0.0.1"
#define ROUTER4 "203.0.113.1"
#define CLIENT6 "2001:db8:c::7"
#define VIP6 "2001:db8::1"
#define ROUTER6 "2001:db8:ffff::1"

#define V4 GLB_FAMILY_IPV4
#define V6 GLB_FAMILY_IPV6
#define L4 GLB_FLOW_L4
#define ECHO GLB_FLOW_ECHO
#define FRAG GLB_FLOW_FRAGMENT
#define TCP IPPROTO_TCP
#define UDP IPPROTO_UDP
#define OPTS_DEFAULT                      \
	{                                 \
		GLB_HASH_DEFAULT, 0, true \
	}

static inline struct glb_flow make_flow(uint8_t kind, uint8_t proto, const char *src,
					const char *dst, uint16_t sport, uint16_t dport)
{
	struct glb_flow fl = { .kind = kind, .proto = proto, .sport = sport, .dport = dport };

	addr(src, fl.src, &fl.family);
	addr(dst, fl.dst, NULL);
	fl.outer_family = fl.family;
	return fl;
}

/* ---- packets more than one stage is tested with ---- */

static inline void pkt_ipv4_tcp(struct frame *f)
{
	size_t ip;

	eth(f, 0x0800);
	ip = ip4(f, &(struct v4){ CLIENT4, VIP4, IPPROTO_TCP });
	tcp(f, 43210, 80);
	ip4_end(f, ip);
}

/* A router tells the VIP (where the proxy's reply claimed to come from) to shrink. */
static inline void pkt_ipv4_frag_needed_ihl(struct frame *f, uint8_t quoted_ihl, size_t quoted_l4)
{
	size_t ip, q;

	eth(f, 0x0800);
	ip = ip4(f, &(struct v4){ ROUTER4, VIP4, IPPROTO_ICMP });
	icmp(f, 3, 4, 1400);
	q = ip4(f, &(struct v4){ VIP4, CLIENT4, IPPROTO_TCP, .ihl = quoted_ihl });
	ip4_set_len(f, q, 1500);
	put16(f, 80);
	put16(f, 43210);
	put32(f, 12345); /* the rest of the 8 quoted bytes: the sequence number */
	f->len -= 8 - quoted_l4;
	ip4_end(f, ip);
}

static inline void pkt_ipv4_frag_needed(struct frame *f)
{
	pkt_ipv4_frag_needed_ihl(f, 5, 8);
}

/* ---- independent SipHash-2-4, written from the paper ---- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static inline void ref_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13) ^ v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17) ^ v[2];
	v[2] = ROTL(v[2], 32);
}

static inline uint64_t ref_le64(const uint8_t *p, size_t n)
{
	uint64_t x = 0;

	while (n--)
		x = x << 8 | p[n];
	return x;
}

static inline uint64_t ref_siphash(const uint8_t key[16], const uint8_t *m, size_t len)
{
	uint64_t k0 = ref_le64(key, 8), k1 = ref_le64(key + 8, 8);
	uint64_t v[4] = { k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
			  k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL };
	size_t off;

	for (off = 0; off <= len; off += 8) {
		size_t take = len - off < 8 ? len - off : 8;
		uint64_t block = ref_le64(m + off, take);

		if (take < 8)
			block |= (uint64_t)(len & 0xff) << 56;
		v[3] ^= block;
		ref_round(v);
		ref_round(v);
		v[0] ^= block;
		if (take < 8)
			break;
	}
	v[2] ^= 0xff;
	ref_round(v);
	ref_round(v);
	ref_round(v);
	ref_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static const uint8_t KEY_SEQ[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

/* ---- backends ---- */

/* The addresses the routing and encapsulation tests give backends 0..3. */
#define NUM_BACKENDS 4
static const char *const backend_ips[NUM_BACKENDS] = { "192.0.2.10", "192.0.2.11", "192.0.2.12",
						       "192.0.2.13" };

static inline uint32_t backend_be(uint32_t idx)
{
	uint8_t a[16];
	uint32_t v;

	addr(backend_ips[idx], a, NULL);
	memcpy(&v, a, 4);
	return v;
}

#endif
