"""The batch engine against hand-written numpy and OpenFisca, and the full rule set over 1M events.

Run: .venv/bin/python bench/batch_bench.py [--sizes 100000 1000000] [--rounds 5] [--events 1000000]

1. One rule, three ways, interleaved round by round (this machine is shared: compare ratios):
   "award = min(40% × R&D, cap per phase), summed per enterprise and capped per enterprise",
   N projects, N/10 enterprises, R&D lognormal (median about 9M yuan) in fen, 2024 figures of
   ../shared/bench/openfisca (40%, 1000万元 per phase, 1亿元 per enterprise and year).
   - numpy: hand-written, exact (micro-yuan, sums below 2^53): minimum, bincount, minimum;
   - batch: the batch engine end to end from the same columns: a Population (sorting events by
     enterprise), the one-measure rule set compiled, evaluate, per-enterprise totals;
   - OpenFisca: the comparator system, end to end (building the simulation from the columns plus
     calculating), in a subprocess with OpenFisca's own python (AGPL: kept out of this project),
     when /work/.ofvenv/bin/python (or $OPENFISCA_PYTHON) exists.
   All three must agree (exactly for numpy and batch; OpenFisca in floats, to 1e-6 relative).
2. A reform's cost on the calibrated province (each reform of policies/_reforms; seed 0, 2024-2027):
   generating the population, the baseline and the reform evaluated, cost by measure and year.
3. The full rule set (every measure of policies/) over a synthetic population of about 1M events
   (engine/batch/synth.py, seed 1): time to generate, to evaluate (fallback included) and to add up
   totals, peak memory (ru_maxrss), and how many organisations and rows took the per-case fallback.
Results go to bench/README.md by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np

from biopolicy.engine.assess import assess
from biopolicy.engine.batch import Population, compile_rules, evaluate
from biopolicy.engine.batch.groups import constant, indices, order_by
from biopolicy.engine.batch.population import Column, Vocab
from biopolicy.engine.batch.synth import generate
from biopolicy.rules.reforms import apply, load_reform
from biopolicy.rules.schema import Cap, Measure, RuleSet
from biopolicy.services.calculator import get_calculator

OPENFISCA_SYSTEM = Path(os.environ.get("OPENFISCA_SYSTEM", "/work/shared/bench/openfisca"))
OPENFISCA_PYTHON = Path(os.environ.get("OPENFISCA_PYTHON", "/work/.ofvenv/bin/python"))
RUNNER = Path(__file__).with_name("openfisca_runner.py")
RATE_E4, CAP_PHASE, CAP_ENT = 4000, 10_000_000, 100_000_000  # 40%; yuan
MICRO = 1_000_000


def one_rule() -> RuleSet:
    measure = Measure.model_validate(
        {
            "id": "bench/rd",
            "title": "研发投入奖励",
            "clauses": ["bench/1"],
            "excerpt": "按研发投入的40%给予奖励，每个阶段最高1000万元",
            "applicant": {"kinds": ["enterprise"], "places": ["福建省"]},
            "event": "clinical_stage_completed",
            "amount": {
                "kind": "at_most",
                "rate": "40%",
                "base": "event.rd_investment",
                "cap": str(CAP_PHASE),
            },
        }
    )
    measure.doc_id = "bench"
    cap = Cap.model_validate(
        {
            "id": "bench/enterprise",
            "label": "单个企业每年最高1亿元",
            "scope": "applicant_year",
            "amount": str(CAP_ENT),
            "measures": ["bench/rd"],
            "clauses": ["bench/1"],
            "excerpt": "单个企业每年最高1亿元",
        }
    )
    return RuleSet(measures={"bench/rd": measure}, caps=[cap], overlaps=[], windows={}, version="bench")


def columns(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    rd_fen = np.round(rng.lognormal(mean=16, sigma=1.5, size=n) * 100).astype(np.int64)
    ent = rng.integers(0, n // 10, size=n)
    ent[: n // 10] = np.arange(n // 10)  # every enterprise has at least one project
    # projects listed enterprise by enterprise, as a database query or a population file gives them;
    # all three get the same columns (numpy's bincount and OpenFisca do not need the order)
    return rd_fen, np.sort(ent)


def run_numpy(rd_fen: np.ndarray, ent: np.ndarray) -> np.ndarray:
    per = np.minimum(rd_fen * RATE_E4, CAP_PHASE * MICRO)  # micro-yuan
    total = np.bincount(ent, weights=per)  # exact: every sum is below 2^53
    return np.minimum(total, CAP_ENT * MICRO).astype(np.int64)


def run_batch(rd_fen: np.ndarray, ent: np.ndarray, rules: RuleSet, catalogue, rows: bool = False):
    """Per-enterprise totals; with ``rows``, (totals, each project's figure after the enterprise ceiling):
    the engine makes the rows' figures when they are first read, so the second is the cost of reading them.
    """
    vocab = Vocab()
    sorted_ = bool((ent[1:] >= ent[:-1]).all())  # events must be in enterprise order: sort if not
    n_ent = int(ent[-1] if sorted_ else ent.max()) + 1
    order = slice(None) if sorted_ else order_by(ent)
    day = date(2024, 6, 30).toordinal()
    n = len(ent)
    pop = Population(
        vocab=vocab,
        as_of=date(2024, 12, 31),
        org_name=[""] * n_ent,
        org_kind=constant(vocab.code("enterprise"), n_ent, np.int32),
        org_province=constant(vocab.code("福建省"), n_ent, np.int32),
        org_city=constant(vocab.code("福州市"), n_ent, np.int32),
        org_district=constant(-1, n_ent, np.int32),
        product_org=np.zeros(0, np.int64),
        product_ids=[],
        product_type=np.zeros(0, np.int32),
        product_class=np.zeros(0, np.int32),
        event_org=ent[order] if not sorted_ else ent,
        event_ids=None,
        # one value for every project or enterprise: a read-only column of one value (no memory)
        event_type=constant(vocab.code("clinical_stage_completed"), n, np.int32),
        event_day=constant(day, n, np.int64),
        event_product=constant(-1, n, np.int64),
        event_subject_given=constant(-1, n, np.int64),
        event_subject=indices(n),  # each project is its own subject: row i, read only
        attributes={
            "rd_investment": Column("num", rd_fen[order] if not sorted_ else rd_fen, constant(True, n, bool))
        },
    )
    compiled = compile_rules(rules, catalogue)
    result = evaluate(pop, compiled)
    totals = result.max_obtainable_by_org()
    return (totals, result.value) if rows else totals


def run_openfisca(path: Path) -> dict | None:
    if not OPENFISCA_PYTHON.exists():
        return None
    t0 = time.perf_counter()
    out = subprocess.run(
        [str(OPENFISCA_PYTHON), str(RUNNER), str(OPENFISCA_SYSTEM), str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process"] = time.perf_counter() - t0
    return result


def med(xs: list[float]) -> float:
    return statistics.median(xs) * 1000


def _timed(fn, *args):
    """(result, wall seconds, CPU seconds of this process)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - t0, time.process_time() - c0


def one_rule_bench(sizes: list[int], rounds: int) -> None:
    calc = get_calculator()
    rules = one_rule()
    for n in sizes:
        rd_fen, ent = columns(n)
        times: dict[str, list[float]] = {
            k: []
            for k in (
                *("numpy", "batch", "rows", "openfisca"),
                *("numpy_cpu", "batch_cpu", "rows_cpu", "openfisca_cpu"),
            )
        }
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "columns.npz"
            np.savez(path, rd_fen=rd_fen, ent=ent)
            want = None
            for _ in range(rounds):
                got_np, wall, cpu = _timed(run_numpy, rd_fen, ent)
                times["numpy"].append(wall)
                times["numpy_cpu"].append(cpu)
                got_batch, wall, cpu = _timed(run_batch, rd_fen, ent, rules, calc.catalogue)
                times["batch"].append(wall)
                times["batch_cpu"].append(cpu)
                assert np.array_equal(got_np, got_batch), "batch and numpy disagree"
                (got_rows, figures), wall, cpu = _timed(run_batch, rd_fen, ent, rules, calc.catalogue, True)
                times["rows"].append(wall)
                times["rows_cpu"].append(cpu)
                assert np.array_equal(got_rows, got_np), "batch (rows read) and numpy disagree"
                # each project's figure after the ceiling adds up to its enterprise's total
                assert np.array_equal(np.bincount(ent, weights=figures).astype(np.int64), got_np)
                of = run_openfisca(path)
                if of is not None:
                    times["openfisca"].append(of["build"] + of["calculate"])
                    times["openfisca_cpu"].append(of["build_cpu"] + of["calculate_cpu"])
                    want = of["total"]
            if want is not None:
                total = float(Decimal(int(got_batch.sum())) / MICRO)
                assert abs(want - total) <= 1e-6 * total, ("OpenFisca disagrees", want, total)
        line = f"N={n:>9,} projects, {n // 10:,} enterprises, {rounds} rounds, median ms (wall / CPU): "
        line += f"numpy {med(times['numpy']):.2f} / {med(times['numpy_cpu']):.2f}"
        line += f"  batch {med(times['batch']):.2f} / {med(times['batch_cpu']):.2f}"
        line += f"  batch/numpy {med(times['batch']) / med(times['numpy']):.2f}x"
        line += f" / {med(times['batch_cpu']) / max(med(times['numpy_cpu']), 1e-9):.2f}x"
        line += f"  batch+rows {med(times['rows']):.2f} / {med(times['rows_cpu']):.2f}"
        line += f" ({med(times['rows_cpu']) / max(med(times['numpy_cpu']), 1e-9):.2f}x numpy CPU)"
        if times["openfisca"]:
            line += (
                f"  OpenFisca {med(times['openfisca']):.2f} / {med(times['openfisca_cpu']):.2f}"
                f"  OpenFisca/batch {med(times['openfisca']) / med(times['batch']):.2f}x"
                f" / {med(times['openfisca_cpu']) / med(times['batch_cpu']):.2f}x"
            )
        else:
            line += "  OpenFisca: not installed (see the docstring)"
        print(line, flush=True)


def full_rule_set(events: int, seed: int) -> None:
    calc = get_calculator()
    t0 = time.perf_counter()
    compiled = compile_rules(calc.rules, calc.catalogue)
    t1 = time.perf_counter()
    c1 = time.process_time()
    per_unit = generate(calc.rules, calc.catalogue, seed=seed).population.n_events
    synthetic = generate(calc.rules, calc.catalogue, seed=seed, scale=events / per_unit)
    pop = synthetic.population
    t2, c2 = time.perf_counter(), time.process_time()

    def per_case(case):
        return assess(case, calc.rules, calc.catalogue)

    result = evaluate(pop, compiled, per_case)
    t3 = time.perf_counter()
    cost = result.by_measure_year()
    by_org = result.max_obtainable_by_org()
    t4, c4 = time.perf_counter(), time.process_time()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"full rule set: {len(calc.rules.measures)} measures, {pop.n_orgs:,} firms, {pop.n_events:,} events,"
        f" {len(result.event):,} (event, measure) rows"
    )
    print(
        f"  compile {1000 * (t1 - t0):.0f} ms, generate {t2 - t1:.2f} s, evaluate {t3 - t2:.2f} s"
        f" ({result.rounds} rounds), totals {1000 * (t4 - t3):.0f} ms; evaluate+totals {t4 - t2:.2f} s"
        f" (CPU {c4 - c2:.2f} s; generation CPU {c2 - c1:.2f} s); peak memory {peak:,.0f} MB"
    )
    print(
        f"  per-case fallback: {int(result.fallback.sum()):,} organisations, {result.fallback_rows:,} rows"
        f" ({100 * result.fallback_rows / max(len(result.event), 1):.2f}%); why: {result.reasons}"
    )
    total = sum(v[1] for v in cost.values()) / MICRO
    print(
        f"  most obtainable, all measures and years: {total / 1e8:,.2f} 亿元; firms with any: {(by_org > 0).sum():,}"
    )


def reform_cost() -> None:
    """Each reform of policies/_reforms on the calibrated province (seed 0, 2024-2027): generate the
    population, evaluate the baseline and the reformed rules (each compiled), cost by measure and year."""
    calc = get_calculator()
    rules, catalogue = calc.rules, calc.catalogue
    for path in sorted((Path(__file__).resolve().parents[1] / "policies" / "_reforms").glob("*.yaml")):
        walls, cpus = [], []
        for _ in range(5):
            t0, c0 = time.perf_counter(), time.process_time()
            reform = load_reform(path, rules)
            pop = generate(rules, catalogue, seed=0, years=(2024, 2027)).population
            for r in (rules, apply(reform, rules)):
                result = evaluate(
                    pop, compile_rules(r, catalogue), lambda case, r=r: assess(case, r, catalogue)
                )
                result.by_measure_year()
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        print(
            f"reform {path.stem}: {pop.n_orgs} firms, {pop.n_events:,} events; generate + baseline + reform,"
            f" median of 5: wall {statistics.median(walls):.3f} s, CPU {statistics.median(cpus):.3f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-one-rule", action="store_true")
    parser.add_argument("--skip-full", action="store_true")
    parser.add_argument("--skip-reform", action="store_true")
    args = parser.parse_args()
    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}"
    )
    if not args.skip_one_rule:
        one_rule_bench(args.sizes, args.rounds)
    if not args.skip_reform:
        reform_cost()
    if not args.skip_full:
        full_rule_set(args.events, args.seed)


if __name__ == "__main__":
    main()
