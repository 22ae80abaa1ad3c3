"""Imports run one way: domain ← corpus, rules ← engine ← services ← web, cli; storage is used by
services only; the domain and the engine are pure. The contracts are in pyproject.toml
([tool.importlinter]); this runs `lint-imports` on them so that `make test` enforces them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def lint_imports() -> str:
    beside = Path(sys.executable).parent / "lint-imports"
    found = str(beside) if beside.exists() else shutil.which("lint-imports")
    if found is None:
        pytest.fail("lint-imports 未安装：请运行 make venv（import-linter 是开发依赖）")
    return found


def test_import_contracts_hold():
    run = subprocess.run(
        [lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout
