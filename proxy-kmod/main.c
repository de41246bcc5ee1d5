// SPDX-License-Identifier: GPL-2.0
/*
 * xt_GLBREDIRECT: the proxy half of GLB.  Counters first, so that every
 * namespace has its counters before any rule can use the target; torn down
 * in reverse.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "stats.h"
#include "target.h"

static int __init glb_mod_init(void)
{
	int err;

	err = glb_redirect_stats_init();
	if (err)
		goto err_stats;
	err = glb_target_init();
	if (err)
		goto err_target;
	return 0;

err_target:
	glb_redirect_stats_exit();
err_stats:
	return err;
}

static void __exit glb_mod_exit(void)
{
	glb_target_exit();
	glb_redirect_stats_exit();
}

module_init(glb_mod_init);
module_exit(glb_mod_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Xtables: GLB second chance for GUE-encapsulated packets");
MODULE_ALIAS("ipt_GLBREDIRECT");
