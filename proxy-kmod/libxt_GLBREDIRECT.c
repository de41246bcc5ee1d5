// SPDX-License-Identifier: GPL-2.0
/*
 * libxt_GLBREDIRECT: the iptables side of the GLBREDIRECT target.
 *
 *   iptables -A INPUT -p udp --dport 19523 -j GLBREDIRECT
 *
 * The target has no options yet; its rule data is struct
 * xt_glbredirect_info with flags 0, shared with the kernel module.  A rule
 * therefore prints and saves as the bare "-j GLBREDIRECT", which restores to
 * the same rule, with iptables-legacy and iptables-nft (nft_compat) alike.
 *
 * Registered from an ELF constructor: defining _init(), as in-tree
 * extensions built by iptables' own makefiles do, clashes with the C
 * runtime's _init when the extension is linked as an ordinary shared object.
 */
#include <stdio.h>
#include <xtables.h>
#include <linux/netfilter/xt_GLBREDIRECT.h>

static void glbredirect_help(void)
{
	printf("GLBREDIRECT target takes no options.\n"
	       "  Use as: -p udp --dport 19523 -j GLBREDIRECT in INPUT (or FORWARD).\n"
	       "  A GLB GUE packet whose inner TCP flow this host knows (SYN, a local\n"
	       "  socket, a valid syncookie) or that has no hop left is accepted;\n"
	       "  otherwise it is sent on to the next hop in its GUE header.\n"
	       "  Counters: /proc/net/glb_redirect_stats\n");
}

/*
 * Nothing to show: the rule data is reserved flags, and the kernel accepts
 * only 0.  The functions must exist all the same: iptables-legacy-save
 * refuses to save a target that has rule data but no save function.
 */
static void glbredirect_print(const void *ip __attribute__((unused)),
			      const struct xt_entry_target *target __attribute__((unused)),
			      int numeric __attribute__((unused)))
{
}

static void glbredirect_save(const void *ip __attribute__((unused)),
			     const struct xt_entry_target *target __attribute__((unused)))
{
}

static struct xtables_target glbredirect_tg_reg[] = {
	{
		.version = XTABLES_VERSION,
		.name = "GLBREDIRECT",
		.revision = 0,
		.family = NFPROTO_IPV4,
		.size = XT_ALIGN(sizeof(struct xt_glbredirect_info)),
		.userspacesize = XT_ALIGN(sizeof(struct xt_glbredirect_info)),
		.help = glbredirect_help,
		.print = glbredirect_print,
		.save = glbredirect_save,
	},
};

static void __attribute__((constructor)) glbredirect_tg_ldr(void)
{
	xtables_register_targets(glbredirect_tg_reg,
				 sizeof(glbredirect_tg_reg) / sizeof(glbredirect_tg_reg[0]));
}
