# shellcheck shell=sh
# e2e-user.sh - sourced by e2e setup scripts that need a second, real
# user: "need_user" exits 77 (skip) unless running as root with
# useradd, then makes sure the unprivileged user khora-e2e exists
# (created once, kept: parallel runs may be using it) and sets EUID_2
# and EGID_2 to its ids.
need_user() {
	if [ "$(id -u)" != 0 ]; then
		echo "needs root to create and become a second user"
		exit 77
	fi
	if ! id -u khora-e2e >/dev/null 2>&1; then
		useradd -r -M -N -s /usr/sbin/nologin khora-e2e 2>/dev/null ||
			id -u khora-e2e >/dev/null 2>&1 || {
			echo "cannot create the user khora-e2e (useradd failed)"
			exit 77
		}
	fi
	EUID_2=$(id -u khora-e2e)
	EGID_2=$(id -g khora-e2e)
}

# as_user CMD...: runs CMD as khora-e2e, with no supplementary groups
as_user() {
	setpriv --reuid="$EUID_2" --regid="$EGID_2" --clear-groups -- "$@"
}
