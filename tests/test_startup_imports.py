"""The web app starts without what only a simulation needs: numpy and the batch engine are imported
when a simulation runs, not when the app is imported (issue 8: first answer ≤ 2 s after start)."""

from __future__ import annotations

import json
import subprocess
import sys

LAZY = ("numpy", "biopolicy.engine.batch")

PROBE = """
import json, sys
import biopolicy.web.app
print(json.dumps(sorted(sys.modules)))
"""


def modules_after(statement: str) -> set[str]:
    run = subprocess.run([sys.executable, "-c", statement], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return set(json.loads(run.stdout.splitlines()[-1]))


def loaded(modules: set[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


def test_importing_the_web_app_loads_neither_numpy_nor_the_batch_engine():
    modules = modules_after(PROBE)
    # the simulation's routes and page are part of the app: their service module is imported
    assert "biopolicy.services.simulate" in modules
    assert "biopolicy.services.population_file" in modules
    assert [name for name in LAZY if loaded(modules, name)] == []


def test_running_a_simulation_still_loads_them():
    """The other side: the probe above can see these modules when they are imported."""
    modules = modules_after(
        PROBE.replace(
            "import biopolicy.web.app",
            "import biopolicy.web.app\nfrom biopolicy.services import simulate\nsimulate._yuan(1)",
        )
    )
    assert [name for name in LAZY if loaded(modules, name)] == list(LAZY)
