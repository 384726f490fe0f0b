#!/bin/bash
# catcache.sh - helpers of the e2e cases 93xx (the plugin catalog cache),
# sourced by their setup and check scripts, run in the work directory:
# pl/ is the plugin directory on KHORA_PLUGIN_PATH, home/.cache the
# XDG_CACHE_HOME of the case's env file.

# cc_env CMD...: CMD in the environment run-e2e.sh gives the case
cc_env() {
	env -u KHORA_PLUGIN_PATH HOME="$PWD/home" \
		XDG_DATA_HOME="$PWD/home/.local/share" \
		XDG_CACHE_HOME="$PWD/home/.cache" KHORA_PLUGIN_PATH="$PWD/pl" \
		NO_COLOR=1 "$@"
}

# cc_plugins N: N plain sidecars p0 .. pN-1 in pl/
cc_plugins() {
	local i
	mkdir -p -m 755 pl
	for ((i = 0; i < $1; i++)); do
		printf 'name: p%d\nversion: 1.%d\nabi: 1.0\nsummary: plain %d\nprovides: [f%d]\n' \
			"$i" "$i" "$i" "$i" >"pl/p$i.plugin"
	done
	chmod 644 pl/*.plugin
}

# cc_warm: one run that writes the cache.  Entries are kept only for
# files older than the run's clock tick (the racy-clean rule): wait for
# one to pass first.
cc_warm() {
	sleep 0.05
	cc_env "$KHORA" plugins list >/dev/null
}

# cc_file: the user's cache of pl/
cc_file() {
	printf '%s/home/.cache/khora/catalog/%s' "$PWD" \
		"$(printf '%s' "$PWD/pl" | sha256sum | cut -c1-64)"
}

# cc_seal FILE: recomputes the checksum line of a cache edited on purpose
cc_seal() {
	local body
	body=$(head -n -1 "$1"; printf x)
	body=${body%x}
	{
		printf '%s' "$body"
		printf 'end %s %s\n' "$(grep -c '^e ' "$1")" \
			"$(printf '%s' "$body" | sha256sum | cut -c1-64)"
	} >"$1.new"
	mv "$1.new" "$1"
}

# cc_warning WHY: the one warning line of an ignored user cache
cc_warning() {
	printf 'khora: warning: @TMP@%s: plugin catalog cache ignored: %s (the sidecars are read)\n' \
		"$(cc_file | sed "s|^$PWD||")" "$1"
}
