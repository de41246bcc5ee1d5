/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * glb-proxy-diag: what a GLB proxy's TCP stack is doing for the service
 * addresses it serves, and when a drained proxy is empty.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "array_size.h"
#include "atomic_file.h"
#include "config.h"
#include "conns.h"
#include "counters.h"
#include "drained.h"
#include "exit_status.h"
#include "netns.h"
#include "print.h"
#include "sockdiag.h"
#include "state.h"
#include "summary.h"

#ifndef GLB_VERSION
#define GLB_VERSION "unknown"
#endif

#define PROG "glb-proxy-diag"
/* conns lists this many without --top. */
#define DEFAULT_TOP 20

static const char usage[] =
	"Usage: " PROG " [summary] [--vip ADDR[:PORT]]... [--netns NS]\n"
	"                      [--interval S] [--json | --prometheus] [--watch S]\n"
	"                      [--output FILE]\n"
	"       " PROG " conns [--sort retrans|sendq|rtt] [--top N] [--peer PREFIX]\n"
	"                      [--vip ADDR[:PORT]]... [--netns NS] [--json] [--watch S]\n"
	"       " PROG " drained [VIP]... [--timeout S] [--below N] [--netns NS]\n"
	"                      [--json]\n"
	"\n"
	"What a GLB proxy's TCP stack is doing for the service addresses (VIPs) it\n"
	"serves, read from the kernel through netlink sock_diag with the filtering\n"
	"done in the kernel, so that it stays fast with hundreds of thousands of\n"
	"sockets; and when a drained proxy is empty.\n"
	"\n"
	"Service addresses: --vip ADDR[:PORT] (repeatable; [ADDR]:PORT for IPv6);\n"
	"without it the VIPs glb-proxy-setup serves: GLB_PROXY_VIPS from the\n"
	"environment, else from " GLB_PD_DEFAULTS_FILE " (--config FILE).  A VIP without\n"
	"a port covers every port of that address: the sockets bound to it, and\n"
	"listeners on a wildcard address (0.0.0.0, ::) for the ports it has sockets on.\n"
	"Every VIP must be an address of the namespace (on tunl0/sit0, as\n"
	"glb-proxy-setup puts it, or any interface).\n"
	"\n"
	"Commands:\n"
	"  summary (the default)\n"
	"      Per VIP:port: connections by TCP state, TIME-WAIT, the listeners'\n"
	"      accept queue (now/limit), bytes in send and receive queues,\n"
	"      connections retransmitting now and ever.  Then the kernel counters that\n"
	"      matter behind a load balancer (TcpExt: ListenOverflows, ListenDrops,\n"
	"      SyncookiesSent/Recv/Failed, TCPTimeouts, TCPBacklogDrop, TW) and\n"
	"      GLBREDIRECT's (accepted, forwarded, dropped, by reason), as changes\n"
	"      since the last run (kept in " GLB_PD_STATE_DIR "/, or\n"
	"      $XDG_RUNTIME_DIR/glb-proxy-diag/ when not root) or over --interval.\n"
	"  conns\n"
	"      One line per connection: peer, VIP, state, send/receive queue, RTT,\n"
	"      unacked and lost segments, total retransmits, bytes sent and\n"
	"      retransmitted; the worst first.\n"
	"  drained [VIP]...\n"
	"      Wait until the VIPs (these, else as above) have no connection left, or\n"
	"      fewer than --below; print the count as it goes down; exit 0.  On the\n"
	"      timeout, print the connections left (the fullest send queues first)\n"
	"      and exit 4.  A connection is a socket of the VIP that still talks to a\n"
	"      client: established, or opening or closing; not a listener, not\n"
	"      TIME-WAIT.  \"Can I take this proxy out now?\"\n"
	"\n"
	"Options:\n"
	"      --vip ADDR[:PORT]  a service address (repeatable)\n"
	"  -n, --netns NS         the network namespace NS (as `ip netns` names it) or\n"
	"                         a path (/proc/PID/ns/net); default: this process's\n"
	"  -c, --config FILE      where GLB_PROXY_VIPS is set (default\n"
	"                         " GLB_PD_DEFAULTS_FILE ")\n"
	"  -j, --json             the answer as JSON (one object; with --watch, one\n"
	"                         per line)\n"
	"      --prometheus       summary as Prometheus text, counters as totals (for\n"
	"                         node_exporter's textfile collector)\n"
	"  -w, --watch S          refresh every S seconds, with rates, until\n"
	"                         interrupted (SIGINT, SIGTERM)\n"
	"  -o, --output FILE      write the answer to FILE, replaced atomically (each\n"
	"                         refresh with --watch), instead of standard output\n"
	"  -i, --interval S       summary: counters over S seconds (sampled before and\n"
	"                         after) instead of since the last run\n"
	"      --state-file FILE  summary: keep the counters for the next run in FILE\n"
	"      --no-state         summary: neither read nor write the counters file\n"
	"      --sort KEY         conns: retrans (default: total retransmits, bytes\n"
	"                         retransmitted, lost), sendq (bytes not yet\n"
	"                         acknowledged) or rtt\n"
	"      --top N            conns: the N worst (default 20; 0: all)\n"
	"      --peer PREFIX      conns: only peers in PREFIX (198.51.100.0/24, an\n"
	"                         address, 2001:db8::/32)\n"
	"  -t, --timeout S        drained: give up after S seconds (default: wait as\n"
	"                         long as it takes; 0: answer now)\n"
	"      --below N          drained: drained when fewer than N connections are\n"
	"                         left (default 1: none)\n"
	"  -h, --help             this text\n"
	"      --version          the version\n"
	"\n"
	"Needs no privilege for this process's namespace (the kernel tells any user\n"
	"about every socket); entering another (--netns) needs root (CAP_SYS_ADMIN).\n"
	"\n"
	"Examples:\n"
	"  " PROG "              (the VIPs in " GLB_PD_DEFAULTS_FILE ")\n"
	"  " PROG " --vip 192.0.2.10:80 --interval 10\n"
	"  " PROG " conns --sort retrans --peer 198.51.100.0/24\n"
	"  " PROG " drained 192.0.2.10:80 --timeout 600 && systemctl stop glb-proxy\n"
	"  " PROG " --prometheus --watch 15 \\\n"
	"      -o /var/lib/prometheus/node-exporter/glb-proxy.prom\n"
	"\n"
	"Exit status: (the same for every glb program)\n"
	"  0  success; drained: the VIPs are drained\n"
	"  1  invalid input: a VIP is not an address of the namespace, a bad\n"
	"     GLB_PROXY_VIPS\n"
	"  2  bad command line, or no VIPs at all\n"
	"  3  system failure: no such namespace, no permission, a netlink error from\n"
	"     the kernel (its message is printed), /proc unreadable\n"
	"  4  drained: not drained when the timeout came (or interrupted); the\n"
	"     connections left are printed\n";

enum command {
	CMD_SUMMARY,
	CMD_CONNS,
	CMD_DRAINED,
};

struct options {
	enum command cmd;
	struct glb_pd_vips vips;
	const char *vips_from; /* where the VIPs came from, for messages */
	const char *netns, *config, *state_file, *output;
	int no_state;
	enum glb_pd_format format;
	double watch_s, interval_s, timeout_s;
	enum glb_pd_sort sort;
	long top;
	struct glb_pd_prefix peer;
	int has_peer;
	long below;
	unsigned given; /* OPT_* bits of the options given, to check they fit the command */
};

enum long_only {
	OPT_VIP = 256,
	OPT_PROMETHEUS,
	OPT_STATE_FILE,
	OPT_NO_STATE,
	OPT_SORT,
	OPT_TOP,
	OPT_PEER,
	OPT_BELOW,
	OPT_VERSION,
};

/* Options that belong to one command, as bits of options.given. */
enum {
	GIVEN_INTERVAL = 1u << 0,
	GIVEN_STATE = 1u << 1,
	GIVEN_SORT = 1u << 2,
	GIVEN_TOP = 1u << 3,
	GIVEN_PEER = 1u << 4,
	GIVEN_TIMEOUT = 1u << 5,
	GIVEN_BELOW = 1u << 6,
	GIVEN_WATCH = 1u << 7,
	GIVEN_OUTPUT = 1u << 8,
	GIVEN_PROMETHEUS = 1u << 9,
};

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

__attribute__((format(printf, 1, 2))) static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nRun '" PROG " --help' for usage.\n");
	return -1;
}

/* Seconds: a finite number, > 0 (or >= 0 when zero_ok). */
static int parse_seconds(const char *opt, const char *text, int zero_ok, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(v) || v < 0 || (v == 0 && !zero_ok) ||
	    v > (double)INT_MAX)
		return bad_usage("%s %s: not a number of seconds%s", opt, text,
				 zero_ok ? "" : " above 0");
	*out = v;
	return 0;
}

static int parse_count(const char *opt, const char *text, long min, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < min)
		return bad_usage("%s %s: not a whole number from %ld", opt, text, min);
	*out = v;
	return 0;
}

static int add_vip(struct options *o, const char *text)
{
	int ret = glb_pd_config_add(&o->vips, text);

	if (ret == -E2BIG)
		return bad_usage("too many VIPs (at most 256): %s", text);
	if (ret != 0)
		return bad_usage("--vip %s: not ADDR, ADDR:PORT or [IPv6]:PORT", text);
	o->vips_from = "the command line";
	return 0;
}

static int set_format(struct options *o, enum glb_pd_format f)
{
	if (o->format != GLB_PD_TEXT && o->format != f)
		return bad_usage("%s", "--json and --prometheus are two answers: pick one");
	o->format = f;
	return 0;
}

static int parse_option(struct options *o, int c)
{
	switch (c) {
	case OPT_VIP:
		return add_vip(o, optarg);
	case 'n':
		o->netns = optarg;
		return 0;
	case 'c':
		o->config = optarg;
		return 0;
	case 'j':
		return set_format(o, GLB_PD_JSON);
	case OPT_PROMETHEUS:
		o->given |= GIVEN_PROMETHEUS;
		return set_format(o, GLB_PD_PROMETHEUS);
	case 'w':
		o->given |= GIVEN_WATCH;
		return parse_seconds("--watch", optarg, 0, &o->watch_s);
	case 'o':
		o->given |= GIVEN_OUTPUT;
		o->output = optarg;
		return 0;
	case 'i':
		o->given |= GIVEN_INTERVAL;
		return parse_seconds("--interval", optarg, 0, &o->interval_s);
	case OPT_STATE_FILE:
		o->given |= GIVEN_STATE;
		o->state_file = optarg;
		return 0;
	case OPT_NO_STATE:
		o->given |= GIVEN_STATE;
		o->no_state = 1;
		return 0;
	case OPT_SORT:
		o->given |= GIVEN_SORT;
		if (glb_pd_sort_parse(optarg, &o->sort) != 0)
			return bad_usage("--sort %s: not retrans, sendq or rtt", optarg);
		return 0;
	case OPT_TOP:
		o->given |= GIVEN_TOP;
		return parse_count("--top", optarg, 0, &o->top);
	case OPT_PEER:
		o->given |= GIVEN_PEER;
		o->has_peer = 1;
		if (glb_pd_prefix_parse(optarg, &o->peer) != 0)
			return bad_usage(
				"--peer %s: not an address or a prefix (ADDR/LEN, host bits 0)",
				optarg);
		return 0;
	case 't':
		o->given |= GIVEN_TIMEOUT;
		return parse_seconds("--timeout", optarg, 1, &o->timeout_s);
	case OPT_BELOW:
		o->given |= GIVEN_BELOW;
		return parse_count("--below", optarg, 1, &o->below);
	}
	return -1;
}

/* The options that go with a command, and the command with its arguments. */
static int check_command(struct options *o, int argc, char **argv)
{
	static const struct {
		const char *name;
		unsigned allowed;
	} cmds[] = {
		[CMD_SUMMARY] = { "summary", GIVEN_INTERVAL | GIVEN_STATE | GIVEN_WATCH |
						     GIVEN_OUTPUT | GIVEN_PROMETHEUS },
		[CMD_CONNS] = { "conns",
				GIVEN_SORT | GIVEN_TOP | GIVEN_PEER | GIVEN_WATCH | GIVEN_OUTPUT },
		[CMD_DRAINED] = { "drained", GIVEN_TIMEOUT | GIVEN_BELOW },
	};
	size_t c;

	if (optind < argc) {
		for (c = 0; c < GLB_ARRAY_SIZE(cmds); c++)
			if (strcmp(argv[optind], cmds[c].name) == 0)
				break;
		if (c == GLB_ARRAY_SIZE(cmds))
			return bad_usage("unknown command '%s' (summary, conns, drained)",
					 argv[optind]);
		o->cmd = (enum command)c;
		optind++;
	}
	for (; o->cmd == CMD_DRAINED && optind < argc; optind++)
		if (add_vip(o, argv[optind]) != 0)
			return -1;
	if (optind < argc)
		return bad_usage("unexpected argument '%s'", argv[optind]);
	if (o->given & ~cmds[o->cmd].allowed)
		return bad_usage("an option given does not go with %s (see --help)",
				 cmds[o->cmd].name);
	if (o->watch_s > 0 && o->interval_s > 0)
		return bad_usage("%s", "--watch and --interval exclude each other");
	return 0;
}

/* Returns -1 to exit with a usage error, 1 to exit successfully (help), 0 to go on. */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "vip", required_argument, NULL, OPT_VIP },
		{ "netns", required_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, OPT_PROMETHEUS },
		{ "watch", required_argument, NULL, 'w' },
		{ "output", required_argument, NULL, 'o' },
		{ "interval", required_argument, NULL, 'i' },
		{ "state-file", required_argument, NULL, OPT_STATE_FILE },
		{ "no-state", no_argument, NULL, OPT_NO_STATE },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "peer", required_argument, NULL, OPT_PEER },
		{ "timeout", required_argument, NULL, 't' },
		{ "below", required_argument, NULL, OPT_BELOW },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->config = GLB_PD_DEFAULTS_FILE;
	o->top = DEFAULT_TOP;
	o->below = 1;
	o->timeout_s = -1;
	while ((c = getopt_long(argc, argv, "n:c:jw:o:i:t:h", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return 1;
		}
		if (c == OPT_VERSION) {
			printf(PROG " %s\n", GLB_VERSION);
			return 1;
		}
		if (c == '?' || parse_option(o, c) != 0) {
			if (c == '?')
				fprintf(stderr, "Run '" PROG " --help' for usage.\n");
			return -1;
		}
	}
	return check_command(o, argc, argv);
}

/* The VIPs from GLB_PROXY_VIPS or the defaults file, when --vip gave none. */
static int configured_vips(struct options *o)
{
	static char from[PATH_MAX + 32];
	const char *env = getenv(GLB_PD_VIPS_VAR);
	char value[4096], bad[128];
	int ret;

	if (o->vips.n)
		return GLB_EXIT_OK;
	if (env && *env) {
		snprintf(value, sizeof(value), "%s", env);
		snprintf(from, sizeof(from), GLB_PD_VIPS_VAR " in the environment");
	} else {
		ret = glb_pd_config_read_defaults(o->config, value, sizeof(value));
		if (ret != 0 && ret != -ENOENT) {
			fprintf(stderr, PROG ": %s: %s\n", o->config, strerror(-ret));
			return GLB_EXIT_SYSTEM;
		}
		if (ret == -ENOENT)
			value[0] = '\0';
		snprintf(from, sizeof(from), GLB_PD_VIPS_VAR " in %s", o->config);
	}
	o->vips_from = from;
	ret = glb_pd_config_add_list(&o->vips, value, bad, sizeof(bad));
	if (ret != 0) {
		fprintf(stderr, PROG ": %s: '%s' is %s\n", from, bad,
			ret == -E2BIG ? "one VIP too many (at most 256)" :
					"not ADDR, ADDR:PORT or [IPv6]:PORT");
		return GLB_EXIT_INVALID;
	}
	if (o->vips.n == 0) {
		fprintf(stderr,
			PROG ": no VIPs: give --vip ADDR[:PORT], or set " GLB_PD_VIPS_VAR
			     " (in %s or the environment)\n",
			o->config);
		return GLB_EXIT_USAGE;
	}
	return GLB_EXIT_OK;
}

/* Every VIP must be an address of the namespace: a typo must not pass for
 * "no connections" (and drained would answer yes). */
static int check_local(const struct options *o)
{
	int status = GLB_EXIT_OK;

	for (size_t i = 0; i < o->vips.n; i++) {
		char addr[GLB_PD_ADDRSTRLEN];
		int ret = glb_pd_config_check_local(&o->vips.v[i].addr);

		if (ret == 0)
			continue;
		glb_pd_addr_format(&o->vips.v[i].addr, addr, sizeof(addr));
		if (ret == -EADDRNOTAVAIL) {
			fprintf(stderr,
				PROG
				": %s (from %s) is not an address of %s%s: not a VIP served here\n",
				addr, o->vips_from,
				o->netns ? "network namespace " : "this network namespace",
				o->netns ? o->netns : "");
			status = GLB_EXIT_INVALID;
		} else {
			fprintf(stderr, PROG ": checking that %s is local: %s\n", addr,
				strerror(-ret));
			return GLB_EXIT_SYSTEM;
		}
	}
	return status;
}

static int enter_netns(const char *ns)
{
	int ret = glb_pd_netns_enter(ns);

	if (ret == 0)
		return GLB_EXIT_OK;
	if (ret == -ENOENT)
		fprintf(stderr, PROG ": no network namespace %s%s\n", ns,
			strchr(ns, '/') ? "" : " (`ip netns list` shows them)");
	else if (ret == -EPERM || ret == -EACCES)
		fprintf(stderr,
			PROG ": entering network namespace %s: %s (needs root: CAP_SYS_ADMIN)\n",
			ns, strerror(-ret));
	else if (ret == -EINVAL)
		fprintf(stderr, PROG ": %s is not a network namespace\n", ns);
	else
		fprintf(stderr, PROG ": entering network namespace %s: %s\n", ns, strerror(-ret));
	return GLB_EXIT_SYSTEM;
}

/* A failed socket dump, in the kernel's words when it gave any. */
static int dump_failed(const struct glb_pd_sockdiag *sd, int err)
{
	if (err == -ENOENT && !sd->errmsg[0])
		fprintf(stderr,
			PROG ": the kernel has no TCP socket diagnostics (module tcp_diag)\n");
	else if (err == -ENOSPC)
		fprintf(stderr, PROG ": too many VIPs for the kernel's filter\n");
	else
		fprintf(stderr, PROG ": netlink sock_diag: %s%s%s\n", strerror(-err),
			sd->errmsg[0] ? ": " : "", sd->errmsg);
	return GLB_EXIT_SYSTEM;
}

/* The output stream: standard output, or a buffer for --output. */
struct out {
	FILE *f;
	char *buf;
	size_t len;
	const char *path;
};

static int out_open(struct out *out, const char *path)
{
	*out = (struct out){ .f = stdout, .path = path };
	if (path && !(out->f = open_memstream(&out->buf, &out->len)))
		return -errno;
	return 0;
}

/* Write what was printed: flush, or replace the --output file. */
static int out_close(struct out *out)
{
	struct iovec iov;
	int ret;

	if (!out->path)
		return fflush(stdout) == 0 ? 0 : -errno;
	if (fclose(out->f) != 0) {
		free(out->buf);
		return -ENOMEM;
	}
	iov = (struct iovec){ .iov_base = out->buf, .iov_len = out->len };
	ret = glb_atomic_write(out->path, &iov, 1, 0644, 0);
	if (ret != 0)
		fprintf(stderr, PROG ": %s: %s\n", out->path, glb_atomic_strerror(ret));
	free(out->buf);
	return ret;
}

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Sleep s seconds unless a stop is requested meanwhile. */
static void wait_seconds(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s,
			       .tv_nsec = (long)((s - (double)(time_t)s) * 1e9) };

	while (!stop_requested && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* A refreshing view: clear a terminal between frames. */
static void clear_screen(const struct options *o)
{
	if (o->format == GLB_PD_TEXT && !o->output && isatty(STDOUT_FILENO))
		fputs("\033[H\033[2J", stdout);
}

/* Where the summary's counters are kept between runs; 0 when nowhere. */
struct saved {
	int use;
	struct glb_pd_state_key key;
	char path[PATH_MAX];
};

static void saved_init(struct saved *s, const struct options *o)
{
	memset(s, 0, sizeof(*s));
	/* Prometheus wants totals, and a scraper's runs must not move the
	 * baseline of the operator's. */
	if (o->no_state || o->format == GLB_PD_PROMETHEUS || glb_pd_state_key_get(&s->key) != 0)
		return;
	if (o->state_file)
		snprintf(s->path, sizeof(s->path), "%s", o->state_file);
	else if (glb_pd_state_default_path(&s->key, s->path, sizeof(s->path)) != 0)
		return;
	s->use = 1;
}

/* The last run's counters into before: 1 when there were some. */
static int saved_load(const struct saved *s, struct glb_pd_counters *before)
{
	int ret;

	if (!s->use)
		return 0;
	ret = glb_pd_state_load(s->path, &s->key, before);
	if (ret == -EINVAL)
		fprintf(stderr, PROG ": warning: %s is not a counters file of ours: ignored\n",
			s->path);
	else if (ret != 0 && ret != -ENOENT && ret != -ESTALE)
		fprintf(stderr, PROG ": warning: %s: %s\n", s->path, strerror(-ret));
	return ret == 0;
}

static void saved_store(const struct saved *s, const struct glb_pd_counters *now)
{
	int ret;

	if (!s->use)
		return;
	ret = glb_pd_state_save(s->path, &s->key, now);
	if (ret != 0)
		fprintf(stderr,
			PROG ": warning: cannot keep the counters for the next run in %s: %s "
			     "(--no-state: do not try)\n",
			s->path, glb_atomic_strerror(ret));
}

static int read_counters(struct glb_pd_counters *c)
{
	int ret = glb_pd_counters_read(c);

	if (ret == 0)
		return GLB_EXIT_OK;
	fprintf(stderr, PROG ": /proc/net/netstat: %s\n", strerror(-ret));
	return GLB_EXIT_SYSTEM;
}

/* One look at the VIPs' sockets and the counters. */
static int summary_sample(struct glb_pd_sockdiag *sd, const struct options *o,
			  struct glb_pd_summary *sum, struct glb_pd_counters *now)
{
	struct glb_pd_query q = {
		.states = GLB_PD_TCPF_ALL,
		.want_info = 1,
		.vips = o->vips.v,
		.num_vips = o->vips.n,
		.listeners = 1,
	};
	int ret = glb_pd_summary_init(sum, o->vips.v, o->vips.n);

	if (ret == 0)
		ret = glb_pd_sockdiag_dump(sd, &q, glb_pd_summary_add, sum);
	if (ret == 0)
		ret = glb_pd_summary_finish(sum);
	if (ret != 0) {
		glb_pd_summary_free(sum);
		return dump_failed(sd, ret);
	}
	ret = read_counters(now);
	if (ret != GLB_EXIT_OK)
		glb_pd_summary_free(sum);
	return ret;
}

static int summary_print(const struct options *o, const struct glb_pd_view *v)
{
	struct out out;

	if (out_open(&out, o->output) != 0)
		return GLB_EXIT_SYSTEM;
	clear_screen(o);
	if (o->format == GLB_PD_JSON)
		glb_pd_print_summary_json(out.f, v);
	else if (o->format == GLB_PD_PROMETHEUS)
		glb_pd_print_summary_prometheus(out.f, v);
	else
		glb_pd_print_summary_text(out.f, v);
	return out_close(&out) == 0 ? GLB_EXIT_OK : GLB_EXIT_SYSTEM;
}

static int run_summary(struct glb_pd_sockdiag *sd, const struct options *o)
{
	struct glb_pd_counters before, now;
	struct glb_pd_summary sum;
	struct glb_pd_view v = { .netns = o->netns, .sum = &sum, .now = &now };
	struct saved saved;
	int status;

	saved_init(&saved, o);
	if (o->interval_s > 0) {
		status = read_counters(&before);
		if (status != GLB_EXIT_OK)
			return status;
		wait_seconds(o->interval_s);
		v.basis = GLB_PD_OVER_INTERVAL;
	} else if (saved_load(&saved, &before)) {
		v.basis = GLB_PD_SINCE_LAST_RUN;
	}
	for (;;) {
		status = summary_sample(sd, o, &sum, &now);
		if (status != GLB_EXIT_OK)
			return status;
		v.before = v.basis == GLB_PD_SINCE_BOOT ? NULL : &before;
		v.seconds = v.before ? seconds_between(&before.taken, &now.taken) : 0;
		status = summary_print(o, &v);
		glb_pd_summary_free(&sum);
		if (status != GLB_EXIT_OK || o->watch_s <= 0 || stop_requested)
			break;
		wait_seconds(o->watch_s);
		if (stop_requested)
			break;
		before = now;
		v.basis = GLB_PD_SINCE_REFRESH;
	}
	saved_store(&saved, &now);
	return status;
}

static int run_conns(struct glb_pd_sockdiag *sd, const struct options *o)
{
	struct glb_pd_query q = {
		.states = GLB_PD_TCPF_CONNECTIONS,
		.want_info = 1,
		.vips = o->vips.v,
		.num_vips = o->vips.n,
		.peer = o->has_peer ? &o->peer : NULL,
	};
	struct glb_pd_conns cs;
	struct out out;
	int ret;

	do {
		glb_pd_conns_init(&cs, o->sort, (size_t)o->top);
		ret = glb_pd_sockdiag_dump(sd, &q, glb_pd_conns_add, &cs);
		if (ret != 0) {
			glb_pd_conns_free(&cs);
			return dump_failed(sd, ret);
		}
		glb_pd_conns_finish(&cs);
		if (out_open(&out, o->output) != 0) {
			glb_pd_conns_free(&cs);
			return GLB_EXIT_SYSTEM;
		}
		clear_screen(o);
		if (o->format == GLB_PD_JSON)
			glb_pd_print_conns_json(out.f, &cs, o->netns);
		else
			glb_pd_print_conns_text(out.f, &cs);
		glb_pd_conns_free(&cs);
		if (out_close(&out) != 0)
			return GLB_EXIT_SYSTEM;
		if (o->watch_s > 0)
			wait_seconds(o->watch_s);
	} while (o->watch_s > 0 && !stop_requested);
	return GLB_EXIT_OK;
}

static int run_drained(struct glb_pd_sockdiag *sd, const struct options *o)
{
	struct glb_pd_drained_opts d = {
		.vips = o->vips.v,
		.num_vips = o->vips.n,
		.timeout_s = o->timeout_s,
		.below = (uint64_t)o->below,
		.json = o->format == GLB_PD_JSON,
	};
	/* With --json the answer is the one object on stdout; progress is for people. */
	int ret = glb_pd_drained_wait(sd, &d, &stop_requested, stdout, d.json ? stderr : stdout);

	if (ret < 0)
		return dump_failed(sd, ret);
	fflush(stdout);
	return ret == GLB_PD_DRAINED ? GLB_EXIT_OK : GLB_EXIT_NOT_DRAINED;
}

/* SIGINT and SIGTERM end a --watch, an --interval or a drained wait
 * cleanly: no SA_RESTART, so that a sleep returns at once. */
static void catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int run(struct options *o)
{
	struct glb_pd_sockdiag sd;
	int status, ret;

	if (o->netns && (status = enter_netns(o->netns)) != GLB_EXIT_OK)
		return status;
	status = configured_vips(o);
	if (status == GLB_EXIT_OK)
		status = check_local(o);
	if (status != GLB_EXIT_OK)
		return status;
	ret = glb_pd_sockdiag_open(&sd);
	if (ret != 0) {
		fprintf(stderr, PROG ": netlink sock_diag socket: %s\n", strerror(-ret));
		return GLB_EXIT_SYSTEM;
	}
	catch_stop_signals();
	switch (o->cmd) {
	case CMD_SUMMARY:
		status = run_summary(&sd, o);
		break;
	case CMD_CONNS:
		status = run_conns(&sd, o);
		break;
	case CMD_DRAINED:
		status = run_drained(&sd, o);
		break;
	}
	glb_pd_sockdiag_close(&sd);
	return status;
}

int main(int argc, char **argv)
{
	struct options o;
	int parsed = parse_args(argc, argv, &o);

	if (parsed != 0)
		return parsed > 0 ? GLB_EXIT_OK : GLB_EXIT_USAGE;
	return run(&o);
}
