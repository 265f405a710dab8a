#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Keep docs/netlink/specs/ovl.yaml and include/uapi/linux/ovl.h in step:
# the kernel's own generator (ynl-gen-c) renders the uAPI from the spec
# (validating it against the genetlink-c schema on the way), and every
# name it defines must exist in our header with the same value.  Every
# netlink name in our header must in turn come from the spec.
set -eu
cd "$(dirname "$0")/.."
ksrc=$(scripts/ksrc.sh)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cp docs/netlink/specs/ovl.yaml "$ksrc/Documentation/netlink/specs/ovl.yaml"
(cd "$ksrc/tools/net/ynl" && python3 ynl-gen-c.py --mode uapi --header \
	--spec ../../../Documentation/netlink/specs/ovl.yaml -o "$tmp/gen.h") >/dev/null

# Enumerators and macros, minus include guards.
names() {
	sed -n -e 's/^[[:space:]]*\(_*OVL_[A-Z0-9_]*\)\([[:space:]]*=.*\)\?,$/\1/p' \
	       -e 's/^#define[[:space:]]\+\(_*OVL_[A-Z0-9_]*\)[[:space:]].*/\1/p' "$1" | sort -u
}
names "$tmp/gen.h" >"$tmp/spec.names"
# Netlink names only: the header also carries the wire format.
names include/uapi/linux/ovl.h | grep -vE '^OVL_(MSG_|PROBE_|[A-Z0-9_]*_LEN$|OVERHEAD$)' \
	>"$tmp/ours.names" || true

status=0
if ! diff -u "$tmp/spec.names" "$tmp/ours.names" >"$tmp/names.diff"; then
	echo "spec-check: names differ between spec (-) and include/uapi/linux/ovl.h (+):"
	cat "$tmp/names.diff"
	status=1
fi

# Print every spec name's value as each header defines it.
{
	echo '#include <stdio.h>'
	echo '#include HDR'
	echo '#define P(n) printf(_Generic((n), char *: "%s %s\n", default: "%s %lld\n"), #n, (n))'
	echo 'int main(void) {'
	sed 's/.*/P(&);/' "$tmp/spec.names"
	echo 'return 0; }'
} >"$tmp/values.c"
for h in gen "ours"; do
	hdr=$([ $h = gen ] && echo "$tmp/gen.h" || echo "$PWD/include/uapi/linux/ovl.h")
	gcc -Wall -Wno-format -DHDR="\"$hdr\"" "$tmp/values.c" -o "$tmp/$h" 2>"$tmp/$h.err" ||
		{ echo "spec-check: $h header lacks names of the spec:"; cat "$tmp/$h.err"; status=1; continue; }
	"$tmp/$h" >"$tmp/$h.values"
done
if [ $status = 0 ] && ! diff -u "$tmp/gen.values" "$tmp/ours.values"; then
	echo "spec-check: values differ between spec (-) and include/uapi/linux/ovl.h (+)"
	status=1
fi
[ $status = 0 ] && echo "spec-check: docs/netlink/specs/ovl.yaml and include/uapi/linux/ovl.h agree ($(wc -l <"$tmp/spec.names") names)"
exit $status
