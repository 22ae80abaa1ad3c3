"""A command loads what it needs and nothing else: assessing a case never segments Chinese text,
so it neither imports jieba nor builds the search index."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CASE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "xm-centre-national-top-up.case.json"

PROBE = """
import sys
from biopolicy.cli import cli
try:
    cli(["assess", sys.argv[1], "--json"], prog_name="biopolicy")
except SystemExit as exc:
    assert exc.code in (0, None), exc.code
from biopolicy.services.library import get_library
assert not get_library().search_ready, "the search index was built"
assert "jieba" not in sys.modules, "jieba was imported"
print("PROBE-OK", file=sys.stderr)
"""


def test_assess_neither_imports_jieba_nor_builds_the_search_index():
    run = subprocess.run(
        [sys.executable, "-c", PROBE, str(CASE)], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert "PROBE-OK" in run.stderr
    assert '"entitlements"' in run.stdout
