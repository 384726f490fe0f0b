#!/bin/bash
# run-features.sh - every feature plugin's output, checked with the real
# tools: the all-features example, each feature alone, pairs, and the
# docker combinations.  Prints "features: N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# the organisation's shared/ beside the clone when there is one (CI),
# else the copy in tests/schemas (a user's fresh clone)
SCHEMAS=${KHORA_SCHEMAS:-$ROOT/../shared/schemas}
[ -x "$SCHEMAS/validate" ] || SCHEMAS=$ROOT/tests/schemas
VALIDATE="$SCHEMAS/validate"
LIB="$ROOT/tests/lib"
TMP="$ROOT/tests/tmp/features"
PY=/usr/bin/python3
passed=0
failed=0
rm -rf "$TMP"
mkdir -p "$TMP/home"
export HOME="$TMP/home" XDG_DATA_HOME="$TMP/home/share"
unset KHORA_PLUGIN_PATH SOURCE_DATE_EPOCH
# $TMP lies inside khora's own work tree, where the git plugin would
# rightly do nothing: git must not look above tests/tmp
export GIT_CEILING_DIRECTORIES="$ROOT/tests/tmp"

ok() { echo "ok    $1"; passed=$((passed + 1)); }
bad() { echo "FAIL  $1"; sed 's/^/      /' "$TMP/last.log" | tail -25
	failed=$((failed + 1)); }
# proof NAME CMD...: one assertion, its output kept for a failure report
proof() {
	local name=$1
	shift
	if "$@" >"$TMP/last.log" 2>&1; then ok "$name"; else bad "$name"; fi
}

# gen NAME [khora new args...]: generate $TMP/NAME, cwd $TMP
gen() {
	local name=$1
	shift
	(cd "$TMP" && "$ROOT/khora" new "$name" -q "$@")
}

workflows() {
	local f
	for f in "$1"/.github/workflows/*.yml; do
		"$VALIDATE" github-workflow "$f" || return 1
	done
}

kg_proofs() {
	local f
	for f in "$1"/kg/concepts.json "$1"/kg/rules.json \
		"$1"/kg/relationships.json; do
		"$PY" -c 'import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
			"$f" "$1/kg/kg_schema.json" || return 1
	done
	(cd "$1" && "$PY" scripts/kg_extract.py --check)
}

# .khora/base repeats the files as generated: checked as those files.
# Nothing unrendered: no {{ outside GitHub's ${{ }}, no ${ outside
# workflows and Makefiles, no None values, no ./None paths.
# shellcheck disable=SC2015,SC2016 # literal patterns; || true is wanted
no_placeholders() {
	local hits
	hits=$(cd "$1" && grep -rIn --exclude-dir=.git --exclude-dir=__pycache__ \
		--exclude=base -e '{{' -e '\${' -e '\./None' . |
		grep -v '^\./\.github/workflows/.*\${{ [A-Za-z0-9_.-]* }}' |
		grep -v '^\./[^:]*Makefile:' || true)
	# a None value, outside Python where None is a word of the language
	hits="$hits$(cd "$1" && grep -rIn --exclude-dir=.git --exclude='*.py' \
		--exclude=base -e ': None$' -e '= None$' -e '"None"' . || true)"
	[ -z "$hits" ] || { echo "$hits"; return 1; }
}

endpoints() {
	(cd "$1" && "$PY" - <<'PY'
import sys, yaml
sys.path[:0] = ["api", "src"]
from fastapi.routing import APIRoute
from main import app
ctx = yaml.safe_load(open(".khora/context.yaml"))["components"]["fastapi"]
routes = sorted((m, r.path) for r in app.routes if isinstance(r, APIRoute)
                for m in r.methods)
listed = sorted((e["method"], e["path"]) for e in ctx["endpoints"])
assert ctx["endpoint_count"] == len(routes) == len(listed), (ctx, routes)
assert routes == listed, (routes, listed)
PY
	)
}

git_repo() {
	test "$(git -C "$1" rev-list --count HEAD)" = 1
	test -z "$(git -C "$1" status --porcelain)"
}

# The context report workflow's own script, run on a real pull request
# history: base branch with the generated context, head with a change.
context_report() {
	local dir=$1 repo="$TMP/ctx-repo" script
	rm -rf "$repo" "$repo.git"
	git init -q --bare "$repo.git"
	cp -r "$dir" "$repo"
	rm -rf "$repo/.git"
	git -C "$repo" init -q -b main
	git -C "$repo" -c user.name=t -c user.email=t@t add -A
	git -C "$repo" -c user.name=t -c user.email=t@t commit -q -m base
	git -C "$repo" remote add origin "$repo.git"
	git -C "$repo" push -q origin main
	git -C "$repo" fetch -q origin
	sed -i 's/^  version: "0.1.0"$/  version: "0.2.0"/' \
		"$repo/.khora/context.yaml"
	script=$("$PY" -c 'import sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
print([s for s in wf["jobs"]["report"]["steps"] if s.get("name") ==
       "Compare with the base branch"][0]["run"])' \
		"$dir/.github/workflows/context.yml")
	(cd "$repo" && BASE_REF=main bash -e -c "$script") >"$TMP/report.out"
	grep -qx '::notice title=context.yaml project::changed: version' \
		"$TMP/report.out"
}

# ---- the all-features example ----
mkdir -p "$TMP/src"
cp -r "$ROOT/examples/all-features/." "$TMP/src/"
proof "all: generate" gen all -c "$TMP/src/khora.yaml"
A="$TMP/all"
proof "all: git repository with one clean commit" git_repo "$A"
proof "all: context report workflow on a real history" context_report "$A"
proof "all: no unrendered placeholder" no_placeholders "$A"
proof "all: pytest, compile, pyproject, yamllint, context, lock" \
	"$LIB/check-python-project" "$A"
proof "all: compose file valid" "$VALIDATE" compose-spec.json "$A/docker-compose.yml"
proof "all: workflows valid" workflows "$A"
proof "all: pre-commit config valid" "$VALIDATE" pre-commit-config "$A/.pre-commit-config.yaml"
proof "all: kg JSON valid and reproducible by the project's script" kg_proofs "$A"
proof "all: terraform parses, variables declared" "$ROOT/tests/hclcheck/hclcheck" "$A/infra"
proof "all: mkdocs build --strict" sh -c "cd '$A' && mkdocs build --strict -q"
proof "all: API Dockerfile usable" "$LIB/check-dockerfile" "$A/api/Dockerfile" "$A"
proof "all: uvicorn serves /healthz" "$LIB/serve-healthz" "$A/api" "$A/src"
proof "all: context lists the app's real endpoints" endpoints "$A"
# The CI's shape (tests/lib/check-ci): matrix from requires-python to the
# newest supported Python, pip cache, one ruff version with pre-commit,
# the jobs the features ask for, what the audit and bandit cover, no
# gitleaks-action, every action pinned, every workflow in the README.
proof "all: CI jobs, matrix, pins agree with pre-commit, README" \
	"$LIB/check-ci" "$A" docs docker typecheck audit secrets
proof "all: mypy (the CI's type check) passes" sh -c "cd '$A' && mypy"
# every template parsed once: as many parses as distinct templates used
parsed_once() {
	local out used distinct
	out=$(cd "$TMP" && "$ROOT/khora" new once -q --without git --profile \
		-c "$TMP/src/khora.yaml" 2>&1 >/dev/null)
	distinct=$(grep '^    template: ' "$TMP/once/.khora/lock" | sort -u | wc -l)
	used=$(grep -c '^    template: ' "$TMP/once/.khora/lock")
	echo "$out" | grep -q "templates parsed $distinct, renders $used,"
}
proof "all: each template parsed once" parsed_once
proof "all: 50 to 70 files" test "$(find "$A" -type f -not -path '*/.git/*' \
	-not -path '*/__pycache__/*' -not -path '*/site/*' | wc -l)" -ge 50

# ---- the API image, built as Docker would (tests/lib/docker-image) ----
# A project with sqlite and hostile leftovers in its tree: secrets and
# caches beside the API, a virtual environment, a .git.
image_project() {
	gen img --with fastapi,docker,database=sqlite,observability \
		--set paths.api_dir=svc/api || return 1
	local d="$TMP/img"
	mkdir -p "$d/svc/api/__pycache__" "$d/.venv/lib" "$d/.git" \
		"$d/src/img/__pycache__"
	echo "SECRET_KEY=leaked" >"$d/svc/api/.env"
	echo "TOKEN=leaked" >"$d/.env.production"
	echo junk >"$d/svc/api/__pycache__/main.cpython-311.pyc"
	echo junk >"$d/src/img/__pycache__/core.cpython-311.pyc"
	echo junk >"$d/.venv/lib/x.py"
}
# the image imports the app from its own files alone
image_imports() {
	"$LIB/docker-image" --list "$TMP/img/svc/api/Dockerfile" "$TMP/img" \
		"$TMP/img-build" >"$TMP/img-context.txt" || return 1
	# nothing secret or cached entered the context, hence the image
	! grep -E '(^|/)(\.env|\.venv|\.git|__pycache__)(/|$|\.)' \
		"$TMP/img-context.txt" || return 1
	! find "$TMP/img-build/rootfs" -name '.env*' -o -name '__pycache__' |
		grep -q .
}
# the checker can fail: the old layout (context = the API directory,
# COPY . .) builds an image that cannot import the package
image_old_layout_fails() {
	printf '%s\n' 'FROM python:3.11-slim' 'WORKDIR /app' 'COPY . .' \
		'CMD ["uvicorn", "main:app"]' >"$TMP/old.Dockerfile"
	! "$LIB/docker-image" "$TMP/old.Dockerfile" "$TMP/img/svc/api" \
		"$TMP/img-old" 2>"$TMP/img-old.err" &&
		grep -q "No module named 'img'" "$TMP/img-old.err"
}
# non-root, owning its writable path, healthcheck, pinned base image
image_policy() {
	"$PY" - "$TMP/img/svc/api/Dockerfile" "$TMP/img/Dockerfile" \
		"$TMP/img/docker-compose.yml" <<'PY'
import re, sys, yaml
api = open(sys.argv[1]).read()
assert re.search(r"^FROM python:3\.11-slim-bookworm$", api, re.M), api
user = api.index("\nUSER app\n")
assert api.index("useradd --create-home --uid 10001 app") < user
assert api.index("chown app:app /data") < user, "data dir not chowned"
assert "\nHEALTHCHECK " in api
assert 'RUN pip install ".[api]"' in api
compose = yaml.safe_load(open(sys.argv[3]))
svc = compose["services"]["api"]
assert svc["build"] == {"context": ".", "dockerfile": "svc/api/Dockerfile"}
assert "app-data:/data" in svc["volumes"]
for name, s in compose["services"].items():
    for p in s.get("ports", []):
        assert p.startswith("127.0.0.1:"), (name, p)
    img = s.get("image", "")
    assert "build" in s or (":" in img and not img.endswith(":latest")), img
    for dep, cond in (s.get("depends_on") or {}).items():
        assert cond["condition"] in ("service_healthy", "service_started")
        if "healthcheck" in compose["services"][dep]:
            assert cond["condition"] == "service_healthy", (name, dep)
g = compose["services"]["grafana"]["environment"]
assert g["GF_AUTH_ANONYMOUS_ENABLED"] == "false", g
PY
}
proof "image: project with leftovers generated" image_project
proof "image: context as Docker sends it, app imports from the image alone" \
	image_imports
proof "image: the old layout (API directory as context) fails the check" \
	image_old_layout_fails
proof "image: non-root, data dir owned, healthcheck, pinned, 127.0.0.1" \
	image_policy
one_dep_source() {
	test ! -e "$TMP/img/svc/api/requirements.txt" &&
	"$PY" -c 'import sys, tomllib
d = tomllib.load(open(sys.argv[1], "rb"))
assert "fastapi>=0.115" in d["project"]["optional-dependencies"]["api"]
assert not any("fastapi" in x for x in d["project"]["dependencies"])' \
		"$TMP/img/pyproject.toml"
}
proof "image: one source of dependencies (no requirements.txt)" one_dep_source
proof "image: docker without fastapi, root image runs python -m" sh -c \
	"cd '$TMP' && '$ROOT/khora' new img2 -q --with docker,database=sqlite &&
	 '$LIB/docker-image' img2/Dockerfile img2 '$TMP/img2-build' >/dev/null &&
	 grep -q 'chown app:app /data' img2/Dockerfile"
if command -v docker-compose >/dev/null; then
	# Debian's docker-compose is v1, which predates the top-level
	# name: (the compose-spec schema above checks it); without it
	proof "image: docker-compose config accepts the stack" sh -c \
		"cd '$TMP/img' && grep -v '^name: ' docker-compose.yml >v1.yml &&
		 docker-compose -f v1.yml config -q && rm v1.yml"
else
	echo "skip  image: docker-compose config (docker-compose is not installed)"
fi

# ---- each feature alone, and pairs ----
alone() {
	local name=$1
	shift
	gen "$name" "$@" || return 1
	no_placeholders "$TMP/$name" && "$LIB/check-python-project" "$TMP/$name"
}
proof "fastapi alone" alone f-fastapi --with fastapi --set paths.api_dir=svc/api
proof "fastapi alone: uvicorn" "$LIB/serve-healthz" "$TMP/f-fastapi/svc/api" \
	"$TMP/f-fastapi/src"
proof "docker alone" alone f-docker --with docker
proof "docker alone: compose valid" "$VALIDATE" compose-spec.json "$TMP/f-docker/docker-compose.yml"
proof "docker alone: root Dockerfile usable" "$LIB/check-dockerfile" \
	"$TMP/f-docker/Dockerfile" "$TMP/f-docker"
proof "docker alone: python -m package runs" sh -c \
	"cd '$TMP/f-docker/src' && $PY -m f_docker | grep -qx 'Hello, world!'"
proof "ci alone" alone f-ci --with ci_github_actions
proof "ci alone: workflows valid" workflows "$TMP/f-ci"
proof "ci alone: jobs and matrix" "$LIB/check-ci" "$TMP/f-ci" typecheck
proof "ci on python 3.14: a one-entry matrix" sh -c "cd '$TMP' &&
	'$ROOT/khora' new f-ci314 -q --with ci_github_actions \
	--set python_version=3.14 && '$LIB/check-ci' f-ci314 typecheck"
# python.tool: uv: uv cannot run here, the output is checked structurally
uv_project() {
	gen f-uv --with ci_github_actions,fastapi,docker,precommit \
		--set plugins_config.python.tool=uv || return 1
	workflows "$TMP/f-uv" && "$LIB/check-ci" "$TMP/f-uv" typecheck docker &&
	"$PY" - "$TMP/f-uv" <<'PY'
import sys, tomllib
d = sys.argv[1]
t = tomllib.load(open(f"{d}/pyproject.toml", "rb"))
assert "pytest>=7" in t["dependency-groups"]["dev"], t
assert "dev" not in t["project"]["optional-dependencies"], t
assert "fastapi>=0.115" in t["project"]["optional-dependencies"]["api"]
wf = open(f"{d}/.github/workflows/ci.yml").read()
assert "astral-sh/setup-uv@v10.0.1" in wf and "uv sync --all-extras" in wf
assert "actions/setup-python" not in wf.split("\n  docker:")[0]
for df in ("api/Dockerfile",):
    text = open(f"{d}/{df}").read()
    assert "RUN uv sync --no-dev --extra api --no-editable" in text, text
    assert "COPY --from=ghcr.io/astral-sh/uv:" in text
    assert "pip install" not in text
readme = open(f"{d}/README.md").read()
assert "uv sync --all-extras" in readme and "uv run pytest" in readme
PY
}
proof "python.tool uv: dependency-groups, setup-uv, uv sync (structural)" \
	uv_project
proof "python.tool: another value is refused at its line" sh -c \
	"cd '$TMP' && ! '$ROOT/khora' new f-pipx -q --set plugins_config.python.tool=pipx 2>err &&
	 grep -qx \"khora: --set plugins_config.python.tool=pipx: invalid plugins_config.python.tool 'pipx': expected one of: pip, uv (did you mean 'pip'?)\" err &&
	 test ! -e f-pipx"
proof "ci + security gates" alone f-cisec --with ci_github_actions,security_gates
proof "ci + security gates: workflows valid" workflows "$TMP/f-cisec"
proof "ci + security gates: audit, bandit, gitleaks CLI present" sh -c \
	"grep -q pip-audit '$TMP/f-cisec/.github/workflows/ci.yml' &&
	 grep -q 'bandit -q -r src' '$TMP/f-cisec/.github/workflows/ci.yml' &&
	 grep -q './gitleaks git' '$TMP/f-cisec/.github/workflows/ci.yml' &&
	 ! grep -q gitleaks-action '$TMP/f-cisec/.github/workflows/ci.yml'"
proof "precommit alone" alone f-pre --with precommit
proof "precommit alone: valid" "$VALIDATE" pre-commit-config "$TMP/f-pre/.pre-commit-config.yaml"
proof "precommit + security gates + kg" sh -c "cd '$TMP/src' && '$ROOT/khora' new '$TMP/f-prekg' -q \
	--with precommit,security_gates,kg --set paths.docs_dir=docs"
proof "precommit + security gates + kg: valid" "$VALIDATE" pre-commit-config \
	"$TMP/f-prekg/.pre-commit-config.yaml"
proof "precommit + kg: hook runs the project's kg check" sh -c \
	"grep -q 'entry: scripts/kg_extract.py --check' '$TMP/f-prekg/.pre-commit-config.yaml'"
proof "kg alone: JSON valid, script agrees" kg_proofs "$TMP/f-prekg"
proof "playwright (+fastapi, ci)" alone f-pw --with playwright,ci_github_actions \
	--set paths.api_dir=api
proof "playwright: workflows valid" workflows "$TMP/f-pw"
proof "terraform alone" alone f-tf --with terraform
proof "terraform alone: HCL" "$ROOT/tests/hclcheck/hclcheck" "$TMP/f-tf/infra"
proof "terraform + ci: workflows valid" sh -c "cd '$TMP' && '$ROOT/khora' new f-tfci -q \
	--with terraform,ci_github_actions && '$VALIDATE' github-workflow f-tfci/.github/workflows/terraform.yml"
proof "docs mkdocs alone" alone f-mk --with docs=mkdocs --set paths.docs_dir=handbook
proof "docs mkdocs: build --strict" sh -c "cd '$TMP/f-mk' && mkdocs build --strict -q"
proof "docs sphinx alone" alone f-sx --with docs=sphinx
proof "docs sphinx: sphinx-build -W" sh -c "cd '$TMP/f-sx/docs' && sphinx-build -W --keep-going -q -b html . _build/html"
# conf.py finds src/ from its own place: a nested docs_dir builds, from
# the project root as from its own directory (autodoc imports the package)
proof "docs sphinx in docs/en" alone f-sxen --with docs=sphinx \
	--set paths.docs_dir=docs/en
proof "docs sphinx in docs/en: python3 -m sphinx -W from the root" sh -c \
	"cd '$TMP/f-sxen' && $PY -m sphinx -W --keep-going -q -b html docs/en \
	 '$TMP/f-sxen-html' && grep -q 'greet' '$TMP/f-sxen-html/api.html'"
proof "docs sphinx in docs/en: make -C docs/en html" sh -c \
	"cd '$TMP/f-sxen' && make -s -C docs/en html SPHINXOPTS='-W -q'"
proof "git alone" alone f-git --with git
proof "git without git installed: warning, project complete" sh -c \
	"cd '$TMP' && PATH=/nonexistent '$ROOT/khora' new f-nogit -q --with git 2>err &&
	 grep -qx \"khora: warning: plugin 'git': cannot run 'git rev-parse --show-toplevel': git is not installed; the project is complete without it\" err &&
	 test -f f-nogit/pyproject.toml && test ! -e f-nogit/.git"

# ---- every docker combination ----
combos() {
	local db br obs api n=0 dir args
	for db in none sqlite postgres; do
	for br in none redis; do
	for obs in false true; do
	for api in false true; do
		n=$((n + 1))
		dir="c$n"
		args="--with docker,database=$db,broker=$br"
		[ "$obs" = true ] && args="$args,observability"
		[ "$api" = true ] && args="$args,fastapi --set paths.api_dir=api"
		# shellcheck disable=SC2086 # args is a word list
		gen "$dir" $args || { echo "$args: generation failed"; return 1; }
		"$VALIDATE" compose-spec.json "$TMP/$dir/docker-compose.yml" ||
			{ echo "$args: compose invalid"; return 1; }
		(cd "$TMP/$dir" && yamllint -s .) || return 1
		if command -v docker-compose >/dev/null; then
			(cd "$TMP/$dir" && grep -v '^name: ' docker-compose.yml \
				>"$TMP/v1.yml" && docker-compose -f "$TMP/v1.yml" \
				--project-directory . config -q) ||
				{ echo "$args: docker-compose config"; return 1; }
		fi
		no_placeholders "$TMP/$dir" || return 1
	done; done; done; done
	test "$n" = 24
}
proof "docker: 24 combinations valid, yamllint clean, docker-compose config" combos

echo "features: $passed passed, $failed failed"
[ "$failed" = 0 ]
