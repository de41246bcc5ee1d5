/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replace a file so that a reader sees either the old or the new content,
 * never a mix, and a crash leaves one of the two on disk.
 */
#ifndef GLB_ATOMIC_FILE_H
#define GLB_ATOMIC_FILE_H

#include <stddef.h>
#include <sys/uio.h>

/* What glb_atomic_write promises beyond "the old content or the new, never a mix". */
enum glb_atomic_flags {
	/* fsync the file, then the directory after the rename: the new content
	 * survives a crash.  Without it a crash may leave the old content or
	 * none, and nothing waits on the disk. */
	GLB_ATOMIC_DURABLE = 1u << 0,
};

/*
 * Write the iovecs to a temp file next to path, rename it over path; with
 * GLB_ATOMIC_DURABLE, fsync both.  The temp file is removed on any failure.
 * mode is the new file's permission bits.  Anything at path that is not a
 * regular file (a device such as /dev/null, a directory, a symlink) is
 * never replaced: -EEXIST.  Returns 0 or -errno; glb_atomic_strerror()
 * says what the error means here.
 */
int glb_atomic_write(const char *path, const struct iovec *iov, int iovcnt, unsigned mode,
		     unsigned flags);

/* strerror(-err), except for what -EEXIST means to glb_atomic_write. */
const char *glb_atomic_strerror(int err);

#endif
