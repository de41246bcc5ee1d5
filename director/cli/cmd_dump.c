/* SPDX-License-Identifier: BSD-3-Clause */
/* dump: show what a binary table holds and how its rows are shared. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sha256.h"
#include "table.h"

static const char usage[] =
	"Usage: " GLB_CLI_NAME " dump [--json] TABLE.bin\n"
	"\n"
	"Validate a binary forwarding table and print its header, and for each table\n"
	"its hash key, binds, and backends with state, health and the number of rows\n"
	"in which each backend is primary and secondary (a backend drained or down\n"
	"keeps secondary rows so that its open connections still reach it).\n"
	"\n"
	"The binary format stores \"inactive\" backends as draining; they hold no rows.\n"
	"\n"
	"Options:\n"
	"  --json      print one JSON object instead of text\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 shown, 1 TABLE is invalid, 2 bad command line, 3 I/O failure.\n";

struct row_counts {
	uint32_t primary[GLB_FMT_MAX_BACKENDS];
	uint32_t secondary[GLB_FMT_MAX_BACKENDS];
	uint32_t empty;
};

static void count_rows(const struct glb_fmt_table *t, struct row_counts *c)
{
	uint32_t r;

	memset(c, 0, sizeof(*c));
	for (r = 0; r < GLB_FMT_TABLE_ENTRIES; r++) {
		if (t->rows[r].primary == GLB_FMT_NO_BACKEND) {
			c->empty++;
			continue;
		}
		c->primary[t->rows[r].primary]++;
		c->secondary[t->rows[r].secondary]++;
	}
}

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : "?";
}

static void hex16(const uint8_t *k, char out[33])
{
	int i;

	for (i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", k[i]);
}

static void print_table_text(uint32_t idx, const struct glb_fmt_table *t)
{
	char key[33], ip[INET6_ADDRSTRLEN], ports[16];
	struct row_counts c;
	uint32_t i;

	count_rows(t, &c);
	hex16(t->hash_key, key);
	printf("table %u: hash key %s, %u binds, %u backends, %u rows without a backend\n", idx,
	       key, t->num_binds, t->num_backends, c.empty);
	for (i = 0; i < t->num_binds; i++) {
		const struct glb_fmt_bind *b = &t->binds[i];

		if (b->port_start == b->port_end)
			snprintf(ports, sizeof(ports), "%u", b->port_start);
		else
			snprintf(ports, sizeof(ports), "%u-%u", b->port_start, b->port_end);
		printf("  bind %-3u %s/%u %s %s\n", i,
		       glb_cli_addr_str(b->family, b->addr, ip, sizeof(ip)), b->prefix_bits,
		       proto_name(b->proto), ports);
	}
	printf("  %-11s %-15s %-8s %-6s %16s %16s\n", "backend", "ip", "state", "health",
	       "primary rows", "secondary rows");
	for (i = 0; i < t->num_backends; i++) {
		const struct glb_fmt_backend *b = &t->backends[i];

		printf("  backend %-3u %-15s %-8s %-6s %7u (%5.1f%%) %7u (%5.1f%%)\n", i,
		       glb_cli_addr_str(b->family, b->addr, ip, sizeof(ip)),
		       glb_table_state_name(b->state),
		       b->health == GLB_FMT_HEALTH_UP ? "up" : "down", c.primary[i],
		       100.0 * c.primary[i] / GLB_FMT_TABLE_ENTRIES, c.secondary[i],
		       100.0 * c.secondary[i] / GLB_FMT_TABLE_ENTRIES);
	}
}

static void print_table_json(uint32_t idx, const struct glb_fmt_table *t, bool last)
{
	char key[33], ip[INET6_ADDRSTRLEN];
	struct row_counts c;
	uint32_t i;

	count_rows(t, &c);
	hex16(t->hash_key, key);
	printf("    {\"index\": %u, \"hash_key\": \"%s\", \"rows_without_backend\": %u,\n", idx,
	       key, c.empty);
	printf("     \"binds\": [");
	for (i = 0; i < t->num_binds; i++) {
		const struct glb_fmt_bind *b = &t->binds[i];

		printf("%s\n       {\"index\": %u, \"ip\": \"%s\", \"prefix\": %u, \"proto\": \"%s\", "
		       "\"port_start\": %u, \"port_end\": %u}",
		       i ? "," : "", i, glb_cli_addr_str(b->family, b->addr, ip, sizeof(ip)),
		       b->prefix_bits, proto_name(b->proto), b->port_start, b->port_end);
	}
	printf("],\n     \"backends\": [");
	for (i = 0; i < t->num_backends; i++) {
		const struct glb_fmt_backend *b = &t->backends[i];

		printf("%s\n       {\"index\": %u, \"ip\": \"%s\", \"state\": \"%s\", \"healthy\": %s, "
		       "\"primary_rows\": %u, \"secondary_rows\": %u}",
		       i ? "," : "", i, glb_cli_addr_str(b->family, b->addr, ip, sizeof(ip)),
		       glb_table_state_name(b->state),
		       b->health == GLB_FMT_HEALTH_UP ? "true" : "false", c.primary[i],
		       c.secondary[i]);
	}
	printf("]}%s\n", last ? "" : ",");
}

int glb_cli_dump(int argc, char **argv)
{
	const char *path = NULL;
	struct glb_table_file *tf;
	char hex[2 * GLB_SHA256_LEN + 1];
	struct glb_diag d;
	bool json = false;
	uint32_t t;
	int i, ret;

	if (glb_cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return GLB_EXIT_OK;
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else {
			fprintf(stderr, "%s: dump: unexpected argument '%s'\n\n%s", GLB_CLI_NAME,
				argv[i], usage);
			return GLB_EXIT_USAGE;
		}
	}
	if (!path) {
		fprintf(stderr, "%s: dump needs TABLE.bin\n\n%s", GLB_CLI_NAME, usage);
		return GLB_EXIT_USAGE;
	}
	glb_diag_init(&d);
	ret = glb_table_load(path, &tf, &d);
	if (ret != 0) {
		ret = glb_cli_report(&d, ret);
		glb_diag_free(&d);
		return ret;
	}
	glb_sha256_hex(tf->sha256, hex);
	if (json)
		printf("{\"version\": %u, \"sha256\": \"%s\", \"size\": %zu, \"tables\": [\n",
		       tf->hdr->version, hex, tf->size);
	else
		printf("%s: GLB table format v%u, %u table%s, %zu bytes, sha256 %s\n", path,
		       tf->hdr->version, tf->num_tables, tf->num_tables == 1 ? "" : "s", tf->size,
		       hex);
	for (t = 0; t < tf->num_tables; t++) {
		if (json)
			print_table_json(t, &tf->tables[t], t + 1 == tf->num_tables);
		else
			print_table_text(t, &tf->tables[t]);
	}
	if (json)
		printf("]}\n");
	glb_table_free(tf);
	glb_diag_free(&d);
	return GLB_EXIT_OK;
}
