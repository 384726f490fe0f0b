#!/usr/bin/env python3
"""run-completion.py - khora's completion as a person gets it: a real
interactive bash (without and with the bash-completion package), zsh and
fish, each in a tmux pane (a pseudo-terminal with a rendered screen),
with the script installed where a distribution puts it; keys are typed,
TAB is pressed, and the line the shell is left with, or the list it
shows, is read back through a key bound to print the line.

A shell that is not installed is a loud SKIP (tools/install-deps
installs all three).  Prints "completion: N passed, N failed"."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KHORA = os.path.join(ROOT, "khora")
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from tally import Tally  # noqa: E402

TALLY = Tally("completion")
check = TALLY.check
MARK = re.compile(r"^<<(.*?)>>")
# how long one answer may take on a loaded machine before it is a failure
PATIENCE = 30.0


class Pane:
    """One shell in a private tmux server."""

    def __init__(self, name, argv, env, cwd):
        self.sock = os.path.join(env["HOME"], f"tmux-{name}")
        self.env = env
        self.tmux(["new-session", "-d", "-s", "t", "-x", "160", "-y", "60",
                   "-c", cwd, "--"] + argv)
        self.tmux(["set-option", "-g", "history-limit", "5000"])

    def tmux(self, args):
        return subprocess.run(["tmux", "-S", self.sock] + args,
                              env=self.env, check=True,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT).stdout.decode()

    def keys(self, *keys, literal=False):
        self.tmux(["send-keys", "-t", "t"] + (["-l"] if literal else []) +
                  list(keys))

    def screen(self):
        return self.tmux(["capture-pane", "-p", "-J", "-t", "t",
                          "-S", "-200"])

    def wait(self, pred, what):
        end = time.monotonic() + PATIENCE
        while True:
            text = self.screen()
            if pred(text):
                return text
            if time.monotonic() > end:
                raise TimeoutError(f"waited for {what}:\n{text[-1500:]}")
            time.sleep(0.05)

    def close(self):
        subprocess.run(["tmux", "-S", self.sock, "kill-server"],
                       env=self.env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


class Shell:
    """A shell in a pane, with ^T bound to print <<the line>>."""

    def __init__(self, label, pane, tabs_to_list):
        self.label = label
        self.pane = pane
        self.tabs_to_list = tabs_to_list
        self.n = 0

    def ready(self):
        self.pane.keys("C-t")
        self.pane.wait(lambda s: "<<>>" in s, f"{self.label} to start")

    def run(self, line, tabs, has):
        """Types line, presses TAB tabs times, then ^T; returns the
        final line and what the screen shows after the typed line (once
        it lists the words of has: a pager may be drawn after ^T)."""
        self.pane.keys("C-u")
        self.pane.keys("clear", literal=True)
        self.pane.keys("Enter")
        self.n += 1
        tag = f"echo {self.n}"
        self.pane.keys(tag, literal=True)
        self.pane.keys("Enter")
        self.pane.wait(lambda s: re.search(rf"^{self.n}\s*$", s, re.M),
                       f"{tag} in {self.label}")
        self.pane.keys(line, literal=True)
        for _ in range(tabs):
            self.pane.keys("Tab")
        self.pane.keys("C-t")
        def done(s):
            lines = s.split(f"\n{self.n}\n", 1)[-1].splitlines()
            return any(MARK.match(x) for x in lines) and has <= listed_in(
                "\n".join(MARK.sub("", x) for x in lines[1:]))
        try:
            text = self.pane.wait(done, f"{sorted(has)} after {line!r} "
                                  f"in {self.label}")
        except TimeoutError:
            text = self.pane.screen()
            if not any(MARK.match(x) for x in text.split(
                    f"\n{self.n}\n", 1)[-1].splitlines()):
                raise
        after = text.split(f"\n{self.n}\n", 1)[-1].splitlines()
        i = max(j for j, x in enumerate(after) if MARK.match(x))
        # a listing may be drawn over or after the printed line, and
        # fish draws its pager on the line the mark was printed on
        shown = "\n".join(MARK.sub("", x) for x in after[1:])
        self.pane.keys("C-u")
        return MARK.match(after[i]).group(1), shown


def words_of(shown):
    """The candidates a listing shows: one per line with a description
    (zsh "cand  -- desc", fish "cand  (desc)"), else columns."""
    out = set()
    for line in shown.splitlines():
        if line.startswith("$ "):
            continue
        for part in re.split(r"\s{2,}", line.strip()):
            if not part or part.startswith("(") or \
                    part.startswith("--") or part.endswith(")"):
                continue
            if " -- " in line or "(" in line:
                out.add(part.split()[0])
            else:
                out.update(part.split())
    return out


def listed_in(shown):
    """words_of(), and what follows the last '=' of each: bash lists
    that part, zsh and fish the whole word."""
    words = words_of(shown)
    return words | {w.rsplit("=", 1)[1] for w in words if "=" in w}


def project(tmp):
    """The directory every shell starts in."""
    w = os.path.join(tmp, "work")
    for d in ("service", "src", "proj", "t"):
        os.makedirs(os.path.join(w, d))
    files = {
        "khora.yaml": 'project_name: demo\npython_version: "3.11"\n'
                      'template: t\nenv:\n  prod: {version: "1.0"}\n'
                      '  staging: {}\n  "bad\\e[31mname": {}\n',
        "other.yaml": 'project_name: other\npython_version: "3.11"\n'
                      'env:\n  ci: {}\n',
        "broken.yaml": "env: [\n",
        "answers.yaml": "service_name: api\n",
        "notes.txt": "notes\n",
        "my notes.md": "a name with a space\n",
        "proj/khora.yaml": 'project_name: proj\npython_version: "3.11"\n',
        "t/khora-template.yaml":
            "name: t\nvariables:\n  service_name: {default: api}\n"
            "  flavour: {type: choice, choices: [vanilla, chocolate],"
            " default: vanilla}\n  use_redis: {type: bool}\n",
    }
    for name, text in files.items():
        with open(os.path.join(w, name), "w") as f:
            f.write(text)
    return w


# (line typed, TABs, expected final line or None, words the list must
# show, words it must not show); a final line ends with a space when
# the shell completed a whole word.  LIST: the TABs that make the shell
# list the candidates (one, with bash's show-all-if-ambiguous)
LIST = 0
CASES = [
    # the reported bugs
    ("khora add docs=s", 1, "khora add docs=sphinx ", set(), set()),
    ("khora add docs=", LIST, None, {"mkdocs", "sphinx"},
     {"security_gates", "service/", "src/", "none"}),
    ("khora new x --with docs=m", 1, "khora new x --with docs=mkdocs ",
     set(), set()),
    ("khora new x --with=docs=s", 1, "khora new x --with=docs=sphinx ",
     set(), set()),
    ("khora new x --with docker,fast", 1,
     "khora new x --with docker,fastapi ", set(), set()),
    ("khora new x --without do", LIST, None, {"docker", "docs"},
     {"mkdocs", "sphinx"}),
    ("khora explain no", 1, "khora explain notes.txt ", set(), set()),
    ("khora explain my", 1, "khora explain my\\ notes.md ", set(), set()),
    ("khora new x --answers ans", 1, "khora new x --answers answers.yaml ",
     set(), set()),
    ("khora new x -c oth", 1, "khora new x -c other.yaml ", set(), set()),
    ("khora new x --config=oth", 1, "khora new x --config=other.yaml ",
     set(), set()),
    ("khora new x --env ", LIST, None, {"prod", "staging"},
     {"service/", "src/", "proj/", "ci"}),
    ("khora new x --env st", 1, "khora new x --env staging ", set(),
     set()),
    ("khora new x -c other.yaml --env ", 1,
     "khora new x -c other.yaml --env ci ", set(), set()),
    ("khora new x -c broken.yaml --env ", LIST, "khora new x -c broken.yaml "
     "--env ", set(), {"service/", "src/", "khora:"}),
    ("khora new x --set project_n", 1, "khora new x --set project_name=",
     set(), set()),
    ("khora new x --set features.docs=m", 1,
     "khora new x --set features.docs=mkdocs ", set(), set()),
    ("khora new x --set fla", 1, "khora new x --set flavour=", set(),
     set()),
    ("khora new x --set flavour=c", 1,
     "khora new x --set flavour=chocolate ", set(), set()),
    ("khora new x --set ", LIST, None, set(),
     {"service/", "src/", "proj/"}),
    # files and directories where the command wants them
    ("khora new x --template se", 1, "khora new x --template service/",
     set(), set()),
    ("khora add docker -C pr", 1, "khora add docker -C proj/", set(),
     set()),
    ("khora status s", LIST, None, {"service/", "src/"}, {"security_gates"}),
    ("khora new se", 1, "khora new service/", set(), set()),
    # features, commands, plugins
    ("khora add do", LIST, None, {"docker"}, {"docs", "doc/"}),
    ("khora remove do", LIST, None, {"docker", "docs"}, {"mkdocs"}),
    ("khora pl", 1, "khora plugins ", set(), set()),
    ("khora plugins info pyt", 1, "khora plugins info python ", set(),
     set()),
    ("khora completion fi", 1, "khora completion fish ", set(), set()),
    ("khora update --di", 1, "khora update --diff ", set(), set()),
]


def run_cases(sh):
    for line, tabs, want, has, hasnt in CASES:
        name = f"{sh.label}: {line!r}"
        try:
            got, shown = sh.run(line, tabs or sh.tabs_to_list, has)
        except TimeoutError as e:
            check(name, False, str(e))
            continue
        listed = listed_in(shown)
        ok = want is None or got == want
        ok = ok and has <= listed and not (hasnt & listed)
        ok = ok and "khora:" not in shown
        check(name, ok, f"line {got!r} (want {want!r}), listed "
              f"{sorted(listed)}, screen:\n{shown}")


def bash_shell(tmp, env, work, with_bc):
    label = "bash+bash-completion" if with_bc else "bash"
    if with_bc and not os.path.exists(
            "/usr/share/bash-completion/bash_completion"):
        print(f"SKIP  {label}: the bash-completion package is not "
              "installed (tools/install-deps installs it)")
        return
    rc = os.path.join(tmp, f"{label}.rc")
    script = subprocess.run([KHORA, "completion", "bash"], check=True,
                            stdout=subprocess.PIPE).stdout.decode()
    with open(rc, "w") as f:
        f.write("PS1='$ '\nbind 'set bell-style none'\n"
                "bind 'set completion-query-items 0'\n"
                "bind 'set page-completions off'\n"
                "bind 'set show-all-if-ambiguous on'\n"
                "bind -x '\"\\C-t\": printf \"\\n<<%s>>\\n\" "
                "\"$READLINE_LINE\"'\n")
        if with_bc:
            # autoloaded from where the package installs it
            d = os.path.join(env["XDG_DATA_HOME"], "bash-completion",
                             "completions")
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "khora"), "w") as s:
                s.write(script)
            f.write(". /usr/share/bash-completion/bash_completion\n")
            f.write("declare -F _init_completion >/dev/null || "
                    "echo NO-BASH-COMPLETION\n")
        else:
            f.write(script)
            f.write("declare -F _init_completion >/dev/null && "
                    "echo HAS-BASH-COMPLETION\n")
    run_shell(label, ["bash", "--noprofile", "--rcfile", rc, "-i"], env,
              work, 1)


def zsh_shell(tmp, env, work):
    if not shutil.which("zsh"):
        print("SKIP  zsh: not installed (tools/install-deps installs it)")
        return
    fdir = os.path.join(tmp, "zfunc")
    os.makedirs(fdir)
    with open(os.path.join(fdir, "_khora"), "w") as f:
        f.write(subprocess.run([KHORA, "completion", "zsh"], check=True,
                               stdout=subprocess.PIPE).stdout.decode())
    zdot = os.path.join(tmp, "zdot")
    os.makedirs(zdot)
    with open(os.path.join(zdot, ".zshrc"), "w") as f:
        f.write(f"fpath=({fdir} $fpath)\nautoload -U compinit\n"
                "compinit -u -D\nPS1='$ '\nunsetopt beep listambiguous\n"
                "LISTPROMPT=''\nLISTMAX=0\n"
                "_kmark() { zle -I; print -r -- \"<<$BUFFER>>\" }\n"
                "zle -N _kmark\nbindkey '^T' _kmark\n")
    zenv = dict(env, ZDOTDIR=zdot)
    run_shell("zsh", ["zsh", "-i"], zenv, work, 1)


def fish_shell(tmp, env, work):
    if not shutil.which("fish"):
        print("SKIP  fish: not installed (tools/install-deps installs it)")
        return
    share = os.path.join(tmp, "share")
    vdir = os.path.join(share, "fish", "vendor_completions.d")
    os.makedirs(vdir)
    with open(os.path.join(vdir, "khora.fish"), "w") as f:
        f.write(subprocess.run([KHORA, "completion", "fish"], check=True,
                               stdout=subprocess.PIPE).stdout.decode())
    conf = os.path.join(env["XDG_CONFIG_HOME"], "fish")
    os.makedirs(conf, exist_ok=True)
    with open(os.path.join(conf, "config.fish"), "w") as f:
        f.write("set -g fish_greeting ''\n"
                "set -g fish_autosuggestion_enabled 0\n"
                "function fish_prompt; echo -n '$ '; end\n"
                "function fish_right_prompt; end\n"
                "bind \\ct 'echo; echo \"<<\"(commandline)\">>\"; "
                "commandline -f repaint'\n")
    fenv = dict(env, XDG_DATA_DIRS=f"{share}:/usr/share")
    run_shell("fish", ["fish", "-i"], fenv, work, 1)


def run_shell(label, argv, env, work, tabs_to_list):
    pane = Pane(label.replace("+", "-"), argv, env, work)
    try:
        sh = Shell(label, pane, tabs_to_list)
        try:
            sh.ready()
        except TimeoutError as e:
            check(f"{label} starts", False, str(e))
            return
        text = pane.screen()
        check(f"{label}: bash-completion present or absent as intended",
              "NO-BASH-COMPLETION" not in text and
              "HAS-BASH-COMPLETION" not in text, text[-500:])
        run_cases(sh)
    finally:
        pane.close()


def main():
    if not shutil.which("tmux"):
        print("SKIP  completion: tmux is not installed "
              "(tools/install-deps installs it)")
        TALLY.check("tmux is installed to drive the shells", False)
        return TALLY.close()
    tmp = tempfile.mkdtemp(prefix="khora-completion.")
    try:
        home = os.path.join(tmp, "home")
        os.makedirs(home)
        env = {
            "HOME": home, "TERM": "xterm", "LANG": "C.UTF-8",
            "PATH": f"{ROOT}:/usr/local/bin:/usr/bin:/bin",
            "XDG_CONFIG_HOME": os.path.join(home, ".config"),
            "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
            "COLUMNS": "160",
        }
        work = project(tmp)
        bash_shell(tmp, env, work, False)
        bash_shell(tmp, env, work, True)
        zsh_shell(tmp, env, work)
        fish_shell(tmp, env, work)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return TALLY.close()


if __name__ == "__main__":
    sys.exit(main())
