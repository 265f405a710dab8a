// SPDX-License-Identifier: GPL-2.0
/*
 * ovl: an encrypted overlay network device.
 *
 * Each ovl device carries IP packets to peers over one UDP port, straight
 * to the peer or, when that path is dead, relayed through a beacon.  This
 * file only ties the parts together; see device.c, socket.c and netlink.c.
 */

#include <linux/module.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>
#include <linux/ovl.h>

#include "ctrl.h"
#include "device.h"
#include "key.h"
#include "netlink.h"
#include "version.h"

static int __init ovl_init(void)
{
	int err;

	ovl_key_init();
	err = ovl_device_init();
	if (err)
		return err;

	err = ovl_ctrl_init();
	if (err)
		goto device;

	err = ovl_genl_init();
	if (err)
		goto ctrl;

	pr_info("ovl " OVL_VERSION " loaded\n");
	return 0;

ctrl:
	ovl_ctrl_uninit();
device:
	ovl_device_uninit();
	return err;
}

static void __exit ovl_exit(void)
{
	/* No new request can reach a device once the family is gone. */
	ovl_genl_uninit();
	ovl_ctrl_uninit();
	ovl_device_uninit();
	/* Peers and keys are freed by RCU callbacks that live in this module. */
	rcu_barrier();
	ovl_key_uninit();
}

module_init(ovl_init);
module_exit(ovl_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Encrypted overlay network device with relay fallback");
MODULE_AUTHOR("The ovl developers");
MODULE_VERSION(OVL_VERSION);
MODULE_ALIAS_RTNL_LINK(KBUILD_MODNAME);
MODULE_ALIAS_GENL_FAMILY(OVL_FAMILY_NAME);
