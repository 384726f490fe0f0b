#!/usr/bin/env python3
"""run-scale.py - a project of tens of thousands of files is one khora
can manage: no size limit that a generated project can reach.

KHORA_SCALE_FILES files (25,000 by default; `make bench` measures
100,000) made two ways, each then driven through the commands that read
the lock and the base back, every result checked against the disk with
Python's own tools (hashlib, PyYAML's libyaml loader), never timed:

- by a plugin (tools/bench-plugin): the lock is past the 1 MiB that
  used to be refused; status is clean, a no-op update writes nothing
  (lock byte-identical, no mtime changed), explain names the plugin, a
  user edit is the one file status reports, and updates that add and
  remove files keep it; after each step every lock entry's hash is its
  file's and the base holds every file as generated (lock round trip);
- by a template directory whose files all move (an answer names their
  directory): update follows every moved file, carries the user's edit
  along and removes the emptied directory;
- hostile state at that size: a duplicate entry at the end of the big
  lock is refused with its line and column, nothing changed.

Prints "scale: N passed, N failed"."""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KHORA = os.path.join(ROOT, "khora")
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from tally import Tally  # noqa: E402

import yaml  # noqa: E402

TALLY = Tally("scale")
check = TALLY.check
N = int(os.environ.get("KHORA_SCALE_FILES", "25000"))
ENV = dict(os.environ)
ENV.pop("SOURCE_DATE_EPOCH", None)
ENV["KHORA_PLUGIN_PATH"] = os.path.join(ROOT, "tools", "bench-plugin")


def khora(work, *args):
    return subprocess.run([KHORA] + list(args), cwd=work, env=ENV,
                          capture_output=True, text=True)


def files_on_disk(proj):
    """Every regular file khora may record: not its own state (but the
    answers), not the project's khora.yaml, not the trash."""
    out = {}
    for folder, dirs, names in os.walk(proj):
        rel = os.path.relpath(folder, proj)
        if rel == ".":
            dirs[:] = [d for d in dirs if d != ".khora"]
            if os.path.exists(os.path.join(proj, ".khora", "answers.yaml")):
                dirs.append(".khora")
        if rel == ".khora":  # its trash holds what khora removed
            dirs[:] = []
            names = [n for n in names if n == "answers.yaml"]
        for name in names:
            path = os.path.normpath(os.path.join(rel, name))
            if path != "khora.yaml":
                out[path] = os.path.join(folder, name)
    return out


def read_base(proj):
    with open(os.path.join(proj, ".khora", "base"), "rb") as f:
        data = f.read()
    base, off = {}, data.index(b"\n@@ ") + 1
    while off < len(data):
        nl = data.index(b"\n", off)
        m = re.fullmatch(rb"@@ (\d+) (.+)", data[off:nl])
        size = int(m.group(1))
        base[m.group(2).decode()] = data[nl + 1:nl + 1 + size]
        off = nl + 1 + size + 1
    return base


def round_trip(step, proj, edited=()):
    """The lock and the base say what is on disk: every file recorded
    once, with its hash (but the user's edits), and its pristine copy."""
    with open(os.path.join(proj, ".khora", "lock"), "rb") as f:
        lock = yaml.load(f, Loader=yaml.CSafeLoader)
    entries = {e["path"]: e for e in lock["files"]}
    disk = files_on_disk(proj)
    base = read_base(proj)
    check(f"{step}: one lock entry per file", len(entries) ==
          len(lock["files"]) and set(entries) == set(disk),
          f"{len(lock['files'])} entries, {len(disk)} files, only in the "
          f"lock: {sorted(set(entries) - set(disk))[:3]}, only on disk: "
          f"{sorted(set(disk) - set(entries))[:3]}")
    bad, unbased = [], []
    for path, e in entries.items():
        if path not in disk:
            continue
        with open(disk[path], "rb") as f:
            data = f.read()
        want = hashlib.sha256(data).hexdigest()
        if (e.get("sha256") == want) == (path in edited):
            bad.append(path)
        if hashlib.sha256(base.get(path, b"-")).hexdigest() != \
                e.get("sha256"):
            unbased.append(path)
    check(f"{step}: every hash is its file's", not bad, bad[:3])
    check(f"{step}: the base holds every file as generated", not unbased,
          unbased[:3])
    return lock


def mtimes(proj):
    out = {}
    for folder, _, names in os.walk(proj):
        for name in names:
            path = os.path.join(folder, name)
            out[path] = os.stat(path).st_mtime_ns
    return out


def snapshot(proj):
    out = {}
    for folder, _, names in os.walk(proj):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                out[path] = hashlib.sha256(f.read()).hexdigest()
    return out


def set_files(proj, n):
    path = os.path.join(proj, "khora.yaml")
    with open(path) as f:
        text = f.read()
    new = re.sub(r"(\n\s+files: )\S+", rf"\g<1>{n}", text)
    assert new != text, text
    with open(path, "w") as f:
        f.write(new)


def plugin_project(work):
    proj = os.path.join(work, "big")
    r = khora(work, "new", "big", "-q", "--with", "bench_files",
              "--without", "context", "--set",
              f"plugins_config.bench_files.files={N}")
    if not check("plugin: new", r.returncode == 0, r.stderr):
        return
    size = os.path.getsize(os.path.join(proj, ".khora", "lock"))
    check("plugin: the lock is past the old 1 MiB cap",
          size > 1 << 20 or N < 10000, f"{size} bytes")
    lock = round_trip("plugin: new", proj)
    total = len(lock["files"])
    check("plugin: every file recorded", total >= N, total)

    r = khora(work, "status", "big")
    check("plugin: status is clean", r.returncode == 0 and
          f"clean: {total} files" in r.stdout, r.stdout[-300:] + r.stderr)

    before_lock = open(os.path.join(proj, ".khora", "lock"), "rb").read()
    before = mtimes(proj)
    r = khora(work, "update", "big")
    check("plugin: a no-op update", r.returncode == 0 and
          "up to date" in r.stdout, r.stdout + r.stderr)
    check("plugin: the no-op update rewrote nothing",
          mtimes(proj) == before and open(os.path.join(
              proj, ".khora", "lock"), "rb").read() == before_lock)

    one = "data/d07/file00007.txt"
    r = khora(work, "explain", os.path.join("big", one))
    check("plugin: explain one file", r.returncode == 0 and
          re.search(r"^plugin +bench_files$", r.stdout, re.M) and
          "unchanged since it was generated" in r.stdout,
          r.stdout + r.stderr)

    edited = "data/d05/file00005.txt"
    with open(os.path.join(proj, edited), "a") as f:
        f.write("mine\n")
    r = khora(work, "status", "big", "--porcelain")
    check("plugin: status names the one edited file", r.returncode == 8 and
          r.stdout == f"M {edited}\n", r.stdout[-300:] + r.stderr)

    # one more file, then two fewer: the lock follows, the edit stays
    set_files(proj, N + 1)
    r = khora(work, "update", "big", "-q")
    added = f"data/d{N % 20:02d}/file{N:05d}.txt"
    check("plugin: update adds a file", r.returncode == 0 and
          os.path.isfile(os.path.join(proj, added)), r.stderr)
    check("plugin: the edit survives", open(os.path.join(
        proj, edited)).read().endswith("mine\n"))
    round_trip("plugin: one more", proj, edited={edited})
    set_files(proj, N - 1)
    r = khora(work, "update", "big", "-q")
    gone = f"data/d{(N - 1) % 20:02d}/file{N - 1:05d}.txt"
    check("plugin: update removes two files", r.returncode == 0 and
          not os.path.exists(os.path.join(proj, added)) and
          not os.path.exists(os.path.join(proj, gone)), r.stderr)
    lock = round_trip("plugin: two fewer", proj, edited={edited})
    check("plugin: the lock shrank by two", len(lock["files"]) ==
          total - 1, len(lock["files"]))
    r = khora(work, "status", "big", "--porcelain")
    check("plugin: status after the updates", r.returncode == 8 and
          r.stdout.splitlines()[-1:] == [f"M {edited}"],
          r.stdout[-300:] + r.stderr)

    # hostile: the same big lock with a duplicate entry at its end
    lockpath = os.path.join(proj, ".khora", "lock")
    text = open(lockpath).read()
    first = re.search(r"  - path: \"data/d03/file00003.txt\"\n(    .*\n)+",
                      text).group(0)
    with open(lockpath, "a") as f:
        f.write(first)
    line = text.count("\n") + 1
    snap = snapshot(proj)
    for cmd in (["status", "big"], ["update", "big"],
                ["explain", os.path.join("big", one)]):
        r = khora(work, *cmd)
        want = (rf"khora: ({re.escape(work)}/)?big/\.khora/lock:{line}:11: "
                r"'data/d03/file00003\.txt' is listed twice\n")
        check(f"hostile: {cmd[0]} refuses a duplicate at the end",
              r.returncode == 7 and re.fullmatch(want, r.stderr),
              f"{r.returncode} {r.stderr!r}, want {want!r}")
    check("hostile: nothing changed", snapshot(proj) == snap)


def template_project(work):
    tdir = os.path.join(work, "tpl")
    os.makedirs(os.path.join(tdir, "{{dir}}"))
    with open(os.path.join(tdir, "khora-template.yaml"), "w") as f:
        f.write("name: scale\nvariables:\n  dir: {default: first}\n")
    for i in range(N):
        sub = os.path.join(tdir, "{{dir}}", f"s{i % 50:02d}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"f{i:05d}.txt.kt"), "w") as f:
            f.write(f"file {i} of {{{{project_name}}}}\n")
    proj = os.path.join(work, "moved")
    r = khora(work, "new", "moved", "-q", "--template", tdir, "--no-input",
              "--without", "context")
    if not check("template: new", r.returncode == 0, r.stderr):
        return
    round_trip("template: new", proj)
    edited = "first/s07/f00007.txt"
    with open(os.path.join(proj, edited), "a") as f:
        f.write("mine\n")
    conf = os.path.join(proj, "khora.yaml")
    text = open(conf).read()
    new = re.sub(r'(\n\s+dir: )"first"', r"\1second", text)
    check("template: the answer is in khora.yaml", new != text, text)
    with open(conf, "w") as f:
        f.write(new)
    r = khora(work, "update", "moved")
    moved = len(re.findall(r"^ *rename", r.stdout, re.M))
    check("template: update follows every moved file",
          r.returncode == 0 and moved == N, f"{moved} renames, "
          f"rc {r.returncode}: {r.stdout[-300:]} {r.stderr}")
    check("template: the old directory is gone",
          not os.path.exists(os.path.join(proj, "first")))
    dest = "second/s07/f00007.txt"
    check("template: the edit moved along", open(os.path.join(
        proj, dest)).read() == "file 7 of moved\nmine\n")
    round_trip("template: moved", proj, edited={dest})


def main():
    if not os.path.exists(os.path.join(ROOT, "tools", "bench-plugin",
                                       "bench_files.so")):
        sys.exit("run-scale: make tools/bench-plugin/bench_files.so first")
    work = tempfile.mkdtemp(prefix="khora-scale.")
    try:
        plugin_project(work)
        template_project(work)
    finally:
        shutil.rmtree(work)
    return TALLY.close()


if __name__ == "__main__":
    sys.exit(main())
