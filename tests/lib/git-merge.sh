# shellcheck shell=sh
# git-merge.sh - sourced by the e2e setups of khora's state under git
# (82NN): a clean git (no system config, HOME in the case's directory,
# an identity), khora on PATH for the merge driver, and a project "out"
# made with the git feature, its trash kept out of git as a user would.
gm_env() {
	HOME=$PWD/home
	GIT_CONFIG_NOSYSTEM=1
	PATH=$ROOT:$PATH
	export HOME GIT_CONFIG_NOSYSTEM PATH
	unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
	git config --global user.name T
	git config --global user.email t@example.org
	git config --global init.defaultBranch main
}

# gm_project: out, one commit, on main
gm_project() {
	"$KHORA" new out --with git -q
	mkdir -p out/.git/info
	echo .khora/trash/ >> out/.git/info/exclude
	git -C out config --get merge.khora.driver >/dev/null
}

# gm_commit MESSAGE: everything in out, on the current branch
gm_commit() {
	git -C out add -A
	git -C out commit -q -m "$1"
}

# gm_describe TEXT: khora.yaml gets a description, then an update
gm_describe() {
	sed -i "s/^project_name: out\$/project_name: out\\nproject_description: $1/" \
		out/khora.yaml
	grep -q "^project_description: $1\$" out/khora.yaml
	"$KHORA" update out -q
}

# gm_no_markers: no git conflict left in khora's state
gm_no_markers() {
	if git -C out diff --name-only --diff-filter=U |
		grep -qx '\.khora/lock\|\.khora/base'; then
		echo "git left khora's state in conflict"
		return 1
	fi
	if grep -q '^<<<<<<<' out/.khora/lock out/.khora/base; then
		echo "markers in khora's state"
		return 1
	fi
}
