#!/bin/bash
# run-sdk-debian.sh - the SDK example's Debian packaging
# (plugin-sdk/example/debian), built as a third party would with
# dpkg-buildpackage -us -uc -b, against this tree's SDK staged with
# DESTDIR (make install-sdk, Debian's paths) and found through
# PKG_CONFIG_SYSROOT_DIR, so that it needs neither root nor khora-dev
# installed (-d: the build dependency on khora-dev is what the staged
# SDK stands for).  Then the .deb: its files at the target's paths, its
# Depends on khora-abi-1, its Enhances.  Skipped, visibly, without
# dpkg-buildpackage and debhelper.  Prints "sdk-debian: N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP="$ROOT/tests/tmp/sdk-debian"
passed=0
failed=0
ok() { echo "ok    $1"; passed=$((passed + 1)); }
bad() { echo "FAIL  $1"; [ -f "$TMP/last.log" ] && tail -20 "$TMP/last.log" |
	sed 's/^/      /'; failed=$((failed + 1)); }
step() {
	local name=$1
	shift
	if "$@" >"$TMP/last.log" 2>&1; then ok "$name"; else bad "$name"; fi
}

if ! command -v dpkg-buildpackage >/dev/null || ! command -v dh >/dev/null
then
	echo "sdk-debian: skipped (needs dpkg-buildpackage and debhelper)"
	echo "sdk-debian: 0 passed, 0 failed"
	exit 0
fi
rm -rf "$TMP"
mkdir -p "$TMP"
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
stage="$TMP/stage"
src="$TMP/khora-plugin-greeting-1.0.0"
deb=""

stage_sdk() {
	make -C "$ROOT" -s install-sdk DESTDIR="$stage" prefix=/usr \
		libdir="/usr/lib/$MA"
}
step "the SDK staged with DESTDIR (Debian's paths)" stage_sdk
build() {
	cp -R "$ROOT/plugin-sdk/example" "$src" &&
	rm -f "$src"/*.so &&
	cd "$src" &&
	PKG_CONFIG_LIBDIR="$stage/usr/lib/$MA/pkgconfig" \
		PKG_CONFIG_SYSROOT_DIR="$stage" dpkg-buildpackage -us -uc -b -d
}
step "dpkg-buildpackage -us -uc -b (SDK through PKG_CONFIG_SYSROOT_DIR)" build
for f in "$TMP"/khora-plugin-greeting_1.0.0_*.deb; do
	[ -f "$f" ] && deb=$f
done
contents() {
	local list
	list=$(dpkg-deb -c "$deb" | awk '{print $6}') || return 1
	echo "$list"
	echo "$list" | grep -qx "./usr/lib/$MA/khora/plugins/greeting.so" &&
	echo "$list" | grep -qx "./usr/lib/$MA/khora/plugins/greeting.plugin" &&
	echo "$list" |
		grep -qx ./usr/share/khora/templates/greeting/GREETING.md.tmpl &&
	! echo "$list" | grep -q "$TMP\|greeting-templates\|/usr/include"
}
step "the .deb: object and sidecar in plugindir, templates in templatedir" \
	contents
depends() {
	dpkg-deb -f "$deb" Depends Enhances
	dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/^ *//' |
		grep -qx khora-abi-1 &&
	test "$(dpkg-deb -f "$deb" Enhances)" = khora
}
step "the .deb depends on khora-abi-1 and enhances khora" depends
exported() {
	dpkg-deb -x "$deb" "$TMP/root" &&
	test "$(nm -D --defined-only \
		"$TMP/root/usr/lib/$MA/khora/plugins/greeting.so" |
		awk '$2 == "T" {print $3}')" = khora_plugin_greeting
}
step "the packaged object exports the entry symbol only" exported
if command -v lintian >/dev/null; then
	step "lintian: no error" lintian --fail-on error "$TMP"/*.changes
fi
echo "sdk-debian: $passed passed, $failed failed"
[ "$failed" = 0 ]
