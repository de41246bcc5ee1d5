/* SPDX-License-Identifier: BSD-3-Clause */
/* Small helpers the healthcheck's files share. */
#ifndef GLB_HC_UTIL_H
#define GLB_HC_UTIL_H

#include <stddef.h>

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#endif
