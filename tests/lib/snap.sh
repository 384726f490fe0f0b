# shellcheck shell=sh
# snap.sh - sourced by e2e setup and check scripts of the hostile-state
# family (61NN): "snap DIR..." prints every entry below the directories
# with its type, mode and content hash, so that a check can prove that
# nothing inside (or around) a project changed.
snap() {
	find "$@" -exec sh -c '
		for f; do
			if [ -f "$f" ] && [ ! -L "$f" ]; then
				echo "$f $(stat -c %a "$f") $(sha256sum < "$f")"
			else
				echo "$f $(stat -c "%F %a" "$f")"
			fi
		done' sh {} + | LC_ALL=C sort
}
