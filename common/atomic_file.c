/* SPDX-License-Identifier: BSD-3-Clause */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Write all of buf, retrying short writes and EINTR. */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync the directory holding path, so the rename itself survives a crash. */
static int sync_parent_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, ret = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		ret = -errno;
	else if (fsync(fd) != 0)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return ret;
}

/* Renaming over a device, a directory or a symlink would destroy it, not update a file. */
static int check_replaceable(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	return S_ISREG(st.st_mode) ? 0 : -EEXIST;
}

const char *glb_atomic_strerror(int err)
{
	if (err == -EEXIST)
		return "it exists and is not a regular file (a device, directory or symlink): "
		       "refusing to replace it";
	return strerror(-err);
}

int glb_atomic_write(const char *path, const struct iovec *iov, int iovcnt, unsigned mode,
		     unsigned flags)
{
	char *tmp;
	int fd, i, ret;

	ret = check_replaceable(path);
	if (ret != 0)
		return ret;
	/* Same directory as path: rename(2) is only atomic within one filesystem. */
	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = -errno;
		free(tmp);
		return ret;
	}
	for (i = 0; i < iovcnt && ret == 0; i++)
		ret = write_all(fd, iov[i].iov_base, iov[i].iov_len);
	if (ret == 0 && fchmod(fd, mode) != 0)
		ret = -errno;
	if (ret == 0 && (flags & GLB_ATOMIC_DURABLE) && fsync(fd) != 0)
		ret = -errno;
	if (close(fd) != 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && rename(tmp, path) != 0)
		ret = -errno;
	if (ret != 0)
		unlink(tmp);
	else if (flags & GLB_ATOMIC_DURABLE)
		ret = sync_parent_dir(path);
	free(tmp);
	return ret;
}
