"""OpenFisca's side of bench/batch_bench.py, run with OpenFisca's own python in a subprocess.

OpenFisca is AGPL: it is not a dependency of this project. This script is only ever run with the
interpreter of a separate virtual environment (``python3 -m venv /work/.ofvenv &&
/work/.ofvenv/bin/pip install openfisca-core==46.0.1``), with the comparator system of
../shared/bench/openfisca on its path. It reads the columns the bench wrote (.npz), builds the
simulation the way that system's README recommends (declare_person_entity + join_with_persons),
calculates ``enterprise_reward`` once, and prints the times and the sum as JSON.

Usage: python openfisca_runner.py SYSTEM_DIR COLUMNS.npz
"""

import json
import sys
import time

import numpy as np

sys.path.insert(0, sys.argv[1])
from openfisca_core.simulation_builder import SimulationBuilder  # noqa: E402
from subsidy_of import CountryTaxBenefitSystem  # noqa: E402

data = np.load(sys.argv[2])
rd_yuan = data["rd_fen"] / 100
ent_of_proj = data["ent"]
n_proj, n_ent = len(rd_yuan), int(ent_of_proj.max()) + 1
tbs = CountryTaxBenefitSystem()
t0, c0 = time.perf_counter(), time.process_time()
proj_ids = [f"p{i}" for i in range(n_proj)]
ent_ids = [f"e{i}" for i in range(n_ent)]
ent_assign = np.array(ent_ids)[ent_of_proj]
b = SimulationBuilder()
b.create_entities(tbs)
b.declare_person_entity("project", proj_ids)
ent = b.declare_entity("enterprise", ent_ids)
b.join_with_persons(ent, ent_assign, ["project"] * n_proj)
sim = b.build(tbs)
sim.set_input("rd_investment", "2024", rd_yuan)
t1, c1 = time.perf_counter(), time.process_time()
out = sim.calculate("enterprise_reward", "2024")
t2, c2 = time.perf_counter(), time.process_time()
print(
    json.dumps(
        {
            "build": t1 - t0,
            "calculate": t2 - t1,
            "build_cpu": c1 - c0,
            "calculate_cpu": c2 - c1,
            "total": float(np.sum(out)),
            "per_ent": out.tolist()[:50],
        }
    )
)
