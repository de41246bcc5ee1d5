/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the Check unit tests. */
#ifndef GLB_TESTUTIL_H
#define GLB_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <check.h>

/* Run a suite with CK_ENV honoured; returns the process exit status. */
int glb_test_run(Suite *s);

/* Path of a file under ../shared/vectors (env GLB_VECTORS_DIR). Static buffer. */
const char *glb_test_vector_path(const char *name);

/* Read a whole file; *len set; NULL on error. Caller frees. */
uint8_t *glb_test_read_file(const char *path, size_t *len);

/* Write buf to a fresh file in a fresh temp dir; returns its path (static buffer per call site: copy it). */
char *glb_test_write_temp(const char *name, const void *buf, size_t len);

/* A fresh temp directory (mkdtemp under $TMPDIR or /tmp); caller frees the string. */
char *glb_test_tempdir(void);

/* Parse hex ("0a1b..."), spaces allowed; returns bytes written or -1. */
int glb_test_unhex(const char *hex, uint8_t *out, size_t cap);

/* SHA-256 of a file by the system's sha256sum, independent of common/sha256.c; asserts on failure. */
void glb_test_sha256sum(const char *path, char hex[65]);

/* Deterministic PRNG (xorshift64*) so property tests are reproducible. */
uint64_t glb_test_rand(uint64_t *state);

#endif
