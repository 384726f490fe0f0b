#!/usr/bin/env python3
"""run-race.py - a directory swapped for a symlink while khora writes.

A second process swaps the project's src/ for a symlink to an outside
directory (rename src away, symlink, then put src back) in a loop, while
khora runs `new --force` and `update` RUNS times each, every run with a
new project description (so src/NAME/__init__.py is rewritten each
time).  Whatever each run's outcome (0, or a one-line error with exit 6
or 7), the outside directory must never change: every write goes
through directory fds resolved without following a symlink.  At the end
the swapping stops and a last update must succeed and leave no backup.
The number of runs is fixed; nothing depends on timing but which runs
happen to collide, and the assertion holds for every run.
Prints "race: N passed, N failed".
"""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KHORA = os.environ.get("KHORA_BIN", os.path.join(ROOT, "khora"))
RUNS = int(os.environ.get("KHORA_RACE_RUNS", "150"))
# (per process: helpers in other worktrees may run it at the same time)
WORK = os.path.join("/dev/shm" if os.access("/dev/shm", os.W_OK) else
                    os.path.join(ROOT, "tests", "tmp"),
                    f"khora-race.{os.getpid()}")
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from tally import Tally  # noqa: E402

TALLY = Tally("race")
check = TALLY.check


def snapshot(path):
    out = {}
    for folder, dirs, files in os.walk(path):
        for name in dirs + files:
            p = os.path.join(folder, name)
            st = os.lstat(p)
            data = None
            if os.path.islink(p):
                data = os.readlink(p)
            elif os.path.isfile(p):
                data = hashlib.sha256(open(p, "rb").read()).hexdigest()
            out[os.path.relpath(p, path)] = (st.st_mode, st.st_mtime_ns,
                                             data)
    return out


def swapper(proj):
    """Child: swap proj/src for a symlink to ../outside and back, until
    killed.  Every step may fail (khora may have moved things): go on."""
    src = os.path.join(proj, "src")
    aside = os.path.join(proj, ".src-aside")
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    while True:
        try:
            os.rename(src, aside)
            os.symlink("../outside", src)
            # the symlink stays a moment: more runs meet it (what they
            # must do does not depend on it)
            time.sleep(0.001)
            os.unlink(src)
            os.rename(aside, src)
            time.sleep(0.001)
        except OSError:
            if os.path.islink(src):
                try:
                    os.unlink(src)
                except OSError:
                    pass
            if os.path.isdir(aside) and not os.path.lexists(src):
                try:
                    os.rename(aside, src)
                except OSError:
                    pass


def restore(proj):
    src = os.path.join(proj, "src")
    aside = os.path.join(proj, ".src-aside")
    if os.path.islink(src):
        os.unlink(src)
    if os.path.isdir(aside) and not os.path.lexists(src):
        os.rename(aside, src)


def run(args, env):
    return subprocess.run([KHORA] + args, cwd=WORK, env=env,
                          capture_output=True, text=True)


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(os.path.join(WORK, "home"))
    env = dict(os.environ, HOME=os.path.join(WORK, "home"), NO_COLOR="1")
    env.pop("KHORA_PLUGIN_PATH", None)
    proj = os.path.join(WORK, "proj")
    r = run(["new", "proj", "-q"], env)
    check("seed project", r.returncode == 0, r.stderr)
    outside = os.path.join(WORK, "outside")
    os.makedirs(os.path.join(outside, "proj"))
    with open(os.path.join(outside, "proj", "__init__.py"), "w") as f:
        f.write("outside\n")
    before = snapshot(outside)
    codes = {}
    pid = os.fork()
    if pid == 0:
        swapper(proj)
    try:
        for i in range(RUNS):
            for kind in ("new", "update"):
                if kind == "new":
                    args = ["new", "proj", "-q", "--force", "--set",
                            f"project_description=new {i}"]
                else:
                    cfg = os.path.join(proj, "khora.yaml")
                    text = open(cfg).read().split("\n")
                    text = [l for l in text
                            if not l.startswith("project_description:")]
                    text.insert(1, f"project_description: \"upd {i}\"")
                    open(cfg, "w").write("\n".join(text))
                    args = ["update", "proj", "-q"]
                r = run(args, env)
                codes[r.returncode] = codes.get(r.returncode, 0) + 1
                lines = [l for l in r.stderr.splitlines()
                         if not l.startswith("khora: warning: ")]
                ok = snapshot(outside) == before and (
                    r.returncode == 0 or (r.returncode in (6, 7) and
                                          len(lines) == 1))
                check(f"{kind} {i} with src/ swapping", ok,
                      f"rc {r.returncode} {r.stderr!r} outside "
                      f"{sorted(snapshot(outside))}")
    finally:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    restore(proj)
    r = run(["update", "proj", "-q"], env)
    check("update after the swapping stopped", r.returncode == 0 and not [
        n for n in os.listdir(proj) if n.startswith(".khora-backup")],
        r.stderr)
    check("outside never changed", snapshot(outside) == before)
    print(f"race: exit codes {codes}")
    shutil.rmtree(WORK, ignore_errors=True)
    return TALLY.close()


if __name__ == "__main__":
    sys.exit(main())
