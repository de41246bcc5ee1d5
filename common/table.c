/* SPDX-License-Identifier: BSD-3-Clause */
#include "table.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array_size.h"
#include "atomic_file.h"
#include "fwd_config.h"
#include "sha256.h"

void glb_table_header_init(struct glb_fmt_header *hdr, uint32_t num_tables)
{
	memset(hdr, 0, sizeof(*hdr));
	memcpy(hdr->magic, GLB_FMT_MAGIC, GLB_FMT_MAGIC_LEN);
	hdr->version = GLB_FMT_VERSION;
	hdr->num_tables = num_tables;
	hdr->table_entries = GLB_FMT_TABLE_ENTRIES;
	hdr->max_num_backends = GLB_FMT_MAX_BACKENDS;
	hdr->max_num_binds = GLB_FMT_MAX_BINDS;
}

static int check_header(const struct glb_fmt_header *h, size_t len, const char *name,
			struct glb_diag *d)
{
	if (memcmp(h->magic, GLB_FMT_MAGIC, GLB_FMT_MAGIC_LEN) != 0) {
		glb_diag_add(d, "%s: bad magic (not a GLB table file)", name);
		return -EINVAL;
	}
	if (h->version != GLB_FMT_VERSION) {
		glb_diag_add(d, "%s: format version %u, expected %u", name, h->version,
			     GLB_FMT_VERSION);
		return -EINVAL;
	}
	if (h->table_entries != GLB_FMT_TABLE_ENTRIES ||
	    h->max_num_backends != GLB_FMT_MAX_BACKENDS || h->max_num_binds != GLB_FMT_MAX_BINDS) {
		glb_diag_add(d,
			     "%s: table geometry %u rows/%u backends/%u binds, expected %u/%u/%u",
			     name, h->table_entries, h->max_num_backends, h->max_num_binds,
			     GLB_FMT_TABLE_ENTRIES, GLB_FMT_MAX_BACKENDS, GLB_FMT_MAX_BINDS);
		return -EINVAL;
	}
	if (h->num_tables > GLB_FMT_MAX_TABLES) {
		glb_diag_add(d, "%s: %u tables, more than the %u this loader accepts", name,
			     h->num_tables, GLB_FMT_MAX_TABLES);
		return -EINVAL;
	}
	if (len != glb_table_file_size(h->num_tables)) {
		glb_diag_add(d, "%s: %zu bytes, but %u tables need exactly %zu", name, len,
			     h->num_tables, glb_table_file_size(h->num_tables));
		return -EINVAL;
	}
	return 0;
}

static int check_bind(const struct glb_fmt_bind *b, const char *name, uint32_t t, uint32_t i,
		      struct glb_diag *d)
{
	unsigned max_prefix = b->family == GLB_FAMILY_IPV4 ? 32 : 128;

	if (b->family != GLB_FAMILY_IPV4 && b->family != GLB_FAMILY_IPV6) {
		glb_diag_add(d, "%s: table %u: bind %u: family %u is neither IPv4 nor IPv6", name,
			     t, i, b->family);
		return -EINVAL;
	}
	if (b->prefix_bits > max_prefix) {
		glb_diag_add(d, "%s: table %u: bind %u: prefix /%u longer than the family allows",
			     name, t, i, b->prefix_bits);
		return -EINVAL;
	}
	if (b->port_start > b->port_end) {
		glb_diag_add(d, "%s: table %u: bind %u: port range %u-%u is inverted", name, t, i,
			     b->port_start, b->port_end);
		return -EINVAL;
	}
	if (b->proto != IPPROTO_TCP && b->proto != IPPROTO_UDP) {
		glb_diag_add(d,
			     "%s: table %u: bind %u: protocol %u is neither TCP (6) nor UDP (17)",
			     name, t, i, b->proto);
		return -EINVAL;
	}
	return 0;
}

/* A backend is a GUE hop: an IPv4 address (SPEC §2-3), in a state and health the format knows. */
static int check_backend(const struct glb_fmt_backend *b, const char *name, uint32_t t, uint32_t i,
			 struct glb_diag *d)
{
	if (b->family != GLB_FAMILY_IPV4) {
		glb_diag_add(d,
			     "%s: table %u: backend %u: family %u, but backends are IPv4 (1): "
			     "the GUE hop list carries IPv4 addresses",
			     name, t, i, b->family);
		return -EINVAL;
	}
	if (b->state > GLB_FMT_STATE_DRAINING) {
		glb_diag_add(d,
			     "%s: table %u: backend %u: state %u is not 0 (filling), 1 (active) "
			     "or 2 (draining or inactive)",
			     name, t, i, b->state);
		return -EINVAL;
	}
	if (b->health > GLB_FMT_HEALTH_UP) {
		glb_diag_add(d, "%s: table %u: backend %u: health %u is not 0 (down) or 1 (up)",
			     name, t, i, b->health);
		return -EINVAL;
	}
	return 0;
}

static int check_table(const struct glb_fmt_table *tb, const char *name, uint32_t t,
		       struct glb_diag *d)
{
	uint32_t nb = tb->num_backends, i;

	if (nb > GLB_FMT_MAX_BACKENDS || tb->num_binds > GLB_FMT_MAX_BINDS) {
		glb_diag_add(d, "%s: table %u: %u backends / %u binds exceed the maximum %u / %u",
			     name, t, nb, tb->num_binds, GLB_FMT_MAX_BACKENDS, GLB_FMT_MAX_BINDS);
		return -EINVAL;
	}
	for (i = 0; i < tb->num_binds; i++)
		if (check_bind(&tb->binds[i], name, t, i, d) != 0)
			return -EINVAL;
	for (i = 0; i < nb; i++)
		if (check_backend(&tb->backends[i], name, t, i, d) != 0)
			return -EINVAL;
	for (i = 0; i < GLB_FMT_TABLE_ENTRIES; i++) {
		const struct glb_fmt_row *r = &tb->rows[i];
		int empty = r->primary == GLB_FMT_NO_BACKEND && r->secondary == GLB_FMT_NO_BACKEND;

		if (!empty && (r->primary >= nb || r->secondary >= nb)) {
			glb_diag_add(d, "%s: table %u: row %u: (%u, %u) but only %u backends", name,
				     t, i, r->primary, r->secondary, nb);
			return -EINVAL;
		}
	}
	return 0;
}

static int validate(const void *buf, size_t len, const char *name, struct glb_diag *d)
{
	const struct glb_fmt_header *h = buf;
	const struct glb_fmt_table *tables;
	uint32_t t;
	int ret;

	if (len < sizeof(*h)) {
		glb_diag_add(d, "%s: %zu bytes, shorter than the %zu-byte header", name, len,
			     sizeof(*h));
		return -EINVAL;
	}
	ret = check_header(h, len, name, d);
	if (ret != 0)
		return ret;
	tables = (const void *)((const uint8_t *)buf + sizeof(*h));
	for (t = 0; t < h->num_tables; t++) {
		ret = check_table(&tables[t], name, t, d);
		if (ret != 0)
			return ret;
	}
	return 0;
}

int glb_table_validate(const void *buf, size_t len, struct glb_diag *d)
{
	return validate(buf, len, "table file", d);
}

/* Huge page size on x86-64 and arm64 with 4 KiB base pages. */
#define HUGE_PAGE_SIZE (2u << 20)

/*
 * Memory for a table file.  The director reads a random row of 512 KiB per
 * packet: on 4 KiB pages that is a TLB miss as well as a cache miss, so
 * tables of a megabyte or more go into 2 MiB-aligned memory that the kernel
 * may back with transparent huge pages.  Freed with free().
 */
static void *table_mem_alloc(size_t size)
{
	size_t rounded = (size + HUGE_PAGE_SIZE - 1) & ~(size_t)(HUGE_PAGE_SIZE - 1);
	void *p;

	if (size < HUGE_PAGE_SIZE / 4)
		return malloc(size ? size : 1);
	if (posix_memalign(&p, HUGE_PAGE_SIZE, rounded) != 0)
		return NULL;
	/* only a hint: without THP the memory works the same on small pages */
	(void)madvise(p, rounded, MADV_HUGEPAGE);
	return p;
}

/* Read the whole of fd into a fresh buffer; the caller checks the length. */
static int read_fd(int fd, void **out, size_t *out_len)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;

	if (fstat(fd, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	/* Refuse before allocating: larger than any file this loader accepts. */
	if ((uint64_t)st.st_size > glb_table_file_size(GLB_FMT_MAX_TABLES))
		return -EFBIG;
	buf = table_mem_alloc((size_t)st.st_size);
	if (!buf)
		return -ENOMEM;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			return n < 0 ? -errno : -EIO;
		}
		got += (size_t)n;
	}
	*out = buf;
	*out_len = got;
	return 0;
}

int glb_table_load(const char *path, struct glb_table_file **out, struct glb_diag *d)
{
	struct glb_table_file *tf;
	void *buf = NULL;
	size_t len = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		glb_diag_add(d, "%s: %s", path, strerror(errno));
		return ret;
	}
	ret = read_fd(fd, &buf, &len);
	close(fd);
	if (ret != 0) {
		glb_diag_add(d, "%s: %s", path,
			     ret == -EINVAL ? "not a regular file" : strerror(-ret));
		return ret;
	}
	ret = validate(buf, len, path, d);
	tf = ret == 0 ? calloc(1, sizeof(*tf)) : NULL;
	if (!tf) {
		if (ret == 0) {
			ret = -ENOMEM;
			glb_diag_add(d, "%s: out of memory", path);
		}
		free(buf);
		return ret;
	}
	tf->mem = buf;
	tf->size = len;
	tf->hdr = buf;
	tf->num_tables = tf->hdr->num_tables;
	tf->tables = (const void *)((const uint8_t *)buf + sizeof(*tf->hdr));
	glb_sha256(buf, len, tf->sha256);
	*out = tf;
	return 0;
}

void glb_table_free(struct glb_table_file *tf)
{
	if (!tf)
		return;
	free(tf->mem);
	free(tf);
}

int glb_table_write(const char *path, const struct glb_fmt_table *tables, uint32_t num_tables,
		    struct glb_diag *d)
{
	struct glb_fmt_header hdr;
	struct iovec iov[2];
	int ret;

	glb_table_header_init(&hdr, num_tables);
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)tables;
	iov[1].iov_len = (size_t)num_tables * sizeof(*tables);
	ret = glb_atomic_write(path, iov, 2, 0644, GLB_ATOMIC_DURABLE);
	if (ret != 0)
		glb_diag_add(d, "%s: cannot write: %s", path, glb_atomic_strerror(ret));
	return ret;
}

const char *glb_table_state_name(uint16_t state)
{
	static const enum glb_backend_state named[] = {
		[GLB_FMT_STATE_FILLING] = GLB_BACKEND_FILLING,
		[GLB_FMT_STATE_ACTIVE] = GLB_BACKEND_ACTIVE,
		[GLB_FMT_STATE_DRAINING] = GLB_BACKEND_DRAINING,
	};

	return state < GLB_ARRAY_SIZE(named) ? glb_backend_state_name(named[state]) : "unknown";
}
