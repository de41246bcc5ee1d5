/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * GLBREDIRECT: the one definition of the target's rule data, shared by the
 * kernel module (xt_GLBREDIRECT.ko) and the iptables extension
 * (libxt_GLBREDIRECT.so).  It travels inside every rule, so its layout is ABI:
 * grow it only behind a new target revision.
 */
#ifndef _XT_GLBREDIRECT_H
#define _XT_GLBREDIRECT_H

#include <linux/types.h>

/*
 * No option is defined yet.  The kernel refuses a rule with any flag set, so
 * a future extension that sets one fails loudly on an older module instead of
 * being silently ignored.
 */
#define XT_GLBREDIRECT_FLAGS_KNOWN 0U

struct xt_glbredirect_info {
	__u32 flags;
};

#endif /* _XT_GLBREDIRECT_H */
