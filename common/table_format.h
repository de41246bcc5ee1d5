/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The binary forwarding table, format version 2 (SPEC §3), byte-compatible
 * with GitHub GLB's.  This is the only definition of the file layout: the
 * CLI writes it, the director maps it, the tests read it.
 *
 * Integers are little-endian on disk; glb is built for x86-64 only, where
 * that is host order, so the structs are used in place (a big-endian build
 * fails below).  Addresses are in network order.
 */
#ifndef GLB_TABLE_FORMAT_H
#define GLB_TABLE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the table file is little-endian and read in place: a big-endian host needs converters"
#endif

#define GLB_FMT_MAGIC "GLBD"
#define GLB_FMT_MAGIC_LEN 4
#define GLB_FMT_VERSION 2
/* Rows per table: the low 16 bits of the flow hash pick the row. */
#define GLB_FMT_TABLE_ENTRIES 65536u
#define GLB_FMT_ROW_MASK (GLB_FMT_TABLE_ENTRIES - 1)
#define GLB_FMT_MAX_BACKENDS 256u
#define GLB_FMT_MAX_BINDS 256u
/* Row value of a table with no usable backend: the director drops its packets. */
#define GLB_FMT_NO_BACKEND UINT32_MAX
/*
 * Not a format limit (the header has no maximum): a sanity bound so that a
 * corrupt count cannot make a loader allocate gigabytes.  1024 tables is
 * 550 MB of rows, far beyond any real director.
 */
#define GLB_FMT_MAX_TABLES 1024u

/* Address families as stored in the file. */
enum glb_family {
	GLB_FAMILY_NONE = 0,
	GLB_FAMILY_IPV4 = 1,
	GLB_FAMILY_IPV6 = 2,
};

/* Backend state as stored in the file: "inactive" is stored as draining. */
enum glb_fmt_state {
	GLB_FMT_STATE_FILLING = 0,
	GLB_FMT_STATE_ACTIVE = 1,
	GLB_FMT_STATE_DRAINING = 2,
};

enum glb_fmt_health {
	GLB_FMT_HEALTH_DOWN = 0,
	GLB_FMT_HEALTH_UP = 1,
};

struct glb_fmt_header {
	char magic[GLB_FMT_MAGIC_LEN];
	uint32_t version;
	uint32_t num_tables;
	uint32_t table_entries;
	uint32_t max_num_backends;
	uint32_t max_num_binds;
};

struct glb_fmt_backend {
	uint32_t family;
	uint8_t addr[16]; /* IPv4 in the first 4 bytes, network order */
	uint16_t state;   /* enum glb_fmt_state */
	uint16_t health;  /* enum glb_fmt_health */
};

struct glb_fmt_bind {
	uint32_t family;
	uint8_t addr[16];
	uint16_t prefix_bits;
	uint16_t port_start; /* host order, inclusive */
	uint16_t port_end;   /* host order, inclusive */
	uint8_t proto;       /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t reserved;
};

struct glb_fmt_row {
	uint32_t primary;   /* index into backends[] */
	uint32_t secondary; /* index into backends[] */
};

struct glb_fmt_table {
	uint32_t num_backends;
	struct glb_fmt_backend backends[GLB_FMT_MAX_BACKENDS];
	uint32_t num_binds;
	struct glb_fmt_bind binds[GLB_FMT_MAX_BINDS];
	uint8_t hash_key[16];
	struct glb_fmt_row rows[GLB_FMT_TABLE_ENTRIES];
};

_Static_assert(sizeof(struct glb_fmt_header) == 24, "file header is 24 bytes");
_Static_assert(sizeof(struct glb_fmt_backend) == 24, "backend is 24 bytes");
_Static_assert(sizeof(struct glb_fmt_bind) == 28, "bind is 28 bytes");
_Static_assert(sizeof(struct glb_fmt_row) == 8, "row is 8 bytes");
_Static_assert(sizeof(struct glb_fmt_table) == 537624, "table is 537,624 bytes");
_Static_assert(offsetof(struct glb_fmt_table, num_binds) == 4 + 256 * 24, "binds follow backends");
_Static_assert(offsetof(struct glb_fmt_table, hash_key) == 4 + 256 * 24 + 4 + 256 * 28,
	       "hash key follows binds");
_Static_assert(offsetof(struct glb_fmt_table, rows) == 13336, "rows follow the hash key");

#endif
