/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * route: "where does this client go?"  Classifies and hashes a flow with the
 * same code as the director (common/classify.c, common/route.c) and prints
 * the row it lands on and the proxies it is sent to.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "classify.h"
#include "director_config.h"
#include "flow_hash.h"
#include "parse.h"
#include "route.h"
#include "table.h"

static const char usage[] =
	"Usage: " GLB_CLI_NAME " route [--config DIRECTOR.conf] [--json] TABLE.bin SRC [SRC...]\n"
	"       " GLB_CLI_NAME " route [--config DIRECTOR.conf] [--json] TABLE.bin "
	"SRC DST SPORT DPORT PROTO\n"
	"\n"
	"Show where a client's packets go: the table they match, the row their hash\n"
	"selects, and the primary and secondary proxies (the GUE hop list), computed\n"
	"exactly as glb-director does.\n"
	"\n"
	"With source addresses alone, each is hashed in every table (valid when the\n"
	"director hashes the source address only, the default); with --json, one\n"
	"line {\"src\", \"routes\": [...]} per source.  With the full 5-tuple, the\n"
	"packet is matched against the binds (first table wins) and hashed on the\n"
	"director's hash_fields.  PROTO is tcp, udp or icmp (an echo request).\n"
	"\n"
	"Options:\n"
	"  -c, --config FILE  the director's config (checked whole, as the director\n"
	"                     loads it): its hash_fields, alt_hash_fields and\n"
	"                     forward_icmp_ping_responses decide the route\n"
	"                     (default: hash on the source address only)\n"
	"  --json             print JSON instead of text\n"
	"  -h, --help         show this help\n"
	"\n"
	"Exit status: 0 routed, 1 TABLE or config invalid, 2 bad command line,\n"
	"3 I/O failure, 4 no table matches or the table has no usable backend (for\n"
	"some SRC, when several are given).\n";

struct route_args {
	const char *table, *config;
	bool json, src_only;
	struct glb_flow flow;
	/* SRC alone: every source given, in order (flow is filled from each in turn). */
	char **srcs;
	int nsrcs;
};

static int parse_addr(const char *s, uint8_t *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1)
		*family = GLB_FAMILY_IPV4;
	else if (inet_pton(AF_INET6, s, addr) == 1)
		*family = GLB_FAMILY_IPV6;
	else
		return -EINVAL;
	return 0;
}

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || v > UINT16_MAX)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static int parse_proto(const char *s, struct glb_flow *f)
{
	if (strcmp(s, "tcp") == 0)
		f->proto = IPPROTO_TCP;
	else if (strcmp(s, "udp") == 0)
		f->proto = IPPROTO_UDP;
	else if (strcmp(s, "icmp") == 0) {
		f->proto = f->family == GLB_FAMILY_IPV6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
		f->kind = GLB_FLOW_ECHO;
		f->sport = f->dport = 0;
	} else
		return -EINVAL;
	return 0;
}

/* The flow of a packet from src (ports and destination left 0). */
static int parse_src(const char *src, struct glb_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->kind = GLB_FLOW_L4;
	if (parse_addr(src, &f->family, f->src) != 0) {
		fprintf(stderr, "%s: route: SRC '%s' is not an IP address\n", GLB_CLI_NAME, src);
		return -EINVAL;
	}
	f->outer_family = f->family;
	return 0;
}

/* The flow a packet with these header values parses to. */
static int parse_tuple(char **pos, struct route_args *a)
{
	struct glb_flow *f = &a->flow;
	uint8_t dst_family;

	if (parse_src(pos[0], f) != 0)
		return -EINVAL;
	if (parse_addr(pos[1], &dst_family, f->dst) != 0 || dst_family != f->family) {
		fprintf(stderr, "%s: route: DST '%s' is not an address of SRC's family\n",
			GLB_CLI_NAME, pos[1]);
		return -EINVAL;
	}
	if (parse_port(pos[2], &f->sport) != 0 || parse_port(pos[3], &f->dport) != 0) {
		fprintf(stderr, "%s: route: SPORT and DPORT must be 0-65535\n", GLB_CLI_NAME);
		return -EINVAL;
	}
	if (parse_proto(pos[4], f) != 0) {
		fprintf(stderr, "%s: route: PROTO '%s' is not tcp, udp or icmp\n", GLB_CLI_NAME,
			pos[4]);
		return -EINVAL;
	}
	f->hint = f->sport;
	return 0;
}

static int parse_args(int argc, char **argv, struct route_args *a)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t family, addr[16];
	int c, n;

	memset(a, 0, sizeof(*a));
	optind = 1;
	/* '+': options end at TABLE, so a negative port is a bad port, not an option */
	while ((c = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		if (c == 'c') {
			a->config = optarg;
		} else if (c == 'j') {
			a->json = true;
		} else if (c == 'h') {
			fputs(usage, stdout);
			return -1;
		} else {
			fputs(usage, stderr);
			return GLB_EXIT_USAGE;
		}
	}
	n = argc - optind - 1;
	if (n < 1) {
		fprintf(stderr,
			"%s: route takes TABLE.bin and SRC..., or TABLE.bin and SRC DST "
			"SPORT DPORT PROTO\n\n%s",
			GLB_CLI_NAME, usage);
		return GLB_EXIT_USAGE;
	}
	a->table = argv[optind];
	/* Five words whose last is no address are a 5-tuple; otherwise all are sources. */
	if (n == 5 && parse_addr(argv[optind + 5], &family, addr) != 0)
		return parse_tuple(argv + optind + 1, a) == 0 ? 0 : GLB_EXIT_USAGE;
	a->src_only = true;
	a->srcs = argv + optind + 1;
	a->nsrcs = n;
	for (c = 0; c < n; c++)
		if (parse_src(a->srcs[c], &a->flow) != 0)
			return GLB_EXIT_USAGE;
	return 0;
}

static const char *backend_desc(const struct glb_fmt_table *t, uint32_t idx, char *buf, size_t len)
{
	const struct glb_fmt_backend *b = &t->backends[idx];

	snprintf(buf, len, "backend %u, %s, %s", idx, glb_table_state_name(b->state),
		 b->health == GLB_FMT_HEALTH_UP ? "up" : "down");
	return buf;
}

static void print_route(const struct route_args *a, uint32_t table, const struct glb_fmt_table *t,
			const struct glb_route *r, bool first)
{
	char ip[INET_ADDRSTRLEN], desc[64];
	unsigned h;

	if (a->json) {
		printf("%s{\"table\": %u, \"row\": %u, \"hash\": \"0x%016llx\", \"primary\": \"%s\", ",
		       first ? "" : ", ", table, r->row, (unsigned long long)r->hash,
		       inet_ntop(AF_INET, &r->hops[0], ip, sizeof(ip)));
		printf("\"secondary\": \"%s\", \"hops\": [",
		       inet_ntop(AF_INET, &r->hops[1], ip, sizeof(ip)));
		for (h = 0; h < r->num_hops; h++)
			printf("%s\"%s\"", h ? ", " : "",
			       inet_ntop(AF_INET, &r->hops[h], ip, sizeof(ip)));
		printf("]}");
		return;
	}
	printf("table %u, row %u (hash 0x%016llx)\n", table, r->row, (unsigned long long)r->hash);
	printf("  primary   %-15s (%s)\n", inet_ntop(AF_INET, &r->hops[0], ip, sizeof(ip)),
	       backend_desc(t, r->primary_idx, desc, sizeof(desc)));
	printf("  secondary %-15s (%s)\n", inet_ntop(AF_INET, &r->hops[1], ip, sizeof(ip)),
	       backend_desc(t, r->secondary_idx, desc, sizeof(desc)));
	printf("  GUE: outer destination %s, hops",
	       inet_ntop(AF_INET, &r->hops[0], ip, sizeof(ip)));
	for (h = 1; h < r->num_hops; h++)
		printf(" %s", inet_ntop(AF_INET, &r->hops[h], ip, sizeof(ip)));
	printf("%s\n", r->num_hops > 2 ? " (the last two from alt_hash_fields)" : "");
}

/* SRC alone: the same source hashes to one row per table, whatever it connects to. */
static int route_every_table(const struct route_args *a, const char *src,
			     const struct glb_flow *flow, const struct glb_table_file *tf,
			     const struct glb_classify_opts *opts)
{
	struct glb_route r;
	uint32_t t, shown = 0;

	if (a->json)
		printf("{\"src\": \"%s\", \"routes\": [", src);
	else if (a->nsrcs > 1)
		printf("%s%s\n", src == a->srcs[0] ? "" : "\n", src);
	for (t = 0; t < tf->num_tables; t++) {
		if (glb_route_flow(&tf->tables[t], flow, opts, &r) != GLB_OK) {
			if (!a->json)
				printf("table %u: no usable backend\n", t);
			continue;
		}
		print_route(a, t, &tf->tables[t], &r, shown++ == 0);
	}
	if (a->json)
		printf("]}\n");
	return shown ? GLB_EXIT_OK : GLB_EXIT_NO_ROUTE;
}

/* Each source in turn; the worst exit status of them. */
static int route_sources(const struct route_args *a, const struct glb_table_file *tf,
			 const struct glb_classify_opts *opts)
{
	struct glb_flow flow;
	int i, ret = GLB_EXIT_OK;

	if ((opts->hash_fields | opts->alt_hash_fields) & ~GLB_HASH_SRC_ADDR) {
		fprintf(stderr,
			"%s: route: the director hashes more than the source address: "
			"give SRC DST SPORT DPORT PROTO\n",
			GLB_CLI_NAME);
		return GLB_EXIT_USAGE;
	}
	for (i = 0; i < a->nsrcs; i++) {
		parse_src(a->srcs[i], &flow); /* checked by parse_args */
		if (route_every_table(a, a->srcs[i], &flow, tf, opts) != GLB_EXIT_OK)
			ret = GLB_EXIT_NO_ROUTE;
	}
	return ret;
}

static int route_one(const struct route_args *a, const struct glb_table_file *tf,
		     const struct glb_classify_opts *opts)
{
	struct glb_route r;
	int t = glb_classify_flow(tf->tables, tf->num_tables, &a->flow, opts);

	if (t == -GLB_DROP_NO_MATCH) {
		fprintf(stderr,
			"%s: route: no table has a bind for that destination, protocol "
			"and port: the director would not forward it\n",
			GLB_CLI_NAME);
		return GLB_EXIT_NO_ROUTE;
	}
	if (t < 0) {
		fprintf(stderr, "%s: route: packet not forwarded: %s\n", GLB_CLI_NAME,
			glb_verdict_name((enum glb_verdict)(-t)));
		return GLB_EXIT_NO_ROUTE;
	}
	if (glb_route_flow(&tf->tables[t], &a->flow, opts, &r) != GLB_OK) {
		fprintf(stderr, "%s: route: table %d has no usable backend: packet dropped\n",
			GLB_CLI_NAME, t);
		return GLB_EXIT_NO_ROUTE;
	}
	print_route(a, (uint32_t)t, &tf->tables[t], &r, true);
	if (a->json)
		printf("\n");
	return GLB_EXIT_OK;
}

static int load_opts(const char *path, struct glb_classify_opts *opts, struct glb_diag *d)
{
	struct glb_director_config cfg;
	int ret;

	opts->hash_fields = GLB_HASH_DEFAULT;
	opts->alt_hash_fields = 0;
	opts->forward_echo = true;
	if (!path)
		return 0;
	/* The whole file, as the director would load it: a config it refuses routes nothing. */
	ret = glb_director_config_load(path, &cfg, d);
	if (ret != 0)
		return ret;
	opts->hash_fields = cfg.hash_fields;
	opts->alt_hash_fields = cfg.alt_hash_fields;
	opts->forward_echo = cfg.forward_icmp_ping_responses;
	return 0;
}

int glb_cli_route(int argc, char **argv)
{
	struct glb_classify_opts opts;
	struct glb_table_file *tf = NULL;
	struct route_args a;
	struct glb_diag d;
	int ret;

	ret = parse_args(argc, argv, &a);
	if (ret != 0)
		return ret < 0 ? GLB_EXIT_OK : ret;
	glb_diag_init(&d);
	ret = load_opts(a.config, &opts, &d);
	if (ret == 0)
		ret = glb_table_load(a.table, &tf, &d);
	if (ret != 0) {
		ret = glb_cli_report(&d, ret);
	} else {
		glb_diag_print(&d, stderr, GLB_CLI_NAME);
		if (tf->num_tables == 0) {
			fprintf(stderr,
				"%s: route: %s holds no tables: the director would forward "
				"nothing\n",
				GLB_CLI_NAME, a.table);
			ret = GLB_EXIT_NO_ROUTE;
		} else {
			ret = a.src_only ? route_sources(&a, tf, &opts) : route_one(&a, tf, &opts);
		}
	}
	glb_table_free(tf);
	glb_diag_free(&d);
	return ret;
}
