/* SPDX-License-Identifier: BSD-3-Clause */
#include "counters.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NETSTAT_PATH "/proc/thread-self/net/netstat"
#define REDIRECT_PATH "/proc/thread-self/net/glb_redirect_stats"
/* /proc/net/netstat is about 4 KiB; glb_redirect_stats under 1 KiB. */
#define PROC_FILE_MAX (64u * 1024u)

const char *const glb_pd_tcpext_names[GLB_PD_TCPEXT_NUM] = {
	[GLB_PD_LISTEN_OVERFLOWS] = "ListenOverflows",
	[GLB_PD_LISTEN_DROPS] = "ListenDrops",
	[GLB_PD_SYNCOOKIES_SENT] = "SyncookiesSent",
	[GLB_PD_SYNCOOKIES_RECV] = "SyncookiesRecv",
	[GLB_PD_SYNCOOKIES_FAILED] = "SyncookiesFailed",
	[GLB_PD_TCP_TIMEOUTS] = "TCPTimeouts",
	[GLB_PD_TCP_BACKLOG_DROP] = "TCPBacklogDrop",
	[GLB_PD_TW] = "TW",
};

enum glb_pd_verdict glb_pd_redirect_verdict(const char *name)
{
	if (strcmp(name, "total") == 0)
		return GLB_PD_VERDICT_TOTAL;
	if (strncmp(name, "accept_", 7) == 0 || strcmp(name, "forward_self") == 0)
		return GLB_PD_VERDICT_ACCEPTED;
	if (strcmp(name, "forward") == 0 || strcmp(name, "forward_icmp") == 0)
		return GLB_PD_VERDICT_FORWARDED;
	if (strncmp(name, "drop_", 5) == 0)
		return GLB_PD_VERDICT_DROPPED;
	return GLB_PD_VERDICT_OTHER;
}

static int tcpext_index(const char *name, size_t len)
{
	for (int i = 0; i < GLB_PD_TCPEXT_NUM; i++)
		if (strlen(glb_pd_tcpext_names[i]) == len &&
		    strncmp(glb_pd_tcpext_names[i], name, len) == 0)
			return i;
	return -1;
}

/* One "TcpExt:" names line and the values line after it. */
static void parse_tcpext(const char *names, const char *values, struct glb_pd_counters *c)
{
	const char *n = names, *v = values;

	for (;;) {
		size_t nlen, vlen;
		int i;

		n += strspn(n, " ");
		v += strspn(v, " ");
		nlen = strcspn(n, " \n");
		vlen = strcspn(v, " \n");
		/* Fewer values than names: a line cut short; stop at the last pair. */
		if (nlen == 0 || vlen == 0)
			return;
		i = tcpext_index(n, nlen);
		if (i >= 0) {
			c->tcpext[i] = strtoull(v, NULL, 10);
			c->tcpext_have |= 1u << i;
		}
		n += nlen;
		v += vlen;
	}
}

int glb_pd_counters_parse_netstat(const char *text, struct glb_pd_counters *c)
{
	static const char tag[] = "TcpExt:";
	const char *names = NULL;

	c->tcpext_have = 0;
	memset(c->tcpext, 0, sizeof(c->tcpext));
	for (const char *line = text; line && *line;) {
		const char *next = strchr(line, '\n');

		if (strncmp(line, tag, sizeof(tag) - 1) == 0) {
			if (!names) {
				names = line + sizeof(tag) - 1;
			} else {
				parse_tcpext(names, line + sizeof(tag) - 1, c);
				names = NULL;
			}
		}
		line = next ? next + 1 : NULL;
	}
	return c->tcpext_have ? 0 : -EINVAL;
}

int glb_pd_counters_parse_redirect(const char *text, struct glb_pd_counters *c)
{
	c->num_redirect = 0;
	for (const char *line = text; line && *line;) {
		const char *next = strchr(line, '\n');
		char name[GLB_PD_COUNTER_NAME_LEN];
		unsigned long long value;

		if (sscanf(line, "%39s %llu", name, &value) == 2 &&
		    c->num_redirect < GLB_PD_MAX_REDIRECT) {
			snprintf(c->redirect[c->num_redirect].name, GLB_PD_COUNTER_NAME_LEN, "%s",
				 name);
			c->redirect[c->num_redirect].value = value;
			c->num_redirect++;
		}
		line = next ? next + 1 : NULL;
	}
	c->have_redirect = 1;
	return c->num_redirect ? 0 : -EINVAL;
}

int glb_pd_counters_redirect(const struct glb_pd_counters *c, const char *name, uint64_t *value)
{
	for (size_t i = 0; i < c->num_redirect; i++) {
		if (strcmp(c->redirect[i].name, name) == 0) {
			*value = c->redirect[i].value;
			return 0;
		}
	}
	*value = 0;
	return -ENOENT;
}

/* A whole /proc file into a NUL-terminated buffer (caller frees). */
static int read_proc(const char *path, char **out)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t len = 0, n;
	int err;

	if (!f)
		return -errno;
	buf = malloc(PROC_FILE_MAX);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	while (len + 1 < PROC_FILE_MAX && (n = fread(buf + len, 1, PROC_FILE_MAX - 1 - len, f)) > 0)
		len += n;
	err = ferror(f) ? -EIO : 0;
	fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

int glb_pd_counters_read(struct glb_pd_counters *c)
{
	char *text;
	int ret;

	memset(c, 0, sizeof(*c));
	clock_gettime(CLOCK_REALTIME, &c->taken);
	ret = read_proc(NETSTAT_PATH, &text);
	if (ret != 0)
		return ret;
	glb_pd_counters_parse_netstat(text, c);
	free(text);
	if (read_proc(REDIRECT_PATH, &text) == 0) {
		glb_pd_counters_parse_redirect(text, c);
		free(text);
	}
	return 0;
}
