/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LIST_SEPARATORS " \t\n,"

int glb_pd_config_add(struct glb_pd_vips *vips, const char *text)
{
	struct glb_pd_vip v;

	if (glb_pd_vip_parse(text, &v) != 0)
		return -EINVAL;
	for (size_t i = 0; i < vips->n; i++)
		if (glb_pd_addr_equal(&vips->v[i].addr, &v.addr) && vips->v[i].port == v.port)
			return 0;
	if (vips->n == GLB_PD_MAX_VIPS)
		return -E2BIG;
	vips->v[vips->n++] = v;
	return 0;
}

int glb_pd_config_add_list(struct glb_pd_vips *vips, const char *list, char *bad, size_t bad_len)
{
	char *copy = strdup(list), *save = NULL, *word;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (word = strtok_r(copy, LIST_SEPARATORS, &save); word && ret == 0;
	     word = strtok_r(NULL, LIST_SEPARATORS, &save)) {
		ret = glb_pd_config_add(vips, word);
		if (ret != 0)
			snprintf(bad, bad_len, "%s", word);
	}
	free(copy);
	return ret;
}

/* The value of "VALUE", 'VALUE' or VALUE (up to a blank or a comment). */
static void unquote(const char *s, char *out, size_t len)
{
	size_t n;

	if (*s == '"' || *s == '\'') {
		const char *end = strchr(s + 1, *s);

		n = end ? (size_t)(end - s - 1) : strcspn(s + 1, "\n");
		s++;
	} else {
		n = strcspn(s, " \t\n#");
	}
	snprintf(out, len, "%.*s", (int)n, s);
}

int glb_pd_config_read_defaults(const char *path, char *value, size_t len)
{
	static const char key[] = GLB_PD_VIPS_VAR "=";
	FILE *f = fopen(path, "re");
	char line[4096];
	int found = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		const char *s = line + strspn(line, " \t");

		if (strncmp(s, "export", 6) == 0 && (s[6] == ' ' || s[6] == '\t'))
			s += 6 + strspn(s + 6, " \t");
		if (strncmp(s, key, sizeof(key) - 1) != 0)
			continue;
		unquote(s + sizeof(key) - 1, value, len);
		found = 1;
	}
	fclose(f);
	return found ? 0 : -ENOENT;
}

int glb_pd_config_check_local(const struct glb_pd_addr *a)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd, ret = 0;

	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->b, 4);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->b, 16);
		sl = sizeof(*sin6);
	}
	/* UDP, port 0: binding takes a port only until the close below. */
	fd = socket(a->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0)
		ret = -errno;
	close(fd);
	return ret;
}
