#!/bin/sh
# tmpl-repo.sh DIR - builds a git repository DIR holding a khora template
# in two versions, for the e2e cases of template sources (issue 17):
#   v1.0   hello.txt.kt says "v1", notes.md at the top
#   v2.0   hello.txt.kt says "v2", notes.md moved to doc/notes.md (same
#          bytes: a rename update follows), a tag "not-a-version" on it
#   main   one commit past v2.0 (hello says "main")
# The repository is built with no user or system configuration.
set -e
dir=$1
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com
export GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
git init -q -b main "$dir"
cd "$dir"
cat > khora-template.yaml <<'YAML'
name: demo
variables:
  greeting:
    type: string
    default: hello
YAML
printf 'first line\nv1 {{greeting}}\nthird\nfourth\nlast line\n' > hello.txt.kt
printf 'one\ntwo\nthree\nfour\nfive\n' > notes.md
git add -A
git commit -qm v1
git tag v1.0
printf 'first line\nv2 {{greeting}}\nthird\nfourth\nlast line\n' > hello.txt.kt
mkdir doc
git mv notes.md doc/notes.md
git commit -qam v2
git tag -a -m 'version 2' v2.0
git tag not-a-version
printf 'first line\nmain {{greeting}}\nthird\nfourth\nlast line\n' > hello.txt.kt
git commit -qam main
