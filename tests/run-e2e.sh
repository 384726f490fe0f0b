#!/bin/bash
# run-e2e.sh - numbered end-to-end cases in tests/e2e/NNNN-name/.
#
# A case holds:
#   cmd              the arguments of one khora call (one line); the target
#                    is always "out"; @ROOT@, @FIXTURES@ and @TMP@ (the
#                    work directory) are replaced, here and in env
#   env              optional VAR=value lines for that call
#   khora.yaml       optional config, copied into the work directory
#   input/           optional tree copied into the work directory first
#   setup            optional script run in the work directory before;
#                    exit 77 skips the case (its last output line says
#                    why: a case that needs root, a second user, ...)
#   expected.rc      exit code (default 0)
#   expected.stderr  exact stderr (default: empty), @ROOT@/@TMP@ for paths;
#                    a file "any-stderr" instead leaves it to the check
#   expected.stdout  optional exact stdout
#   expected/        optional tree that "out" must equal, byte for byte
#   check            optional script run in the work directory afterwards
#                    (in the same environment as the command),
#                    with E2E_STDOUT and E2E_STDERR naming the captured output
#   writes-on-conflict  present when a failing call (exit 6 of update or
#                    add) is expected to write: conflicts leave markers
# A failing call (rc != 0) must leave the work directory exactly as it was.
# Usage: run-e2e.sh [CASE-PATTERN]; prints "e2e: N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KHORA="$ROOT/khora"
FIXTURES="$ROOT/tests/fixtures/plugins"
pattern=${1:-}
passed=0
failed=0
skipped=0
export ROOT KHORA

snapshot() {
	(cd "$1" && find . -printf '%p %y %s %m\n' | LC_ALL=C sort)
}

subst() {
	sed -e "s|@ROOT@|$ROOT|g" -e "s|@FIXTURES@|$FIXTURES|g" \
		-e "s|@TMP@|$work|g"
}

fail() {
	echo "FAIL $name: $1"
	failed=$((failed + 1))
}

for case in "$ROOT"/tests/e2e/[0-9][0-9][0-9][0-9]-*/; do
	name=$(basename "$case")
	case "$name" in *"$pattern"*) ;; *) continue ;; esac
	work=$(mktemp -d /tmp/khora-e2e.XXXXXX)
	mkdir "$work/home"
	[ -f "$case/khora.yaml" ] && cp "$case/khora.yaml" "$work/"
	[ -d "$case/input" ] && cp -a "$case/input/." "$work/"
	if [ -x "${case}setup" ]; then
		(cd "$work" && "${case}setup" >"$work.setup" 2>&1)
		src=$?
		if [ "$src" = 77 ]; then
			echo "SKIP $name: $(tail -1 "$work.setup")"
			skipped=$((skipped + 1))
			rm -rf "$work" "$work.setup"
			continue
		elif [ "$src" != 0 ]; then
			fail "setup script failed:"
			sed 's/^/    /' "$work.setup" | tail -10
			rm -rf "$work" "$work.setup"
			continue
		fi
		rm -f "$work.setup"
	fi
	before=$(snapshot "$work")
	args=$(subst < "$case/cmd")
	envs=""
	[ -f "$case/env" ] && envs=$(subst < "$case/env" | tr '\n' ' ')
	want_rc=0
	[ -f "$case/expected.rc" ] && want_rc=$(cat "$case/expected.rc")
	# shellcheck disable=SC2086 # args and envs are word lists on purpose
	(cd "$work" && env -u KHORA_PLUGIN_PATH HOME="$work/home" \
		XDG_DATA_HOME="$work/home/.local/share" NO_COLOR=1 $envs \
		"$KHORA" $args >"$work.stdout" 2>"$work.stderr")
	rc=$?
	out="$work.stdout"
	err="$work.stderr"
	sed -i -e "s|$work|@TMP@|g" -e "s|$ROOT|@ROOT@|g" "$err" "$out"
	ok=1
	# shellcheck disable=SC2086 # envs is a word list on purpose
	if [ "$rc" != "$want_rc" ]; then
		fail "exit code $rc, expected $want_rc ($(head -c 300 "$err"))"
		ok=0
	elif [ ! -f "${case}any-stderr" ] &&
		! diff -u "${case}expected.stderr" "$err" >/dev/null 2>&1 &&
		! { [ ! -f "${case}expected.stderr" ] && [ ! -s "$err" ]; }; then
		fail "stderr differs:"
		diff -u "${case}expected.stderr" "$err" | sed 's/^/    /' | head -20
		ok=0
	elif [ -f "${case}expected.stdout" ] &&
		! diff -u "${case}expected.stdout" "$out" >/dev/null; then
		fail "stdout differs:"
		diff -u "${case}expected.stdout" "$out" | sed 's/^/    /' | head -20
		ok=0
	elif [ "$want_rc" != 0 ] && [ ! -f "${case}writes-on-conflict" ] &&
		[ "$(snapshot "$work")" != "$before" ]; then
		fail "a failed run changed the work directory:"
		diff <(echo "$before") <(snapshot "$work") 2>/dev/null | head
		ok=0
	elif [ -d "${case}expected" ] &&
		! diff -r "${case}expected" "$work/out" >/dev/null 2>&1; then
		fail "generated tree differs from expected/:"
		diff -r "${case}expected" "$work/out" 2>&1 | sed 's/^/    /' |
			head -30
		ok=0
	elif [ -x "${case}check" ] &&
		! (cd "$work" && env -u KHORA_PLUGIN_PATH HOME="$work/home" \
			XDG_DATA_HOME="$work/home/.local/share" NO_COLOR=1 \
			$envs E2E_STDOUT="$out" E2E_STDERR="$err" \
			"${case}check" >"$work.check" 2>&1); then
		fail "check script failed:"
		sed 's/^/    /' "$work.check" | tail -30
		ok=0
	fi
	if [ "$ok" = 1 ]; then
		echo "PASS $name"
		passed=$((passed + 1))
	fi
	rm -rf "$work" "$work.stdout" "$work.stderr" "$work.check"
done
skips=""
[ "$skipped" = 0 ] || skips=", $skipped skipped"
echo "e2e: $passed passed, $failed failed$skips"
[ "$failed" = 0 ]
