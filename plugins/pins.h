/* SPDX-License-Identifier: MIT */
/*
 * pins.h - the versions of tools and images that generated projects pin,
 * in one place, so that two plugins writing the same tool (ruff in CI
 * and in pre-commit, uv in CI and in the Dockerfiles) cannot drift.
 * Included by the built-in plugins only; not part of the SDK.  Bump
 * them together, and say in the commit which release each one is.
 */
#ifndef KHORA_PINS_H
#define KHORA_PINS_H

/* ruff, in CI (pip install ruff==) and pre-commit (ruff-pre-commit rev) */
#define PIN_RUFF "0.14.0"
/* uv: astral-sh/setup-uv's version input and the ghcr.io/astral-sh/uv image */
#define PIN_UV "0.9.2"
/* the newest Python the templates support: the top of the CI matrix */
#define PIN_PYTHON_NEWEST_MINOR 14
/* gitleaks, CLI image in CI and pre-commit hook (no licence needed) */
#define PIN_GITLEAKS "8.28.0"

/* the CI's other tools, installed with == so that a run is reproducible */
#define PIN_MYPY "1.18.2"
#define PIN_MKDOCS "1.6.1"
#define PIN_SPHINX "8.2.3"
#define PIN_PIP_AUDIT "2.9.0"
#define PIN_BANDIT "1.8.6"
/* pre-commit/pre-commit-hooks */
#define PIN_PRECOMMIT_HOOKS "6.0.0"

#endif
