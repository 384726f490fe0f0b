#!/bin/sh
# tglob-vs-git.sh - the rows of tests/unit/check_tglob.c, checked against
# git itself: each row's patterns become a .gitignore, its path is made
# (a directory when the row says so) and `git check-ignore --no-index`
# must agree with the row's decision.  Rows marked NOGIT are khora's
# own choice.  Prints "tglob-vs-git: N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
command -v git >/dev/null || { echo "tglob-vs-git: skipped (no git)"; exit 0; }
work=$(mktemp -d /tmp/khora-tglob.XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
# { "PATS", "PATH", DIR, WANT }, (other rows are not git's business)
grep '^	{ "' "$ROOT/tests/unit/check_tglob.c" | grep '}, *$' |
	sed -n 's/^	{ "\(.*\)", "\(.*\)", \([01]\), \(.*\) },$/\1	\2	\3	\4/p' |
	sed 's/\\\\/\\/g' >"$work/rows"
while IFS='	' read -r pats path dir want; do
	case "$want" in *NOGIT*) continue ;; esac
	rm -rf "$work/repo"
	mkdir "$work/repo"
	git -C "$work/repo" init -q
	printf '%s\n' "$pats" | tr '|' '\n' >"$work/repo/.gitignore"
	mkdir -p "$work/repo/$(dirname "$path")"
	if [ "$dir" = 1 ]; then
		mkdir -p "$work/repo/$path"
	else
		: >"$work/repo/$path"
	fi
	if git -C "$work/repo" check-ignore -q --no-index "$path"; then
		got=1
	else
		got=0
	fi
	if [ "$got" = "$want" ]; then
		passed=$((passed + 1))
	else
		echo "FAIL '$pats' on $path (dir $dir): khora $want, git $got"
		failed=$((failed + 1))
	fi
done <"$work/rows"
echo "tglob-vs-git: $passed passed, $failed failed"
[ "$failed" = 0 ]
