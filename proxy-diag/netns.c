/* SPDX-License-Identifier: BSD-3-Clause */
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int glb_pd_netns_enter(const char *name)
{
	char path[PATH_MAX];
	int fd, ret = 0;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), GLB_PD_NETNS_DIR "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET) != 0)
		ret = -errno;
	close(fd);
	return ret;
}

int glb_pd_netns_id(uint64_t *dev, uint64_t *ino)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st) != 0)
		return -errno;
	*dev = (uint64_t)st.st_dev;
	*ino = (uint64_t)st.st_ino;
	return 0;
}
