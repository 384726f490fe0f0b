/* SPDX-License-Identifier: MIT */
/*
 * pins.h - the versions of tools and images that generated projects pin,
 * in one place, so that two plugins writing the same tool (ruff in CI
 * and in pre-commit, uv in CI and in the Dockerfiles) cannot drift.
 * Included by the built-in plugins only; not part of the SDK.  Bump
 * them together, and say in the commit which release each one is.
 *
 * Checked against the projects' own release tags (GitHub) and the
 * official images' library files (docker-library/official-images) as of
 * 2026-08-21; the actions and images the templates name are in
 * templates/ (ci_github_actions, terraform, playwright, docker).
 */
#ifndef KHORA_PINS_H
#define KHORA_PINS_H

/* ruff, in CI (pip install ruff==) and pre-commit (ruff-pre-commit rev) */
#define PIN_RUFF "0.16.4"
/* uv: astral-sh/setup-uv's version input and the ghcr.io/astral-sh/uv image */
#define PIN_UV "0.12.5"
/* the newest Python the templates support: the top of the CI matrix */
#define PIN_PYTHON_NEWEST_MINOR 14
/* gitleaks, CLI image in CI and pre-commit hook (no licence needed) */
#define PIN_GITLEAKS "8.30.1"

/*
 * the CI's other tools, installed with == so that a run is reproducible.
 * mypy, pip-audit and bandit run on the project's own Python: their
 * newest releases need 3.10 (mypy 2 also type-checks 3.10 and newer
 * only), so a 3.9 or 3.8 project gets the last release that supports it.
 */
#define PIN_MYPY "2.3.1"
#define PIN_MYPY_PY39 "1.20.2"
#define PIN_MYPY_PY38 "1.14.1"
#define PIN_MKDOCS "1.6.1"
#define PIN_SPHINX "8.2.3"
#define PIN_PIP_AUDIT "2.10.1"
#define PIN_PIP_AUDIT_PY39 "2.9.0"
#define PIN_PIP_AUDIT_PY38 "2.7.3"
/* also pre-commit's hook, which runs on the system's newest Python */
#define PIN_BANDIT "1.9.4"
#define PIN_BANDIT_PY39 "1.8.6"
#define PIN_BANDIT_PY38 "1.7.10"
/* pre-commit/pre-commit-hooks */
#define PIN_PRECOMMIT_HOOKS "6.0.0"

#endif
