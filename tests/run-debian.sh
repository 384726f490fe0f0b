#!/bin/bash
# run-debian.sh - the Debian packages, built and used as a distribution
# would: dpkg-buildpackage -us -uc -b in a copy of the tree, lintian,
# then (as root) khora installed alone, an optional feature reported as
# "not installed: install khora-plugin-NAME", that package installed and
# used, the SDK package checked; everything purged again at the end.
# Prints "debian: N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP="$ROOT/tests/tmp/debian"
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

if [ "$(id -u)" != 0 ] || ! command -v dpkg-buildpackage >/dev/null; then
	echo "debian: skipped (needs root and dpkg-buildpackage)"
	echo "debian: 0 passed, 0 failed"
	exit 0
fi
rm -rf "$TMP"
mkdir -p "$TMP/src"
(cd "$ROOT" && git ls-files -co --exclude-standard | tar -cf - -T -) |
	tar -xf - -C "$TMP/src"
PKGS="khora khora-dev khora-plugin-fastapi khora-plugin-docker
khora-plugin-ci-github-actions khora-plugin-precommit khora-plugin-kg
khora-plugin-playwright khora-plugin-terraform khora-plugin-docs
khora-plugin-git khora-plugin-greeting"
purge() {
	# shellcheck disable=SC2086 # a list of package names
	dpkg --purge $PKGS >/dev/null 2>&1 || true
}
trap purge EXIT
purge

build() { cd "$TMP/src" && dpkg-buildpackage -us -uc -b; }
step "dpkg-buildpackage -us -uc -b" build
count_debs() {
	local n=0 f
	for f in "$TMP"/*.deb; do
		case $f in *-dbgsym_*) ;; *) n=$((n + 1)) ;; esac
	done
	test "$n" = 11
}
step "11 binary packages" count_debs
lint() {
	lintian --fail-on error --suppress-tags-from-file \
		"$ROOT/debian/lintian-explained" "$TMP"/*.changes
}
step "lintian: no error (warnings explained in debian/lintian-explained)" lint
step "khora Provides khora-abi-1" sh -c \
	"dpkg-deb -f '$TMP'/khora_*.deb Provides | grep -qx 'khora-abi-1'"
step "plugin packages depend on khora-abi-1, enhance khora" sh -c \
	"dpkg-deb -f '$TMP'/khora-plugin-docker_*.deb Depends | grep -q khora-abi-1 &&
	 dpkg-deb -f '$TMP'/khora-plugin-docker_*.deb Enhances | grep -qx khora"
PLUGDIR=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/khora/plugins
step "khora's dpkg trigger watches its plugin directory" sh -c \
	"dpkg-deb --ctrl-tarfile '$TMP'/khora_*.deb | tar -xOf - ./triggers |
	 grep -qx 'interest-noawait $PLUGDIR'"
step "dpkg -i khora alone" dpkg -i "$TMP"/khora_*.deb
cache_built() {
	test "$(stat -c %U:%a "$PLUGDIR/.khora-catalog")" = root:644 &&
		grep -q '^end ' "$PLUGDIR/.khora-catalog"
}
step "postinst wrote the plugin catalog cache of $PLUGDIR" cache_built
CACHE_INODE=$(stat -c %i "$PLUGDIR/.khora-catalog" 2>/dev/null)
completions() {
	# where bash-completion, zsh and fish look, as khora prints them
	cmp /usr/share/bash-completion/completions/khora \
		<(/usr/bin/khora completion bash) &&
	cmp /usr/share/zsh/vendor-completions/_khora \
		<(/usr/bin/khora completion zsh) &&
	cmp /usr/share/fish/vendor_completions.d/khora.fish \
		<(/usr/bin/khora completion fish)
}
step "khora ships the bash, zsh and fish completions" completions
W=$TMP/work
mkdir -p "$W"
alone() {
	cd "$W" && rm -rf a && /usr/bin/khora new a -q && test -f a/pyproject.toml &&
		cd a && /usr/bin/python3 -m pytest -q -p no:cacheprovider
}
step "installed khora generates a project, no environment" alone
missing() {
	local out rc=0
	cd "$W" || return 1
	out=$(/usr/bin/khora new b -q --with fastapi --set paths.api_dir=api 2>&1) || rc=$?
	test "$rc" = 4 && test "$out" = "khora: --with fastapi: feature 'fastapi' is not installed: install khora-plugin-fastapi" &&
		test ! -e b
}
step "an optional feature says which package to install" missing
step "dpkg -i khora-plugin-fastapi" dpkg -i "$TMP"/khora-plugin-fastapi_*.deb
with_feature() {
	cd "$W" && /usr/bin/khora new c -q --with fastapi --set paths.api_dir=api &&
		cd c && /usr/bin/python3 -m pytest -q -p no:cacheprovider
}
step "the feature works once its package is installed" with_feature
# the new file was written beside the old one and renamed over it
retriggered() {
	cache_built && test "$(stat -c %i "$PLUGDIR/.khora-catalog")" != \
		"$CACHE_INODE"
}
step "installing a plugin package rebuilt the cache (dpkg trigger)" \
	retriggered
step "dpkg -i khora-dev" dpkg -i "$TMP"/khora-dev_*.deb
sdk() {
	test "$(pkg-config --variable=plugindir khora-plugin)" = \
		"/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/khora/plugins" &&
	test "$(pkg-config --variable=abi_major khora-plugin)" = 1 &&
	cp -r /usr/share/doc/khora-dev/examples "$W/example" &&
	make -C "$W/example" -s
}
step "khora-dev: pkg-config and the example build" sdk
# the example's own packaging, against the installed khora-dev, then
# installed: its templates are found in /usr/share/khora/templates
third_party() {
	rm -rf "$W/greeting" && cp -r /usr/share/doc/khora-dev/examples \
		"$W/greeting" && rm -f "$W/greeting"/*.so &&
	(cd "$W/greeting" && dpkg-buildpackage -us -uc -b) &&
	dpkg -i "$W"/khora-plugin-greeting_*.deb &&
	cd "$W" && rm -rf g && /usr/bin/khora new g -q --with greeting \
		--set 'plugins_config.greeting.whom=Ada "x": y' &&
	grep -qx '# Hello, Ada "x": y!' g/GREETING.md &&
	/usr/bin/python3 -c 'import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
assert c["components"]["greeting"] == {"whom": "Ada \"x\": y"}, c' \
		g/.khora/context.yaml
}
step "a third-party plugin package (the example's debian/) installs and works" \
	third_party
purged() {
	purge
	test ! -e "$PLUGDIR/.khora-catalog" && test ! -e "$PLUGDIR"
}
step "purging leaves no cache behind, nor the plugin directory" purged
echo "debian: $passed passed, $failed failed"
[ "$failed" = 0 ]
