/* SPDX-License-Identifier: BSD-3-Clause */
/* The number of elements of an array (not a pointer: that does not compile). */
#ifndef GLB_ARRAY_SIZE_H
#define GLB_ARRAY_SIZE_H

/* Is a a pointer? &a[0] has a's own type only when it is. */
#define GLB_IS_POINTER(a) __builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0]))

/* 0 for an array; a compile error (a bit-field of negative width) for a pointer. */
#define GLB_MUST_BE_ARRAY(a) (sizeof(struct { int not_an_array : GLB_IS_POINTER(a) ? -1 : 1; }) * 0)

#define GLB_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]) + GLB_MUST_BE_ARRAY(a))

#endif
