/* SPDX-License-Identifier: BSD-3-Clause */
/* build-config: forwarding table JSON -> binary table (SPEC §2-§4). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "builder.h"
#include "cli.h"
#include "fwd_config.h"
#include "sha256.h"
#include "table.h"

static const char usage[] =
	"Usage: " GLB_CLI_NAME " build-config [--threads N] [--quiet] IN.json OUT.bin\n"
	"\n"
	"Compile a forwarding table JSON file into the binary table that glb-director\n"
	"loads (GLB format version 2, byte-compatible with GitHub GLB's).\n"
	"\n"
	"IN is validated strictly first: bad hex keys, addresses, prefixes, ports,\n"
	"states, protocols, missing fields, wrong JSON types, more than 256 binds or\n"
	"backends, duplicate backend addresses.  Every problem is printed on stderr as\n"
	"one line naming the table index, the entry index and the field, and then\n"
	"OUT is neither created nor touched.  Unknown keys are warnings.\n"
	"\n"
	"OUT is written to a temporary file in the same directory, synced and renamed\n"
	"into place, so a director reloading it never sees half a file.  OUT must be a\n"
	"regular file or not exist yet (a device, directory or symlink is never\n"
	"replaced), and must not be IN.\n"
	"\n"
	"Options:\n"
	"  -t, --threads N  build rows on N threads (default: one per online CPU)\n"
	"  -q, --quiet      do not print the summary line\n"
	"  -h, --help       show this help\n"
	"\n"
	"Exit status: 0 written, 1 IN is invalid, 2 bad command line, 3 I/O failure.\n";

struct build_opts {
	unsigned threads;
	bool quiet;
	const char *in, *out;
};

/* OUT naming IN (another path, a link) would replace the source with its own compilation. */
static bool same_file(const char *in, const char *out)
{
	struct stat a, b;

	if (stat(in, &a) != 0 || stat(out, &b) != 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return false;
	fprintf(stderr,
		"%s: build-config: OUT '%s' is IN '%s': refusing to overwrite the source "
		"table\n",
		GLB_CLI_NAME, out, in);
	return true;
}

static int parse_args(int argc, char **argv, struct build_opts *o)
{
	static const struct option longopts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			o->threads = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !*optarg || o->threads == 0 || o->threads > 64) {
				fprintf(stderr, "%s: --threads: '%s' is not 1-64\n", GLB_CLI_NAME,
					optarg);
				return GLB_EXIT_USAGE;
			}
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return -1;
		default:
			fputs(usage, stderr);
			return GLB_EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "%s: build-config takes IN.json and OUT.bin\n\n%s", GLB_CLI_NAME,
			usage);
		return GLB_EXIT_USAGE;
	}
	o->in = argv[optind];
	o->out = argv[optind + 1];
	return same_file(o->in, o->out) ? GLB_EXIT_USAGE : 0;
}

/* Build every table of cfg into a fresh array; NULL on allocation failure. */
static struct glb_fmt_table *build_all(const struct glb_cfg *cfg, unsigned threads)
{
	struct glb_fmt_table *tables;
	uint32_t t;

	tables = calloc(cfg->num_tables ? cfg->num_tables : 1, sizeof(*tables));
	if (!tables)
		return NULL;
	for (t = 0; t < cfg->num_tables; t++) {
		if (glb_builder_build(&cfg->tables[t], &tables[t], threads) != 0) {
			free(tables);
			return NULL;
		}
	}
	return tables;
}

static void print_summary(const char *path, uint32_t n)
{
	char hex[2 * GLB_SHA256_LEN + 1] = "(unreadable)";
	struct glb_table_file *tf;

	/* Hash what is on disk, so the line names exactly the file a director will load. */
	if (glb_table_load(path, &tf, NULL) == 0) {
		glb_sha256_hex(tf->sha256, hex);
		glb_table_free(tf);
	}
	printf("%s: %u table%s, %zu bytes, sha256 %s\n", path, n, n == 1 ? "" : "s",
	       glb_table_file_size(n), hex);
}

int glb_cli_build(int argc, char **argv)
{
	struct glb_fmt_table *tables;
	struct build_opts o;
	struct glb_diag d;
	struct glb_cfg cfg;
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret != 0)
		return ret < 0 ? GLB_EXIT_OK : ret;
	glb_diag_init(&d);
	ret = glb_fwd_config_load(o.in, &cfg, &d);
	if (ret != 0) {
		ret = glb_cli_report(&d, ret);
		glb_diag_free(&d);
		return ret;
	}
	tables = build_all(&cfg, o.threads);
	if (!tables)
		glb_diag_add(&d, "out of memory building %u tables", cfg.num_tables);
	else
		ret = glb_table_write(o.out, tables, cfg.num_tables, &d);
	ret = glb_cli_report(&d, tables ? ret : -ENOMEM);
	if (ret == GLB_EXIT_OK && !o.quiet)
		print_summary(o.out, cfg.num_tables);
	free(tables);
	glb_fwd_config_free(&cfg);
	glb_diag_free(&d);
	return ret;
}
