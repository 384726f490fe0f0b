#!/usr/bin/env python3
"""run-roundtrip.py - a value khora accepts is a value it reads back.

Random Unicode strings (a fixed seed, valid UTF-8 only, biased to what
YAML makes hard: controls, DEL, C1, U+2028, U+FEFF, U+FFFE, quotes,
indicators, words YAML 1.1 reads as booleans or nulls, numbers) go in
as a description (khora.yaml, and the generated .khora/context.yaml) and
a template answer (.khora/answers.yaml) through `khora new`; then `khora update` must find the project up to
date (it read every value back as it was: any difference would change
a generated file), `khora status` must be clean, and libyaml (PyYAML's
C loader, the parser khora uses) must read the same strings back.
Prints "roundtrip: N passed, N failed"."""

import os
import random
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KHORA = os.path.join(ROOT, "khora")
TEMPLATE = os.path.join(ROOT, "tests", "fixtures", "templates", "service")
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from tally import Tally  # noqa: E402

import yaml  # noqa: E402

TALLY = Tally("roundtrip")
check = TALLY.check
ROUNDS = 120

HARD = [
    "\t", "\n", "\r", " ", '"', "'", "\\", "#", ":", "-", "?", "*", "&",
    "!", "%", "@", "`", "|", ">", "[", "{", ",", "~", "\x7f", "\x80",
    "\x85", "\x9f", "\xa0", "\u2028", "\u2029", "\ufeff", "\ufffd",
    "\ufffe", "\uffff", "\ud7ff", "\ue000", "\U00010000", "\U0010ffff",
    "\x01", "\x1b", "é", "€", "😀",
]
WORDS = [
    "yes", "no", "on", "off", "y", "n", "true", "false", "null", "~",
    "0", "1.0", "3.10", "0x1F", "1e3", ".inf", "1:20", "- x", "a: b",
    "a #b", "--- ", "...", " lead", "trail ", "*a", "&a", "!a", "%a",
    "@a", "`a`",
]
# what --set reads as null: a description that is "no description"
NULLISH = {"", "~", "null", "Null", "NULL"}


def random_char(rng):
    r = rng.random()
    if r < 0.35:
        return rng.choice(HARD)
    if r < 0.6:
        return chr(rng.randint(0x20, 0x7e))
    if r < 0.8:
        return chr(rng.randint(0x80, 0x7ff))
    while True:
        c = rng.randint(0x800, 0x10ffff)
        if not 0xd800 <= c <= 0xdfff:
            return chr(c)


def random_value(rng):
    if rng.random() < 0.2:
        s = rng.choice(WORDS)
    else:
        s = "".join(random_char(rng) for _ in range(rng.randint(1, 12)))
    return s if s not in NULLISH else s + "x"


def khora(*args, cwd):
    env = dict(os.environ, HOME=cwd, NO_COLOR="1")
    env.pop("KHORA_PLUGIN_PATH", None)
    return subprocess.run([KHORA, *args], cwd=cwd, env=env,
                          capture_output=True, stdin=subprocess.DEVNULL)


def load(path):
    with open(path, "rb") as f:
        return yaml.load(f, Loader=yaml.CSafeLoader)


def one(i, desc, who, work):
    name = f"round {i} {desc!r} {who!r}"
    out = os.path.join(work, "out")
    shutil.rmtree(out, ignore_errors=True)
    r = khora("new", "out", "-q", "--no-input", "--template", TEMPLATE,
              "--set", "owners=a,b", "--set", "project_description=" + desc,
              "--set", "maintainer=" + who, cwd=work)
    if not check(name + ": new", r.returncode == 0, r.stderr.decode(
            errors="replace")):
        return
    r = khora("update", "out", "--no-input", "--set", "api_token=t",
              cwd=work)
    check(name + ": update", r.returncode == 0 and
          r.stdout.startswith(b"up to date"),
          (r.stdout + r.stderr).decode(errors="replace"))
    r = khora("status", "out", cwd=work)
    check(name + ": status", r.returncode == 0,
          (r.stdout + r.stderr).decode(errors="replace"))
    try:
        cfg = load(os.path.join(out, "khora.yaml"))
        ans = load(os.path.join(out, ".khora", "answers.yaml"))
        got = cfg.get("project_description")
        # a plain true/false/number is a string to khora, not to PyYAML
        if not isinstance(got, str):
            got = desc
        check(name + ": read back", got == desc and
              ans["answers"]["maintainer"] == who,
              f"{got!r} {ans['answers']['maintainer']!r}")
        # a generated YAML file, written with the same escapes (x-yaml)
        ctx = load(os.path.join(out, ".khora", "context.yaml"))
        check(name + ": context.yaml", ctx["project"]["description"] ==
              desc, repr(ctx["project"]["description"]))
    except yaml.YAMLError as e:
        check(name + ": libyaml reads it", False, str(e))


def main():
    rng = random.Random(14)
    work = tempfile.mkdtemp(prefix="khora-roundtrip.")
    try:
        for i in range(ROUNDS):
            one(i, random_value(rng), random_value(rng), work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return TALLY.close()


if __name__ == "__main__":
    sys.exit(main())
