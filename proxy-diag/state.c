/* SPDX-License-Identifier: BSD-3-Clause */
#include "state.h"

#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "atomic_file.h"

#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"
#define STATE_MAGIC "glb-proxy-diag-counters 1"
/* A state file is a few dozen short lines. */
#define STATE_FILE_MAX (16u * 1024u)

int glb_pd_state_key_get(struct glb_pd_state_key *k)
{
	FILE *f = fopen(BOOT_ID_PATH, "re");
	struct stat st;

	memset(k, 0, sizeof(*k));
	if (!f)
		return -errno;
	if (!fgets(k->boot_id, sizeof(k->boot_id), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	k->boot_id[strcspn(k->boot_id, "\n")] = '\0';
	if (stat("/proc/thread-self/ns/net", &st) != 0)
		return -errno;
	k->netns_dev = (uint64_t)st.st_dev;
	k->netns_ino = (uint64_t)st.st_ino;
	return 0;
}

int glb_pd_state_default_path(const struct glb_pd_state_key *k, char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0)
		snprintf(buf, len, GLB_PD_STATE_DIR "/netns-%" PRIu64, k->netns_ino);
	else if (xdg && *xdg == '/')
		snprintf(buf, len, "%s/glb-proxy-diag/netns-%" PRIu64, xdg, k->netns_ino);
	else
		return -ENOENT;
	return 0;
}

char *glb_pd_state_format(const struct glb_pd_state_key *k, const struct glb_pd_counters *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	fprintf(f, STATE_MAGIC "\nboot_id %s\nnetns %" PRIu64 ":%" PRIu64 "\ntime %lld.%09ld\n",
		k->boot_id, k->netns_dev, k->netns_ino, (long long)c->taken.tv_sec,
		c->taken.tv_nsec);
	for (int i = 0; i < GLB_PD_TCPEXT_NUM; i++)
		if (c->tcpext_have & (1u << i))
			fprintf(f, "tcpext %s %" PRIu64 "\n", glb_pd_tcpext_names[i], c->tcpext[i]);
	for (size_t i = 0; i < c->num_redirect; i++)
		fprintf(f, "redirect %s %" PRIu64 "\n", c->redirect[i].name, c->redirect[i].value);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static int parse_line(const char *line, struct glb_pd_counters *prev)
{
	char kind[16], name[GLB_PD_COUNTER_NAME_LEN];
	unsigned long long value;
	long long sec;
	long nsec;

	if (sscanf(line, "time %lld.%ld", &sec, &nsec) == 2) {
		prev->taken.tv_sec = (time_t)sec;
		prev->taken.tv_nsec = nsec;
		return 0;
	}
	if (sscanf(line, "%15s %39s %llu", kind, name, &value) != 3)
		return 0; /* boot_id, netns: checked by the caller */
	if (strcmp(kind, "tcpext") == 0) {
		for (int i = 0; i < GLB_PD_TCPEXT_NUM; i++) {
			if (strcmp(glb_pd_tcpext_names[i], name) == 0) {
				prev->tcpext[i] = value;
				prev->tcpext_have |= 1u << i;
			}
		}
	} else if (strcmp(kind, "redirect") == 0 && prev->num_redirect < GLB_PD_MAX_REDIRECT) {
		snprintf(prev->redirect[prev->num_redirect].name, GLB_PD_COUNTER_NAME_LEN, "%s",
			 name);
		prev->redirect[prev->num_redirect++].value = value;
		prev->have_redirect = 1;
	}
	return 0;
}

int glb_pd_state_parse(const char *text, const struct glb_pd_state_key *k,
		       struct glb_pd_counters *prev)
{
	char boot_id[sizeof(k->boot_id)], want[64];
	const char *line;
	uint64_t dev, ino;

	memset(prev, 0, sizeof(*prev));
	if (strncmp(text, STATE_MAGIC "\n", sizeof(STATE_MAGIC)) != 0)
		return -EINVAL;
	line = text + sizeof(STATE_MAGIC);
	if (sscanf(line, "boot_id %39s\nnetns %" SCNu64 ":%" SCNu64, boot_id, &dev, &ino) != 3)
		return -EINVAL;
	snprintf(want, sizeof(want), "%s", k->boot_id);
	if (strcmp(boot_id, want) != 0 || dev != k->netns_dev || ino != k->netns_ino)
		return -ESTALE;
	for (; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		parse_line(line, prev);
	return 0;
}

int glb_pd_state_load(const char *path, const struct glb_pd_state_key *k,
		      struct glb_pd_counters *prev)
{
	FILE *f = fopen(path, "re");
	char *text;
	size_t len;
	int ret;

	if (!f)
		return -errno;
	text = malloc(STATE_FILE_MAX);
	if (!text) {
		fclose(f);
		return -ENOMEM;
	}
	len = fread(text, 1, STATE_FILE_MAX - 1, f);
	fclose(f);
	text[len] = '\0';
	ret = glb_pd_state_parse(text, k, prev);
	free(text);
	return ret;
}

int glb_pd_state_save(const char *path, const struct glb_pd_state_key *k,
		      const struct glb_pd_counters *c)
{
	char dir[PATH_MAX];
	char *text = glb_pd_state_format(k, c);
	struct iovec iov;
	int ret;

	if (!text)
		return -ENOMEM;
	/* The default directory is ours to make; /run is a tmpfs. */
	snprintf(dir, sizeof(dir), "%s", path);
	if (mkdir(dirname(dir), 0755) != 0 && errno != EEXIST) {
		ret = -errno;
		free(text);
		return ret;
	}
	iov = (struct iovec){ .iov_base = text, .iov_len = strlen(text) };
	/* Not durable: the counters do not outlive a reboot either. */
	ret = glb_atomic_write(path, &iov, 1, 0644, 0);
	free(text);
	return ret;
}
