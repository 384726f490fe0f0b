#!/usr/bin/python3
"""run-projects.py - generated projects pass the real tools their own CI
and pre-commit run, as generated.

The configurations are a pairwise covering array (tests/lib/pairwise.py)
over every feature and choice value, each supported Python version, odd
but valid names, quote-laden and long descriptions and authors, line
lengths and licenses; --all runs the full product of the features and
choices instead (make check-all).  Each project is checked with the
offline stand-ins Debian and npm give for its tools:

  ruff format --check  -> black --check, the project's line length
  ruff check           -> flake8 (pyflakes + pycodestyle), same length
  mypy                 -> Debian's mypy over src/ and the API
  yamllint             -> yamllint -s with the project's .yamllint.yaml
  workflows            -> JSON schema + @action-validator/cli (npm)
  TOML                 -> @taplo/cli (npm) on every .toml
  shell                -> shellcheck on scripts and workflow run: steps
  terraform            -> HashiCorp's HCL2 parser (tests/hclcheck)
  compose              -> JSON schema + Debian's docker-compose config
  images               -> each Dockerfile against the build context compose
                          gives it, and the image assembled as Docker would
                          (.dockerignore honoured) imports its app alone
  pytest, uvicorn, mkdocs --strict, sphinx -W, kg_extract --check

Each finding is charged to the template that made its file (from
.khora/lock): one in a file of a template another branch is rewriting
(XFAIL_TEMPLATES, XFAIL_FILES) is printed as XFAIL with the file and the
finding and does not fail the project.  A tool that is not installed is
skipped with one SKIP line (never silently).  Prints the seconds spent
per check, then "projects: N passed, N failed"; -j N runs N at once
(default 2), -k N runs only project N, --list prints the rows.
"""

import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import time
import threading
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import pairwise  # noqa: E402

TMP = os.path.join(ROOT, "tests", "tmp", "projects")
LIB = os.path.join(ROOT, "tests", "lib")
NPM_BIN = os.path.join(ROOT, "tests", "npm", "node_modules", ".bin")
PY = "/usr/bin/python3"
SCHEMAS = os.environ.get("KHORA_SCHEMAS",
                         os.path.join(ROOT, "..", "shared", "schemas"))
if not os.access(os.path.join(SCHEMAS, "validate"), os.X_OK):
    SCHEMAS = os.path.join(ROOT, "tests", "schemas")
VALIDATE = os.path.join(SCHEMAS, "validate")

BOOL = [False, True]
FEATURES = [
    ("fastapi", BOOL), ("docker", BOOL), ("ci_github_actions", BOOL),
    ("database", ["none", "sqlite", "postgres"]),
    ("broker", ["none", "redis"]), ("security_gates", BOOL),
    ("kg", BOOL), ("precommit", BOOL), ("playwright", BOOL),
    ("terraform", BOOL), ("observability", BOOL),
    ("docs", ["none", "mkdocs", "sphinx"]), ("git", BOOL),
]
DESCRIPTIONS = {
    "plain": "A small service",
    "quotes": 'Say "hi" & it\'s fine: #1 \\ {{x}} $(id) `w` ${HOME}',
    "long": ("An order service that takes \"orders\", checks them against "
             "the catalogue's rules, and answers: it's long on purpose, "
             "well over a hundred and twenty characters, #not-a-comment"),
}
AUTHORS = {"plain": "Ada Lovelace", "quotes": 'Ada "Countess" O\'Brien'}
NAMES = {
    "plain": "svc",
    "dotted": "Odd.Name-2_x",
    "long": "a" + "-b" * 31 + "c",
}
OTHER = [
    ("python_version", ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]),
    ("description", list(DESCRIPTIONS)), ("author", list(AUTHORS)),
    ("name", list(NAMES)), ("line_length", [None, 79, 120]),
    # one license of each of the python plugin's three LICENSE templates
    ("license", ["MIT", "BSD-3-Clause", "GPL-3.0-or-later"]),
    ("api_dir", ["api", "services/web-api"]),
    ("docs_dir", ["docs", "docs/en"]),
]


# Rows the covering array may leave to chance, pinned: the Python files
# with the longest name at the narrowest and widest line lengths, under
# a nested api_dir and docs_dir, with quotes in every free text, at the
# oldest Python and the newest the templates support (the top of the
# CI's matrix, plugins/pins.h).
PINNED = [
    dict(fastapi=True, docs="sphinx", python_version="3.8", name="long",
         description="quotes", author="quotes", line_length=79,
         api_dir="services/web-api", docs_dir="docs/en"),
    dict(fastapi=True, docs="sphinx", kg=True, python_version="3.14",
         name="long", description="long", author="quotes", line_length=120,
         api_dir="services/web-api", docs_dir="docs/en"),
]


def pinned(row):
    full = {n: (False if v is BOOL else v[0]) for n, v in FEATURES}
    full.update(license="MIT")
    full.update(row)
    return full


def valid(p):
    """The features' own rules (khora refuses or completes the rest)."""
    def known(*names):
        return all(n in p for n in names)
    host = p.get("docker") or p.get("fastapi")
    if known("docker", "fastapi"):
        for dep in ("database", "broker"):
            if dep in p and p[dep] != "none" and not host:
                return False
        if p.get("observability") and not host:
            return False
    if known("playwright", "fastapi") and p["playwright"] \
            and not p["fastapi"]:
        return False
    if known("security_gates", "ci_github_actions", "precommit") and \
            p["security_gates"] and not (p["ci_github_actions"] or
                                         p["precommit"]):
        return False
    return True


# Templates or files whose findings are reported as XFAIL (with the
# file and the finding) rather than as failures: a template being
# rewritten on another branch goes here until that branch is merged.
# Empty: every generated file is held to every tool.
XFAIL_TEMPLATES = set()
XFAIL_FILES = set()
XFAIL_REASON = "template owned by the gen branch (issue 16 items 2, 3, 5)"


def yaml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_config(row, src):
    os.makedirs(os.path.join(src, row["docs_dir"]), exist_ok=True)
    with open(os.path.join(src, row["docs_dir"], "domain.md"), "w") as f:
        f.write("# Domain\n\n[concept:Order] - what a customer buys.\n\n"
                "[rule:Paid] - an order ships once paid.\n\n"
                "[rel:Order->Customer:placed_by] - who ordered.\n")
    lines = [
        "project_name: " + yaml_str(NAMES[row["name"]]),
        "project_description: " + yaml_str(DESCRIPTIONS[row["description"]]),
        "python_version: " + yaml_str(row["python_version"]),
        "version: 0.1.0",
        "license: " + row["license"],
        "author: " + yaml_str(AUTHORS[row["author"]]),
        "author_email: ada@example.org",
        "paths:",
        "  api_dir: " + row["api_dir"],
        "  docs_dir: " + row["docs_dir"],
        "features:",
    ]
    for name, _ in FEATURES:
        v = row[name]
        lines.append("  %s: %s" % (name, str(v).lower()
                                    if isinstance(v, bool) else v))
    if row["line_length"]:
        lines += ["plugins_config:", "  python:",
                  "    line_length: %d" % row["line_length"]]
    with open(os.path.join(src, "khora.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")


def describe(row):
    on = [n if isinstance(row[n], bool) else "%s=%s" % (n, row[n])
          for n, _ in FEATURES
          if row[n] is True or (not isinstance(row[n], bool) and
                                row[n] != "none")]
    return "%s py%s name=%s desc=%s ll=%s %s%s" % (
        ",".join(on) or "-", row["python_version"], row["name"],
        row["description"], row["line_length"] or "-", row["license"],
        "".join(" %s=%s" % (k, row[k]) for k in ("api_dir", "docs_dir")
                if "/" in row[k]))


# ---- the tools ----

def have(tool):
    return shutil.which(tool) is not None


def npm_tool(name):
    path = os.path.join(NPM_BIN, name)
    return path if os.access(path, os.X_OK) else None


def run(cmd, cwd=None, env=None, timeout=300):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(cmd, cwd=cwd, env=e, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout


def files(d, suffixes=(), names=()):
    out = []
    for base, dirs, fs in os.walk(d):
        dirs[:] = [x for x in dirs if x not in (".git", "__pycache__",
                                                 "site", "_build")
                   and not (base == d and x == ".khora")]
        for f in fs:
            if f.endswith(tuple(suffixes)) or f in names:
                out.append(os.path.join(base, f))
    return sorted(out)


def pyproject(d):
    with open(os.path.join(d, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)


def line_length(d):
    return pyproject(d).get("tool", {}).get("ruff", {}).get(
        "line-length", 88)


class Failed(Exception):
    """findings: [(path relative to the project or None, message)]"""

    def __init__(self, what, findings):
        super().__init__(what)
        self.what = what
        self.findings = findings


def must(rc_out, what, path=None):
    """A whole-file or whole-project check: path names what it proves."""
    rc, out = rc_out
    if rc != 0:
        raise Failed(what, [(path, "exit %d\n%s" % (rc, out))])


def per_file(rc_out, what, pattern):
    """A tool that names the file of each finding: pattern's group 1."""
    rc, out = rc_out
    if rc == 0:
        return
    findings = []
    for line in out.splitlines():
        m = re.match(pattern, line)
        if m:
            findings.append((os.path.normpath(m.group(1)), line))
    if not findings:
        findings = [(None, "exit %d\n%s" % (rc, out))]
    raise Failed(what, findings)


def rel(d, path):
    return os.path.relpath(path, d)


def check_python_project(d, row):
    must(run([os.path.join(LIB, "check-python-project"), d],
             env={"KHORA_CHECK_NO_YAMLLINT": "1"}),
         "pytest, compile, pyproject schema, context, lock, update")


def check_placeholders(d, row):
    hits = []
    for path in all_files(d):
        try:
            text = open(path, encoding="utf-8").read()
        except UnicodeDecodeError:
            continue
        r = rel(d, path)
        for n, line in enumerate(text.splitlines(), 1):
            # the quote-laden description's own {{x}}, as the user wrote it
            bare = line.replace("{{x}}", "")
            bad = "{{" in bare and not (
                r.startswith(".github/workflows/") and
                re.fullmatch(r"(\$\{\{ [^{}]* \}\}|[^{])*", bare))
            if "./None" in line or bad:
                hits.append((r, "%s:%d: %s" % (r, n, line)))
    if hits:
        raise Failed("unrendered placeholders", hits)


def all_files(d):
    return files(d, suffixes=("",))


def check_yamllint(d, row):
    per_file(run(["yamllint", "-s", "-f", "parsable", "."], cwd=d),
             "yamllint -s (the project's .yamllint.yaml)",
             r"(?:\./)?([^:]+):\d+:\d+:")


def check_black(d, row):
    ll = line_length(d)
    # Debian's black knows targets up to py311: newer ones format alike
    minor = min(int(row["python_version"].split(".")[1]), 11)
    per_file(run(["black", "--check", "-l", str(ll), "-t", "py3%d" % minor,
                  "."], cwd=d),
             "black --check -l %d (ruff format --check)" % ll,
             r"would reformat (.*)")


def check_flake8(d, row):
    ll = line_length(d)
    # E203, W503: where black and pycodestyle disagree (ruff agrees
    # with black)
    per_file(run(["flake8", "--max-line-length", str(ll),
                  "--extend-ignore", "E203,W503", "--exclude",
                  ".git,__pycache__,.khora,site,_build", "."], cwd=d),
             "flake8 --max-line-length %d (ruff check)" % ll,
             r"(?:\./)?([^:]+):\d+:\d+:")


def check_mypy(d, row):
    targets = ["src"]
    api = os.path.join(d, row["api_dir"])
    if os.path.isfile(os.path.join(api, "main.py")):
        targets.append(row["api_dir"])
    # one cache per target Python, used by one mypy at a time: the
    # standard library and FastAPI are analysed once per version, not
    # once per project (a cold run takes half a minute)
    version = row["python_version"]
    cache = os.path.join(TMP, "mypy-cache-" + version)
    args = ["mypy", "--cache-dir", cache]
    if "mypy" not in pyproject(d).get("tool", {}):
        args += ["--python-version", version]
    with MYPY_LOCKS.setdefault(version, threading.Lock()):
        out = run(args + targets, cwd=d)
    per_file(out, "mypy " + " ".join(targets), r"([^:]+\.py):\d+: error")


MYPY_LOCKS = {}


def check_workflows(d, row):
    wfs = files(os.path.join(d, ".github", "workflows"), (".yml", ".yaml"))
    for wf in wfs:
        must(run([VALIDATE, "github-workflow", wf]), "workflow schema",
             rel(d, wf))
        av = npm_tool("action-validator")
        if av:
            must(run([av, wf]), "action-validator", rel(d, wf))
        if have("shellcheck"):
            check_run_steps(d, wf)


def check_run_steps(d, wf):
    """Each run: step as bash sees it, GitHub's ${{ }} replaced by a word
    (GitHub substitutes it into the script before bash runs it)."""
    import yaml
    doc = yaml.safe_load(open(wf, encoding="utf-8"))
    steps = []
    for job_name, job in (doc.get("jobs") or {}).items():
        for i, step in enumerate(job.get("steps") or []):
            script = step.get("run")
            if isinstance(script, str):
                body = re.sub(r"\$\{\{[^}]*\}\}", "GITHUB_EXPR", script)
                steps.append(("jobs.%s.steps[%d].run" % (job_name, i), body))

    def shellcheck(body):
        return subprocess.run(["shellcheck", "-s", "bash", "-"],
                              input=body, text=True, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    # all steps at once, each in a function of its own; one by one only
    # to name the culprit
    batch = "".join("step_%d() {\n%s\n}\n" % (n, body)
                    for n, (_, body) in enumerate(steps))
    if not steps or shellcheck(batch).returncode == 0:
        return
    found = []
    for where, body in steps:
        p = shellcheck(body)
        if p.returncode != 0:
            found.append((rel(d, wf), where + "\n" + p.stdout))
    raise Failed("shellcheck of run: steps",
                 found or [(rel(d, wf), shellcheck(batch).stdout)])


def check_taplo(d, row):
    tomls = files(d, (".toml",))
    env = {"RUST_LOG": "warn"}
    if run([npm_tool("taplo"), "lint"] + tomls, cwd=d, env=env)[0] == 0:
        return
    found = []      # again file by file, to name the culprits
    for toml in tomls:
        rc, out = run([npm_tool("taplo"), "lint", toml], cwd=d, env=env)
        if rc != 0:
            found.append((rel(d, toml), out))
    raise Failed("taplo lint", found or [(None, "taplo lint failed")])


def check_shell(d, row):
    found = []
    for path in all_files(d):
        with open(path, "rb") as f:
            head = f.readline()
        if path.endswith(".sh") or re.match(
                rb"#!\s*/(usr/)?bin/(env\s+)?(ba|da|k)?sh\b", head):
            rc, out = run(["shellcheck", path])
            if rc != 0:
                found.append((rel(d, path), out))
    if found:
        raise Failed("shellcheck", found)


def check_terraform(d, row):
    if os.path.isdir(os.path.join(d, "infra")):
        must(run([os.path.join(ROOT, "tests", "hclcheck", "hclcheck"),
                  os.path.join(d, "infra")]), "hclcheck",
             "infra/terraform/main.tf")


def check_compose(d, row):
    compose = os.path.join(d, "docker-compose.yml")
    if not os.path.exists(compose):
        return
    must(run([VALIDATE, "compose-spec.json", compose]), "compose schema",
         "docker-compose.yml")
    if not have("docker-compose"):
        return
    # Debian's docker-compose 1.29 predates the top-level `name` of the
    # Compose Specification (the schema above checks it): it reads a
    # copy without that one key.
    text = open(compose, encoding="utf-8").read()
    text = re.sub(r"(?m)^name:.*\n", "", text)
    copy = os.path.join(d, "..", "compose-1.29.yml")
    with open(copy, "w", encoding="utf-8") as f:
        f.write(text)
    must(run(["docker-compose", "-f", copy, "--project-directory", d,
              "config", "-q"], cwd=d), "docker-compose config",
         "docker-compose.yml")


def check_precommit(d, row):
    cfg = os.path.join(d, ".pre-commit-config.yaml")
    if os.path.exists(cfg):
        must(run([VALIDATE, "pre-commit-config", cfg]), "pre-commit schema",
             ".pre-commit-config.yaml")


def check_api(d, row):
    api = os.path.join(d, row["api_dir"])
    if not os.path.isfile(os.path.join(api, "main.py")):
        return
    # the package from the project's src/, wherever api_dir is nested
    must(run([os.path.join(LIB, "serve-healthz"), api,
              os.path.join(d, "src")]), "uvicorn /healthz",
         os.path.join(row["api_dir"], "main.py"))


def build_contexts(d, row):
    """(Dockerfile, context) of each image the project builds, both
    relative to d: docker-compose.yml's build: sections as compose reads
    them (a string is the context; dockerfile is relative to the
    context); without compose, the API's Dockerfile is built from the
    project root, as its header says (docker build -f API/Dockerfile .)."""
    import yaml
    compose = os.path.join(d, "docker-compose.yml")
    if os.path.exists(compose):
        with open(compose, encoding="utf-8") as f:
            services = (yaml.safe_load(f) or {}).get("services") or {}
        out = []
        for svc in services.values():
            build = svc.get("build")
            if build is None:
                continue
            if isinstance(build, str):
                build = {"context": build}
            ctx = os.path.normpath(build.get("context", "."))
            df = os.path.join(ctx, build.get("dockerfile", "Dockerfile"))
            out.append((os.path.normpath(df), ctx))
        return out
    api = os.path.join(row["api_dir"], "Dockerfile")
    return [(api, ".")] if os.path.exists(os.path.join(d, api)) else []


def check_images(d, row):
    """Each image: the Dockerfile is usable against its real build
    context (tests/lib/check-dockerfile), and the image assembled as
    Docker would, .dockerignore honoured, runs its command's import from
    its own files alone (tests/lib/docker-image)."""
    for n, (df, ctx) in enumerate(build_contexts(d, row)):
        must(run([os.path.join(LIB, "check-dockerfile"),
                  os.path.join(d, df), os.path.join(d, ctx)]),
             "Dockerfile against its build context " + ctx, df)
        must(run([os.path.join(LIB, "docker-image"), os.path.join(d, df),
                  os.path.join(d, ctx),
                  os.path.join(d, "..", "image-%d" % n)]),
             "image built as Docker would imports its app", df)


def check_docs(d, row):
    if os.path.exists(os.path.join(d, "mkdocs.yml")):
        must(run(["mkdocs", "build", "--strict", "-q"], cwd=d),
             "mkdocs build --strict", "mkdocs.yml")
    for c in files(d, names=("conf.py",)):
        must(run(["sphinx-build", "-W", "--keep-going", "-q", "-b", "html",
                  ".", "_build/html"], cwd=os.path.dirname(c)),
             "sphinx-build -W", rel(d, c))


def check_kg(d, row):
    if os.path.exists(os.path.join(d, "scripts", "kg_extract.py")):
        must(run([PY, "scripts/kg_extract.py", "--check"], cwd=d),
             "kg_extract.py --check", "scripts/kg_extract.py")


CHECKS = [
    ("python", check_python_project, None),
    ("placeholders", check_placeholders, None),
    ("yamllint", check_yamllint, "yamllint"),
    ("black", check_black, "black"),
    ("flake8", check_flake8, "flake8"),
    ("mypy", check_mypy, "mypy"),
    ("workflows", check_workflows, None),
    ("taplo", check_taplo, "npm:taplo"),
    ("shellcheck", check_shell, "shellcheck"),
    ("terraform", check_terraform, None),
    ("compose", check_compose, None),
    ("precommit", check_precommit, None),
    ("api", check_api, None),
    ("images", check_images, None),
    ("docs", check_docs, None),
    ("kg", check_kg, None),
]


def available(tool):
    if tool is None:
        return True
    if tool.startswith("npm:"):
        return npm_tool(tool[4:]) is not None
    return have(tool)


TIMES = {}


def owners(d):
    """path -> the template directory that made it, from .khora/lock"""
    import yaml
    with open(os.path.join(d, ".khora", "lock"), encoding="utf-8") as f:
        lock = yaml.safe_load(f)
    out = {}
    for e in lock.get("files") or []:
        if e.get("template"):
            out[e["path"]] = e["template"].split("/")[0]
        elif e.get("plugin"):
            out[e["path"]] = e["plugin"]
    return out


def one_project(n, row):
    """Returns (ok, report lines)."""
    base = os.path.join(TMP, "p%02d" % n)
    src, d = base + "-src", os.path.join(base, "project")
    shutil.rmtree(base, ignore_errors=True)
    shutil.rmtree(src, ignore_errors=True)
    os.makedirs(base)
    write_config(row, src)
    rc, out = run([os.path.join(ROOT, "khora"), "new", d, "-q", "-c",
                   os.path.join(src, "khora.yaml")])
    title = "p%02d %s" % (n, describe(row))
    if rc != 0:
        return False, ["FAIL  %s: khora new (exit %d)\n      %s"
                       % (title, rc, out.strip())]
    made_by = owners(d)
    lines, ok = [], True
    for name, fn, tool in CHECKS:
        if not available(tool):
            continue
        t0 = time.monotonic()
        try:
            fn(d, row)
        except (subprocess.TimeoutExpired, OSError, ValueError) as e:
            # a hung tool, or a file the check itself cannot read (a
            # TOML or YAML syntax error): a failure of that project
            ok = False
            lines.append("FAIL  %s: %s: %s: %s" % (title, name,
                                                  type(e).__name__, e))
        except Failed as e:
            for path, msg in e.findings:
                if path and os.path.isabs(path):
                    path = os.path.relpath(path, d)
                owner = made_by.get(path) if path else None
                body = msg.rstrip().splitlines()
                if owner in XFAIL_TEMPLATES or path in XFAIL_FILES:
                    lines.append("XFAIL %s: %s: %s (templates/%s: %s): %s"
                                 % (title, e.what, path, owner,
                                    XFAIL_REASON, body[0] if body else ""))
                    continue
                ok = False
                lines.append("FAIL  %s: %s: %s\n%s" % (
                    title, e.what, path or "the project",
                    "\n".join("      " + x for x in body[:40])))
        finally:
            TIMES[name] = TIMES.get(name, 0) + time.monotonic() - t0
    if ok:
        lines.insert(0, "ok    " + title)
    return ok, lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--all", action="store_true",
                    help="the full product of features and choices")
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("-k", type=int, action="append")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()

    params = FEATURES + OTHER
    if args.all:
        fixed = {k: v[0] for k, v in OTHER}
        fixed.update(description="long", author="quotes")
        rows = [dict(r, **fixed)
                for r in pairwise.full_product(FEATURES, valid)]
    else:
        rows = pairwise.covering_array(params, valid)
        rows += [pinned(r) for r in PINNED]
    if args.list:
        for n, row in enumerate(rows, 1):
            print("p%02d %s" % (n, describe(row)))
        return 0

    for _, _, tool in CHECKS:
        if tool and not available(tool):
            print("SKIP  %s: not installed (tools/install-deps installs"
                  " it)" % tool)
    for tool in ("npm:action-validator", "docker-compose"):
        if not available(tool):
            print("SKIP  %s: not installed (tools/install-deps installs"
                  " it)" % tool)
    os.makedirs(TMP, exist_ok=True)
    home = os.path.join(TMP, "home")
    os.makedirs(home, exist_ok=True)
    os.environ.update(HOME=home, XDG_DATA_HOME=os.path.join(home, "share"),
                      GIT_CEILING_DIRECTORIES=os.path.join(ROOT, "tests",
                                                           "tmp"))
    for k in ("KHORA_PLUGIN_PATH", "SOURCE_DATE_EPOCH"):
        os.environ.pop(k, None)

    todo = [(n, r) for n, r in enumerate(rows, 1)
            if not args.k or n in args.k]
    start = time.monotonic()
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(args.j) as pool:
        for ok, lines in pool.map(lambda nr: one_project(*nr), todo):
            print("\n".join(lines), flush=True)
            if ok:
                passed += 1
            else:
                failed += 1
    print("projects: seconds per check: " + ", ".join(
        "%s %.0f" % kv for kv in sorted(TIMES.items(), key=lambda x: -x[1])))
    print("projects: %d configurations (%s) in %.0f s"
          % (len(todo), "full product" if args.all else "pairwise",
             time.monotonic() - start))
    print("projects: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
