/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replace a file so that a reader sees either the old or the new content,
 * never a mix, and a crash leaves one of the two on disk.
 */
#ifndef GLB_ATOMIC_FILE_H
#define GLB_ATOMIC_FILE_H

#include <stddef.h>
#include <sys/uio.h>

/*
 * Write the iovecs to a temp file next to path, fsync it, rename it over
 * path, fsync the directory.  The temp file is removed on any failure.
 * mode is the new file's permission bits.  Returns 0 or -errno.
 */
int glb_atomic_write(const char *path, const struct iovec *iov, int iovcnt, unsigned mode);

#endif
