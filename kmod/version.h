/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OVL_VERSION_H
#define _OVL_VERSION_H

#define OVL_VERSION "0.1.0"

#endif /* _OVL_VERSION_H */
