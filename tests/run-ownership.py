#!/usr/bin/env python3
"""run-ownership.py - no byte the user wrote is ever lost (issue 14).

Random sequences (fixed seed, bounded size) of: new (sometimes --force
over the user's own files), user edits (modify, delete, create files,
in docs_dir too, and khora.yaml by hand), add, remove, update (with
--ours, --theirs or markers), a feature turned off by hand, forget.
After every step, every file the user last wrote (path and bytes) is
either in the tree at its path or in .khora/trash/*/<path>: khora may
merge, move or remove it, never lose it.  khora's exit code must be 0
or 6 (conflict), or 3 when kg finds its docs_dir gone.
Prints "ownership: N passed, N failed" (one check per step).
"""

import glob
import os
import random
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KHORA = os.path.join(ROOT, "khora")
SEED = int(os.environ.get("KHORA_OWNERSHIP_SEED", "14"))
SEQUENCES = 20
STEPS = 14
POOL = ["docker", "precommit", "ci_github_actions", "docs=mkdocs", "kg"]

CONFIG = """project_name: prop
project_description: "property test"
python_version: "3.11"
version: 0.1.0
license: MIT
author: Ada
author_email: ada@example.org
paths:
  docs_dir: docs
features:
%s"""


def run(args, cwd):
    env = dict(os.environ, HOME=cwd, NO_COLOR="1")
    env.pop("KHORA_PLUGIN_PATH", None)
    p = subprocess.run([KHORA] + args, cwd=cwd, env=env,
                       capture_output=True, timeout=60)
    return p.returncode, p.stderr.decode("utf-8", "replace")


def tree_files(out):
    res = []
    for d, dirs, files in os.walk(out):
        rel = os.path.relpath(d, out)
        if rel == ".khora" or rel.startswith(".khora/") or rel == ".git" \
                or rel.startswith(".git/"):
            dirs[:] = []
            continue
        for f in files:
            res.append(os.path.normpath(os.path.join(rel, f)))
    return sorted(res)


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def lost(out, written):
    """The user's versions found neither in the tree nor in the trash."""
    missing = []
    for path, data in sorted(written.items()):
        if read(os.path.join(out, path)) == data:
            continue
        kept = [t for t in glob.glob(os.path.join(out, ".khora", "trash",
                                                   "*", path))
                if read(t) == data]
        if not kept:
            missing.append(path)
    return missing


def on_features(out):
    text = read(os.path.join(out, "khora.yaml")) or b""
    on = []
    for f in POOL:
        name = f.split("=")[0]
        for line in text.decode().splitlines():
            s = line.strip()
            if s.startswith(name + ":") and \
                    s.split(":", 1)[1].strip() not in ("false", "none"):
                on.append(f)
    return on


def tracked(out):
    lock = read(os.path.join(out, ".khora", "lock")) or b""
    paths, cur = [], None
    for line in lock.decode().splitlines():
        if line.startswith("  - path: "):
            cur = line[11:-1]
            paths.append(cur)
        elif line.strip() == "user: true" and paths and paths[-1] == cur:
            paths.pop()
    return paths


def user_write(out, written, path, data):
    full = os.path.join(out, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as f:
        f.write(data)
    written[path] = data


def step(rng, work, out, written, n):
    """One random step; returns (what, rc, stderr)."""
    what = rng.choice(["edit", "edit", "edit", "add", "remove", "update",
                       "update", "off", "forget"])
    if what == "edit":
        # khora.yaml is edited by "off" only: a random line breaks it
        files = [f for f in tree_files(out) if f != "khora.yaml"]
        kind = rng.choice(["modify", "delete", "create", "create-doc"])
        if kind in ("modify", "delete") and files:
            path = rng.choice(files)
            if kind == "modify":
                data = (read(os.path.join(out, path)) or b"") + \
                    b"user line %d\n" % n
                user_write(out, written, path, data)
            else:
                os.unlink(os.path.join(out, path))
                written.pop(path, None)
        else:
            base = "docs/" if kind == "create-doc" else \
                rng.choice(["", "src/", "notes/"])
            path = "%smine%d.md" % (base, rng.randrange(4))
            user_write(out, written, path,
                       b"# mine %d\n\nuser text %d\n" % (n, rng.random()
                                                         * 1e6))
        return "edit " + kind, 0, ""
    if what == "off":
        on = on_features(out)
        if not on:
            return "off (none)", 0, ""
        name = rng.choice(on).split("=")[0]
        path = os.path.join(out, "khora.yaml")
        text = read(path).decode()
        lines = [l if not l.strip().startswith(name + ":") else
                 "  %s: %s" % (name, "none" if name == "docs" else "false")
                 for l in text.splitlines()]
        user_write(out, written, "khora.yaml",
                   ("\n".join(lines) + "\n").encode())
        return "off " + name, 0, ""
    side = rng.choice([[], [], ["--ours"], ["--theirs"]])
    if what == "add":
        f = rng.choice(POOL)
        rc, err = run(["add", f, "-C", "out", "-q"] + side, work)
        return "add " + f, rc, err
    if what == "remove":
        on = on_features(out)
        if not on:
            return "remove (none)", 0, ""
        f = rng.choice(on).split("=")[0]
        rc, err = run(["remove", f, "-C", "out", "-q"] + side, work)
        return "remove " + f, rc, err
    if what == "forget":
        paths = tracked(out)
        if not paths:
            return "forget (none)", 0, ""
        p = rng.choice(paths)
        rc, err = run(["forget", "-C", "out", p], work)
        return "forget " + p, rc, err
    rc, err = run(["update", "out", "-q"] + side, work)
    return "update " + " ".join(side), rc, err


def sequence(rng, seq):
    work = tempfile.mkdtemp(prefix="khora-own.")
    out = os.path.join(work, "out")
    written = {}
    results = []
    try:
        feats = [f for f in POOL if rng.random() < 0.4]
        lines = "".join("  %s: %s\n" % (f.split("=")[0], f.split("=")[1]
                                        if "=" in f else "true")
                        for f in feats) or "  docker: false\n"
        with open(os.path.join(work, "khora.yaml"), "w") as f:
            f.write(CONFIG % lines)
        os.makedirs(os.path.join(work, "docs"))
        with open(os.path.join(work, "docs", "guide.md"), "w") as f:
            f.write("# Guide\n\n**Order**: a thing bought.\n")
        args = ["new", "out", "-c", "khora.yaml", "-q"]
        if rng.random() < 0.5:
            # the user's files before khora: some collide with khora's
            for path in ("README.md", ".gitignore", "docs/guide.md",
                         "notes/todo.txt"):
                if rng.random() < 0.6:
                    user_write(out, written, path,
                               b"user's own %s\n" % path.encode())
            if os.path.isdir(out):
                args.append("--force")
        rc, err = run(args, work)
        # the docs copied from next to khora.yaml are the user's too
        for path in glob.glob(os.path.join(out, "docs", "*.md")):
            rel = os.path.relpath(path, out)
            if rel == "docs/guide.md" and rel not in written:
                written[rel] = read(path)
        if rc != 0:
            return [("seq %d: new failed %d: %s" % (seq, rc, err.strip()),
                     False)]
        for n in range(STEPS):
            what, rc, err = step(rng, work, out, written, n)
            ok_rc = rc in (0, 6) or (rc == 3 and "docs" in err)
            missing = lost(out, written)
            ok = ok_rc and not missing
            results.append(("seq %d step %d %s: rc %d %s%s" % (
                seq, n, what, rc, err.strip()[:200],
                " LOST %s" % missing if missing else ""), ok))
            if not ok:
                break
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


def main():
    rng = random.Random(SEED)
    passed = failed = 0
    for seq in range(SEQUENCES):
        for msg, ok in sequence(rng, seq):
            if ok:
                passed += 1
            else:
                failed += 1
                print("FAIL " + msg)
    print("ownership: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
