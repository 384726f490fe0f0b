#!/usr/bin/env python3
"""run-faults.py - all-or-nothing under faults, proved by sweeping.

1. Every intercepted file-system call of an all-features run is made to
   fail in turn (tests/fixtures/libfault.so), with ENOSPC, EIO, EACCES and
   EDQUOT: khora either succeeds with a complete project (the failed call
   was one whose failure does not matter, e.g. closing a file it only
   read) or fails with one line naming the path and the errno text, the
   documented exit code, no target and no staging directory left.
2. The same sweep with --force into an existing project with user edits:
   on failure the directory is byte-identical to before.
3. RLIMIT_FSIZE (ulimit -f): EFBIG, exit 7, nothing left.
4. SIGINT, SIGTERM and SIGKILL at random points of a 3,000-file run: the
   target is complete or absent; SIGKILL may leave a staging directory,
   which the next run removes.
5. Two runs racing for one target: one wins, the other exits 6, and the
   tree is entirely the winner's.
6. khora update of an edited project (a feature off, a moved api_dir, a
   new description, the user's own changes): every intercepted call made
   to fail, with each errno: the project is exactly the uninterrupted
   update's result, or exactly as before with one error line.  Then the
   update is killed (SIGKILL) at every call: khora status reports the
   pending recovery and writes nothing, the next update rolls it back to
   the exact previous tree or finds it complete, and a rerun gives the
   uninterrupted result.
   The recovering update is then itself made to fail at every call:
   no backup is lost, and a clean rerun gives the uninterrupted result.
7. Errors are never absence: the same update, and khora status, with
   every read-side call (read, fstat, fstatat, readdir, opendir,
   fdopendir, readlinkat, openat2) made to fail in turn with EIO and
   EACCES: update gives the reference tree or exits with one error line
   and the project as before; status prints exactly the reference
   report or exits 7 with one line (a read error is never a deleted or
   a clean file).
Prints "faults: N passed, N failed".
"""

import hashlib
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KHORA = os.path.join(ROOT, "khora")
SHIM = os.path.join(ROOT, "tests", "fixtures", "libfault.so")
# tmpfs when there is one: thousands of small runs, same semantics
# (per process: helpers in other worktrees may run it at the same time)
WORK = os.path.join("/dev/shm" if os.access("/dev/shm", os.W_OK) else
                    os.path.join(ROOT, "tests", "tmp"),
                    f"khora-faults.{os.getpid()}")
ERRNOS = {"ENOSPC": "No space left on device", "EIO": "Input/output error",
          "EACCES": "Permission denied", "EDQUOT": "Disk quota exceeded"}
READ_CALLS = ("read,fstat,fstatat,readdir,opendir,fdopendir,readlinkat,"
              "openat2")
READ_ERRNOS = {k: ERRNOS[k] for k in ("EIO", "EACCES")}
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from tally import Tally  # noqa: E402

TALLY = Tally("faults")
check = TALLY.check


def snapshot(path):
    """Every entry with its type, mode and content hash."""
    out = {}
    if not os.path.lexists(path):
        return None
    for folder, dirs, files in os.walk(path):
        for name in dirs + files:
            p = os.path.join(folder, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, path)
            # a run's trash directory is named by the time it ran
            parts = rel.split(os.sep)
            if parts[:2] == [".khora", "trash"] and len(parts) > 2:
                rel = os.sep.join(parts[:2] + ["RUN"] + parts[3:])
            if os.path.isfile(p) and not os.path.islink(p):
                out[rel] = (st.st_mode, hashlib.sha256(
                    open(p, "rb").read()).hexdigest())
            else:
                out[rel] = (st.st_mode, os.readlink(p)
                            if os.path.islink(p) else None)
    return out


def leftovers():
    return [n for n in os.listdir(WORK) if n.startswith(".khora-stage")]


def complete(target):
    """The project is whole: every file of the lock, with its hash."""
    lock = os.path.join(target, ".khora", "lock")
    if not os.path.isfile(lock):
        return False
    import yaml
    entries = yaml.safe_load(open(lock))["files"]
    for e in entries:
        p = os.path.join(target, e["path"])
        if "sha256" in e and (not os.path.isfile(p) or hashlib.sha256(
                open(p, "rb").read()).hexdigest() != e["sha256"]):
            return False
    return len(entries) > 10


def fault_fired(env):
    """The call the shim failed; "(no log: the process died)" when its
    exit handler never ran (a crash is then reported by the check)."""
    try:
        fired = open(env["KHORA_FAULT_LOG"]).read().split()[1]
        os.unlink(env["KHORA_FAULT_LOG"])
    except (OSError, IndexError):
        fired = "(no log: the process died)"
    return fired


def run(args, env=None, **kw):
    return subprocess.run([KHORA] + args, cwd=WORK, env=env or os.environ,
                          capture_output=True, text=True, **kw)


def sweep(force):
    args = ["new", "out", "-q", "-c", "src/khora.yaml", "--without", "git"]
    if force:
        args.append("--force")
    env = dict(os.environ, LD_PRELOAD=SHIM, KHORA_FAULT="0",
               KHORA_FAULT_LOG=os.path.join(WORK, "count.log"))

    def fresh():
        shutil.rmtree(os.path.join(WORK, "out"), ignore_errors=True)
        if force:
            shutil.copytree(os.path.join(WORK, "existing"),
                            os.path.join(WORK, "out"), symlinks=True)

    fresh()
    r = run(args, env)
    check("count run succeeds", r.returncode == 0, r.stderr)
    total = int(open(env["KHORA_FAULT_LOG"]).read().split()[0])
    os.unlink(env["KHORA_FAULT_LOG"])
    label = "force" if force else "new"
    before = snapshot(os.path.join(WORK, "existing")) if force else None
    tolerated = 0
    for n in range(1, total + 1):
        for errname, text in ERRNOS.items():
            fresh()
            env["KHORA_FAULT"] = f"{n}:{errname}"
            r = run(args, env)
            fired = fault_fired(env)
            name = f"{label} fault {n}/{total} {errname} in {fired}"
            out = os.path.join(WORK, "out")
            if r.returncode == 0:
                tolerated += 1
                # a staging directory that could not be removed is said
                stale_ok = not leftovers() or (
                    "cannot remove the staging directory" in r.stderr)
                kept = not force or open(os.path.join(
                    out, "NOTES.txt")).read() == "mine\n"
                check(name, complete(out) and stale_ok and kept,
                      f"rc 0: complete {complete(out)} left {leftovers()} "
                      f"user file kept {kept}")
                for d in leftovers():
                    shutil.rmtree(os.path.join(WORK, d))
                continue
            lines = r.stderr.splitlines()
            # one error line, last; before it only warnings (a sidecar
            # that could not be read is skipped with a warning)
            ok = (r.returncode in (3, 4, 5, 7) and lines and
                  all(l.startswith("khora: warning: ") for l in lines[:-1])
                  and lines[-1].startswith("khora: ") and
                  "warning" not in lines[-1][:16] and text in r.stderr and
                  not leftovers())
            if force:
                ok = ok and snapshot(out) == before
            else:
                ok = ok and not os.path.lexists(out)
            check(name, ok, f"rc {r.returncode}: {r.stderr!r} "
                  f"left: {leftovers()} exists: {os.path.lexists(out)}")
    print(f"sweep {label}: {total} calls x {len(ERRNOS)} errnos, "
          f"{tolerated} tolerated (the project complete)")
    shutil.rmtree(os.path.join(WORK, "out"), ignore_errors=True)
    return total


def kill_sweep(total):
    """--force killed (SIGKILL) at every intercepted call: the target is
    untouched or holds the journal of the dead run; the next run rolls it
    back and finishes, the user's file kept."""
    args = ["new", "out", "-q", "-c", "src/khora.yaml", "--without", "git",
            "--force"]
    before = snapshot(os.path.join(WORK, "existing"))
    out = os.path.join(WORK, "out")
    recovered = rolled = 0
    for n in range(1, total + 1):
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(os.path.join(WORK, "existing"), out, symlinks=True)
        env = dict(os.environ, LD_PRELOAD=SHIM, KHORA_FAULT=f"{n}:EIO",
                   KHORA_FAULT_KILL="1")
        run(args, env)
        now = snapshot(out)
        journal = [k for k in (now or {}) if k.startswith(".khora-backup.")
                   and k.endswith("/journal")]
        # untouched but for the dead run's (perhaps empty) backup dir
        bare = {k: v for k, v in (now or {}).items()
                if not k.startswith(".khora-backup.")}
        ok = bare == before or journal or complete(out)
        # khora status only reports an interrupted run (it never
        # writes); the next writing command rolls it back: then the
        # project is exactly as before that run (unless it had completed)
        st = run(["status", "out", "--porcelain"])
        ok = ok and snapshot(out) == now and (
            not journal or "\n! .khora-backup." in "\n" + st.stdout)
        if "rolls it back" in st.stderr:
            u = run(["update", "out", "-q"])
            if "rolled back" in u.stderr:
                rolled += 1
                ok = ok and u.returncode == 0 and snapshot(out) == before
        r = run(args)
        recovered += "an interrupted --force run" in r.stderr
        ok = ok and r.returncode == 0 and complete(out) and open(
            os.path.join(out, "NOTES.txt")).read() == "mine\n" and not [
            k for k in snapshot(out) if k.startswith(".khora-backup")] \
            and not leftovers()
        check(f"SIGKILL at call {n}/{total} of --force, then status, "
              f"update and a new run", ok,
              f"journal {journal} status {st.stdout!r} {st.stderr!r} "
              f"rerun {r.returncode} {r.stderr!r} left {leftovers()}")
    check("kill sweep rolled back interrupted runs", rolled > 0)
    print(f"kill sweep: {total} points, {rolled} interrupted runs rolled "
          f"back to the exact previous tree (by khora update), "
          f"{recovered} cleaned up by the next run")


def evolve_setup():
    """A project to update, and the tree an uninterrupted update makes."""
    src = os.path.join(WORK, "evolve")
    shutil.copytree(os.path.join(WORK, "existing"), src, symlinks=True)
    cfg = os.path.join(src, "khora.yaml")
    text = open(cfg).read()
    text = text.replace("  terraform: true\n", "  terraform: false\n")
    text = text.replace("  api_dir: api\n", "  api_dir: web\n")
    text = text.replace("project_description: ", "project_description: "
                        "\"Updated: \" # ")
    open(cfg, "w").write(text.replace('"Updated: " # "', '"Updated: '))
    with open(os.path.join(src, "api", "main.py"), "a") as f:
        f.write("\n# mine\n")
    ref = os.path.join(WORK, "evolved")
    shutil.copytree(src, ref, symlinks=True)
    r = run(["update", "evolved", "-q"])
    check("reference update succeeds", r.returncode == 0, r.stderr)
    check("reference update moved the user's change",
          open(os.path.join(ref, "web", "main.py")).read().endswith(
              "# mine\n") and not os.path.exists(os.path.join(ref, "infra")))
    return snapshot(src), snapshot(ref)


def fresh_evolve():
    out = os.path.join(WORK, "out")
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(os.path.join(WORK, "evolve"), out, symlinks=True)
    return out


def no_backup(tree):
    return not [k for k in tree or {} if k.startswith(".khora-backup")]


def update_sweep(before, after, calls=None, errnos=ERRNOS):
    args = ["update", "out", "-q"]
    env = dict(os.environ, LD_PRELOAD=SHIM, KHORA_FAULT="0",
               KHORA_FAULT_LOG=os.path.join(WORK, "count.log"))
    label = "update"
    if calls:
        env["KHORA_FAULT_CALLS"] = calls
        label = "update (read side)"
    out = fresh_evolve()
    r = run(args, env)
    check("update count run succeeds", r.returncode == 0, r.stderr)
    total = int(open(env["KHORA_FAULT_LOG"]).read().split()[0])
    os.unlink(env["KHORA_FAULT_LOG"])
    tolerated = 0
    for n in range(1, total + 1):
        for errname, text in errnos.items():
            out = fresh_evolve()
            env["KHORA_FAULT"] = f"{n}:{errname}"
            r = run(args, env)
            fired = fault_fired(env)
            name = f"{label} fault {n}/{total} {errname} in {fired}"
            now = snapshot(out)
            if r.returncode == 0:
                tolerated += 1
                # a backup directory that could not be removed is said,
                # and the next writing command removes it
                if "cannot remove the backup directory" in r.stderr:
                    now = {k: v for k, v in now.items()
                           if not k.startswith(".khora-backup.")}
                    run(["update", "out", "-q"])
                    now = now if no_backup(snapshot(out)) else None
                check(name, now == after and not leftovers(),
                      f"rc 0 but not the reference tree, left "
                      f"{leftovers()} {r.stderr!r}")
                continue
            lines = r.stderr.splitlines()
            ok = (r.returncode in (3, 4, 5, 7) and lines and
                  all(l.startswith("khora: warning: ") for l in lines[:-1])
                  and text in r.stderr and now == before and
                  not leftovers())
            check(name, ok, f"rc {r.returncode}: {r.stderr!r} same "
                  f"{now == before} left {leftovers()}")
    print(f"sweep {label}: {total} calls x {len(errnos)} errnos, "
          f"{tolerated} tolerated (the reference result)")
    return total


def status_sweep():
    """khora status of the edited project, every read-side call failing
    in turn: the reference report, or exit 7 and one line."""
    args = ["status", "out", "--porcelain"]
    out = fresh_evolve()
    ref = run(args)
    check("status reference run", ref.returncode == 8 and ref.stdout,
          ref.stderr)
    env = dict(os.environ, LD_PRELOAD=SHIM, KHORA_FAULT="0",
               KHORA_FAULT_CALLS=READ_CALLS,
               KHORA_FAULT_LOG=os.path.join(WORK, "count.log"))
    run(args, env)
    total = int(open(env["KHORA_FAULT_LOG"]).read().split()[0])
    os.unlink(env["KHORA_FAULT_LOG"])
    before = snapshot(out)
    tolerated = 0
    for n in range(1, total + 1):
        for errname, text in READ_ERRNOS.items():
            env["KHORA_FAULT"] = f"{n}:{errname}"
            r = run(args, env)
            fired = fault_fired(env)
            name = f"status fault {n}/{total} {errname} in {fired}"
            if r.returncode == ref.returncode and r.stdout == ref.stdout:
                tolerated += 1
                check(name, snapshot(out) == before)
                continue
            lines = r.stderr.splitlines()
            check(name, r.returncode == 7 and len(lines) == 1 and
                  text in r.stderr and not r.stdout and
                  snapshot(out) == before,
                  f"rc {r.returncode}: {r.stderr!r} {r.stdout!r}")
    print(f"sweep status (read side): {total} calls x {len(READ_ERRNOS)} "
          f"errnos, {tolerated} tolerated (the reference report)")


def update_kill_sweep(total, before, after):
    args = ["update", "out", "-q"]
    rolled = finished = 0
    for n in range(1, total + 1):
        out = fresh_evolve()
        env = dict(os.environ, LD_PRELOAD=SHIM, KHORA_FAULT=f"{n}:EIO",
                   KHORA_FAULT_KILL="1")
        run(args, env)
        killed = snapshot(out)
        st = run(["status", "out", "--porcelain"])
        now = snapshot(out)
        # status writes nothing; an update run with the config the
        # project was generated from rolls the dead run back and changes
        # nothing else: exactly the previous tree
        ok = now == killed and not [
            l for l in st.stderr.splitlines() if "warning" not in l]
        if "rolls it back" in st.stderr:
            cfg = os.path.join(out, "khora.yaml")
            mine = open(cfg).read()
            shutil.copy(os.path.join(WORK, "existing", "khora.yaml"), cfg)
            u = run(args)
            rolled += "rolled back" in u.stderr
            open(cfg, "w").write(mine)
            now = snapshot(out)
            ok = ok and u.returncode == 0 and "rolled back" in u.stderr
        else:
            now = {k: v for k, v in now.items()
                   if not k.startswith(".khora-backup.")}
        finished += now == after
        ok = ok and now in (before, after)
        r = run(args)
        ok = ok and r.returncode == 0 and snapshot(out) == after and \
            not leftovers()
        check(f"SIGKILL at call {n}/{total} of update, then status and "
              f"update", ok, f"status {st.stderr!r} as before "
              f"{now == before} rerun {r.returncode} {r.stderr!r}")
    check("update kill sweep rolled back interrupted runs", rolled > 0)
    print(f"update kill sweep: {total} points, {rolled} rolled back to "
          f"the exact previous tree, {finished} found complete")


def recovery_sweep(total, after):
    """The recovery itself under faults: an update killed half-way (at
    the first point, from the middle on, that left a rollback to do),
    then the next update with every intercepted call failing in turn.
    Whatever fails, no backup is lost: the run completes, or stops with
    one error line, and a clean rerun then gives exactly the
    uninterrupted result."""
    args = ["update", "out", "-q"]
    killed = os.path.join(WORK, "killed")
    for n in range(total // 2, total + 1):
        out = fresh_evolve()
        run(args, dict(os.environ, LD_PRELOAD=SHIM, KHORA_FAULT=f"{n}:EIO",
                       KHORA_FAULT_KILL="1"))
        if "rolls it back" in run(["status", "out"]).stderr:
            break
    else:
        check("recovery sweep found a run to roll back", False)
        return
    shutil.rmtree(killed, ignore_errors=True)
    shutil.copytree(out, killed, symlinks=True)

    def fresh():
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(killed, out, symlinks=True)

    env = dict(os.environ, LD_PRELOAD=SHIM, KHORA_FAULT="0",
               KHORA_FAULT_LOG=os.path.join(WORK, "count.log"))
    fresh()
    r = run(args, env)
    check("recovery count run succeeds", r.returncode == 0 and
          "rolled back" in r.stderr and snapshot(out) == after, r.stderr)
    calls = int(open(env["KHORA_FAULT_LOG"]).read().split()[0])
    os.unlink(env["KHORA_FAULT_LOG"])
    for k in range(1, calls + 1):
        fresh()
        env["KHORA_FAULT"] = f"{k}:EIO"
        r = run(args, env)
        fired = fault_fired(env)
        lines = r.stderr.splitlines()
        # after the rollback, the update may fail anywhere, as the
        # update sweep allows
        ok = r.returncode == 0 and snapshot(out) == after or (
            r.returncode in (3, 4, 5, 7) and lines and
            not [l for l in lines[:-1] if "warning" not in l] and
            ERRNOS["EIO"] in r.stderr)
        again = run(args)
        ok = ok and again.returncode == 0 and snapshot(out) == after \
            and not leftovers()
        check(f"recovery fault {k}/{calls} EIO in {fired} (killed at "
              f"{n}), then a clean update", ok,
              f"rc {r.returncode} {r.stderr!r} rerun {again.returncode} "
              f"{again.stderr!r}")
    print(f"recovery sweep: {calls} calls of the recovering update "
          f"(killed at {n}/{total}) failed in turn, each then completed")


def fsize_limit():
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))
    r = subprocess.run([KHORA, "new", "big", "-q", "-c", "src/khora.yaml",
                        "--without", "git"], cwd=WORK, capture_output=True,
                       text=True, preexec_fn=limit)
    check("ulimit -f: exit 7, one line, nothing left",
          r.returncode == 7 and len(r.stderr.splitlines()) == 1 and
          "File too large" in r.stderr and not os.path.exists(
              os.path.join(WORK, "big")) and not leftovers(), r.stderr)


def signals():
    env = dict(os.environ, KHORA_PLUGIN_PATH=os.path.join(
        ROOT, "tools", "bench-plugin"))
    args = [KHORA, "new", "sig", "-q", "--with", "bench_files", "--set",
            "plugins_config.bench_files.files=3000"]
    rng = random.Random(7)
    t0 = time.perf_counter()
    subprocess.run(args, cwd=WORK, env=env, check=True)
    full = time.perf_counter() - t0
    shutil.rmtree(os.path.join(WORK, "sig"))
    outcomes = {}
    for i, sig in enumerate([signal.SIGINT, signal.SIGTERM] * 10 +
                            [signal.SIGKILL] * 8):
        p = subprocess.Popen(args, cwd=WORK, env=env,
                             stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, full * 1.2))
        p.send_signal(sig)
        p.wait()
        target = os.path.join(WORK, "sig")
        state = "complete" if complete(target) else (
            "absent" if not os.path.lexists(target) else "PARTIAL")
        outcomes[state] = outcomes.get(state, 0) + 1
        stale = leftovers()
        ok = state != "PARTIAL" and (sig == signal.SIGKILL or not stale)
        check(f"signal {sig.name} run {i}", ok, f"{state}, left {stale}")
        if sig == signal.SIGKILL and stale:
            # the next run recognises the dead run's directory, removes it
            shutil.rmtree(target, ignore_errors=True)
            r = subprocess.run(args, cwd=WORK, env=env, capture_output=True,
                               text=True)
            check("stale staging directory removed by the next run",
                  r.returncode == 0 and not leftovers() and
                  "removing the staging directory of an interrupted run"
                  in r.stderr and complete(target),
                  f"{r.stderr} left {leftovers()} {complete(target)}")
        shutil.rmtree(target, ignore_errors=True)
    print(f"signals: {outcomes}")


def race():
    env = dict(os.environ, KHORA_PLUGIN_PATH=os.path.join(
        ROOT, "tools", "bench-plugin"))
    wins = {}
    for i in range(12):
        target = os.path.join(WORK, "race")
        procs = [subprocess.Popen(
            [KHORA, "new", "race", "-q", "--with", "bench_files", "--set",
             "plugins_config.bench_files.files=400", "--set",
             f"project_description=run {k}"], cwd=WORK, env=env,
            stderr=subprocess.PIPE, text=True) for k in (0, 1)]
        codes = [p.wait() for p in procs]
        errs = [p.stderr.read() for p in procs]
        for p in procs:
            p.stderr.close()
        winner = codes.index(0) if codes.count(0) == 1 else None
        ok = sorted(codes) == [0, 6] and complete(target) and not leftovers()
        if ok:
            import yaml
            desc = yaml.safe_load(open(os.path.join(
                target, ".khora", "context.yaml")))["project"]["description"]
            ok = desc == f"run {winner}"
            wins[winner] = wins.get(winner, 0) + 1
        check(f"race {i}", ok, f"codes {codes} {errs} left {leftovers()} "
              f"complete {complete(target)}")
        shutil.rmtree(target, ignore_errors=True)
    print(f"race: winners {wins}")


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    shutil.copytree(os.path.join(ROOT, "examples", "all-features"),
                    os.path.join(WORK, "src"))
    existing = os.path.join(WORK, "existing")
    r = run(["new", "existing", "-q", "-c", "src/khora.yaml", "--without",
             "git"])
    check("seed project", r.returncode == 0, r.stderr)
    with open(os.path.join(existing, "README.md"), "a") as f:
        f.write("\nmy own notes\n")
    with open(os.path.join(existing, "NOTES.txt"), "w") as f:
        f.write("mine\n")
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    # KHORA_FAULTS_ONLY=update runs only the update sweeps, =read only
    # the read-side ones (development)
    only = os.environ.get("KHORA_FAULTS_ONLY")
    only_update = only in ("update", "read")
    if not only_update:
        sweep(force=False)
        kill_sweep(sweep(force=True))
    before, after = evolve_setup()
    if only != "read":
        total = update_sweep(before, after)
        update_kill_sweep(total, before, after)
        recovery_sweep(total, after)
    update_sweep(before, after, READ_CALLS, READ_ERRNOS)
    status_sweep()
    if not only_update:
        fsize_limit()
        signals()
        race()
    shutil.rmtree(WORK, ignore_errors=True)
    return TALLY.close()


if __name__ == "__main__":
    # a run stopped half way (a timeout, ^C) leaves nothing in /dev/shm
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        sys.exit(main())
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
