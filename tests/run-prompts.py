#!/usr/bin/env python3
"""run-prompts.py - the template questions as a person answers them, on a
real pseudo-terminal: defaults shown and taken on Enter, a bad answer
rejected with its reason and asked again, a bool and a choice (its
choices shown), a list, a multiselect, a secret typed without echo, and
the result on disk.  Prints "prompts: N passed, N failed"."""

import os
import pty
import select
import shutil
import sys
import signal
import tempfile
import termios

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KHORA = os.path.join(ROOT, "khora")
TEMPLATE = os.path.join(ROOT, "tests", "fixtures", "templates", "service")
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from tally import Tally  # noqa: E402

TALLY = Tally("prompts")
check = TALLY.check


def read_until(fd, text, seen, timeout=10.0):
    """Reads the terminal until `text` appears; returns all output."""
    while text not in seen[0]:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            raise TimeoutError(f"waited for {text!r}, got {seen[0][-300:]!r}")
        try:
            chunk = os.read(fd, 4096).decode(errors="replace")
        except OSError:
            raise TimeoutError(f"closed while waiting for {text!r}")
        seen[0] += chunk
    return seen[0]


def update_asks_secret(target, env):
    """update on a terminal asks for the secret again, without offering
    the default (the project was made with some other value), and only
    for it: the other answers come from khora.yaml."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(KHORA, [KHORA, "update", target, "-q"], env)
    seen = [""]
    try:
        read_until(fd, "api_token [string]: ", seen)
        os.write(fd, b"s3cret\r")
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        check("update asks only for the secret, without its default",
              code == 0 and "changeme" not in seen[0] and
              "s3cret" not in seen[0] and
              "maintainer" not in seen[0], seen[0][-500:])
        answers = open(os.path.join(target, ".khora", "answers.yaml")).read()
        check("the secret given to update is not saved",
              "s3cret" not in answers, answers)
    except (TimeoutError, OSError) as e:
        check("update dialogue", False, str(e))
        try:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        except OSError:
            pass
    finally:
        os.close(fd)


def interrupted_secret(target, env):
    """^C while a secret is typed (echo off) gives the terminal its echo
    back before khora dies of the signal, and writes nothing."""
    before = open(os.path.join(target, ".khora", "answers.yaml")).read()
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(KHORA, [KHORA, "update", target, "-q"], env)
    seen = [""]
    try:
        read_until(fd, "api_token [string]: ", seen)
        lflag = termios.tcgetattr(fd)[3]
        check("echo is off while the secret is typed",
              not lflag & termios.ECHO, hex(lflag))
        os.write(fd, b"s3c\x03")
        _, status = os.waitpid(pid, 0)
        lflag = termios.tcgetattr(fd)[3]
        check("^C at a secret kills khora with SIGINT",
              os.WIFSIGNALED(status) and
              os.WTERMSIG(status) == signal.SIGINT, str(status))
        check("^C at a secret leaves the terminal echoing",
              bool(lflag & termios.ECHO), hex(lflag))
        after = open(os.path.join(target, ".khora", "answers.yaml")).read()
        check("^C at a secret writes nothing", before == after, after)
    except (TimeoutError, OSError) as e:
        check("interrupted secret dialogue", False, str(e))
        try:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        except OSError:
            pass
    finally:
        os.close(fd)


MULTI = """name: multi
variables:
  extras:
    type: multiselect
    help: pick any
    choices: [docs, lint, typing]
    default: [docs]
"""


def multiselect(work, env):
    """A multiselect: its choices in the question, an unknown item
    refused with a guess, the answer trimmed, a section per item."""
    tpl = os.path.join(work, "multi")
    os.makedirs(tpl)
    with open(os.path.join(tpl, "khora-template.yaml"), "w") as f:
        f.write(MULTI)
    with open(os.path.join(tpl, "x.txt.kt"), "w") as f:
        f.write("{{#extras}}<{{item}}>{{/extras}}\n")
    target = os.path.join(work, "m")
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(KHORA, [KHORA, "new", target, "-q", "--template", tpl],
                  env)
    seen = [""]
    question = ("extras (pick any) [multiselect: docs, lint, typing; "
                "comma-separated] default docs: ")
    try:
        read_until(fd, question, seen)
        os.write(fd, b"docs, lnit\r")
        read_until(fd, "did you mean 'lint'?)", seen)
        read_until(fd, question, [seen[0].split("did you mean")[-1]])
        os.write(fd, b" lint , typing \r")
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        out = open(os.path.join(target, "x.txt")).read()
        check("multiselect: choices shown, bad item refused, answer "
              "trimmed", code == 0 and out == "<lint><typing>\n",
              seen[0][-500:] + out)
    except (TimeoutError, OSError) as e:
        check("multiselect dialogue", False, str(e))
        try:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        except OSError:
            pass
    finally:
        os.close(fd)


def main():
    work = tempfile.mkdtemp(prefix="khora-pty-")
    target = os.path.join(work, "svc")
    env = dict(os.environ, NO_COLOR="1", HOME=work)
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(KHORA, [KHORA, "new", target, "-q", "--template",
                          TEMPLATE], env)
    seen = [""]
    # (question, what the person types)
    script = [
        ("service_name (name of the service directory) [string] default "
         "svc-svc: ", ""),
        ("port [int] default 8080: ", "80"),
        ("port [int] default 8080: ", "9000"),
        ("use_db (does the service keep data) [bool] default false: ",
         "yes"),
        ("db_engine [choice: sqlite, postgres] default sqlite: ",
         "postgress"),
        ("db_engine [choice: sqlite, postgres] default sqlite: ",
         "postgres"),
        ("maintainer (who answers for the service) [string]: ", "Ada"),
        ("owners (comma-separated owners) [list]: ", "ada,grace"),
        ("api_token [string] default (hidden): ", "hunter2hunter2"),
    ]
    try:
        asked = {}
        for question, answer in script:
            # the n-th time this question is asked (a re-ask repeats it)
            asked[question] = asked.get(question, 0) + 1
            while seen[0].count(question) < asked[question]:
                read_until(fd, question, seen)
                if seen[0].count(question) < asked[question]:
                    ready, _, _ = select.select([fd], [], [], 10)
                    if not ready:
                        raise TimeoutError(f"no re-ask of {question!r}")
                    seen[0] += os.read(fd, 4096).decode(errors="replace")
            os.write(fd, (answer + "\r").encode())
        _, status = os.waitpid(pid, 0)
        try:
            while True:
                ready, _, _ = select.select([fd], [], [], 1)
                if not ready:
                    break
                seen[0] += os.read(fd, 4096).decode(errors="replace")
        except OSError:
            pass
        code = os.waitstatus_to_exitcode(status)
        check("interactive run exits 0", code == 0, seen[0][-500:])
        check("a bad choice is refused naming the choices and a guess",
              "invalid answer 'postgress' for 'db_engine': not one of the "
              "choices (sqlite, postgres) (did you mean 'postgres'?)"
              in seen[0], seen[0][-800:])
        check("a secret is typed without echo, its default not shown",
              "hunter2" not in seen[0] and "changeme" not in seen[0],
              seen[0][-300:])
        check("a bad answer is refused with its reason, then asked again",
              "invalid answer '80' for 'port': 80 is below the minimum "
              "1024" in seen[0], seen[0][-800:])
        cfg = open(os.path.join(target, "svc-svc", "config.yaml")).read()
        check("answers reach the files", cfg ==
              "service: svc-svc\nport: 9000\ndatabase: postgres\n", cfg)
        check("conditional directory follows the bool",
              os.path.isfile(os.path.join(target, "db", "schema.sql")))
        owners = open(os.path.join(target, "OWNERS")).read()
        check("list answer", owners == "# Owners of svc\n- ada\n- grace\n",
              owners)
        answers = open(os.path.join(target, ".khora", "answers.yaml")).read()
        check("the secret is used, not saved",
              "api_token" not in answers and 'maintainer: "Ada"' in answers,
              answers)
        update_asks_secret(target, env)
        interrupted_secret(target, env)
        multiselect(work, env)
    except (TimeoutError, OSError) as e:
        check("dialogue", False, str(e))
        try:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        except OSError:
            pass
    finally:
        os.close(fd)
        shutil.rmtree(work, ignore_errors=True)
    return TALLY.close()


if __name__ == "__main__":
    sys.exit(main())
