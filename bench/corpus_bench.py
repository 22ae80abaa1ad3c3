"""Corpus benchmark: load and parse every policy document, build the search index, run queries.

Run from the repository root:  .venv/bin/python bench/corpus_bench.py [--reps N] [--cold N]

- cold load: a fresh Python process imports the loader and calls load_corpus() once (median of
  --cold processes); the import of the package is timed apart from the load itself;
- warm load: load_corpus() called again in this process, repeated;
- jieba start-up: jieba.initialize() the first time (what SearchIndex pays once per process);
- index build: SearchIndex(corpus.all_clauses()) with jieba already initialised;
- search: every query of QUERIES --reps times over the whole corpus, p50/p99 per call.

Not a test: numbers depend on the machine. Results are recorded in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

QUERIES = [
    "伦理",
    "挂网",
    "临床试验",
    "临床试验 奖励",
    "临床试验奖励",
    "一致性评价",
    "接待日",
    "工作日",
    "临床医学研究中心",
    "原料药",
    "创新药",
    "医疗器械注册证",
    "首仿药",
    "研发投入",
    "医保目录",
    "集中带量采购",
    "CAR-T",
    "GMP",
    "人才",
    "融资",
    "上市许可持有人",
    "药",
    "奖励 最高 万元",
    "三级公立医院",
    "合同研究组织",
    "中药",
    "数据共享",
    "海外",
    "生物医药产业",
    "不重复享受",
]

COLD_SCRIPT = """
import json, time
t0 = time.perf_counter()
from biopolicy.corpus.loader import load_corpus
t1 = time.perf_counter()
corpus = load_corpus()
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "clauses": len(corpus.all_clauses())}))
"""


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(fn: Callable[[], object], reps: int) -> list[float]:
    samples = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return samples


def cold_loads(n: int) -> list[dict[str, float]]:
    """load_corpus() in n fresh processes, so nothing is cached in memory."""
    runs = []
    for _ in range(n):
        out = subprocess.run([sys.executable, "-c", COLD_SCRIPT], capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return runs


def copies(clauses: list, n: int) -> list:
    """The corpus n times over under new ids: the brief plans for ~600 clauses, the five
    documents parse to fewer, so search is also timed on a corpus of that size."""
    out = list(clauses)
    for k in range(1, n):
        for c in clauses:
            parent = f"{c.parent_id}~{k}" if c.parent_id else None
            out.append(
                c.model_copy(update={"id": f"{c.id}~{k}", "doc_id": f"{c.doc_id}~{k}", "parent_id": parent})
            )
    return out


def run_queries(index, reps: int) -> tuple[list[float], str, float]:
    """Every query reps times; all per-call samples, and the query with the worst median."""
    per_call: list[float] = []
    worst_query, worst_p50 = "", 0.0
    for query in QUERIES:
        index.search(query)  # warm-up call, not timed
        samples = timed(lambda q=query: index.search(q), reps)
        per_call.extend(samples)
        if statistics.median(samples) > worst_p50:
            worst_query, worst_p50 = query, statistics.median(samples)
    return per_call, worst_query, worst_p50


def row(name: str, samples_s: list[float], note: str = "") -> str:
    ms = [s * 1000 for s in samples_s]
    p50, p99 = statistics.median(ms), percentile(ms, 0.99)
    return f"| {name:<28} | {len(ms):>6} | {p50:>10.3f} | {p99:>10.3f} | {note}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=300, help="repetitions of each query")
    parser.add_argument("--cold", type=int, default=5, help="fresh processes for the cold load")
    parser.add_argument("--warm", type=int, default=20, help="repeated in-process loads")
    args = parser.parse_args()

    cold = cold_loads(args.cold)

    import jieba

    from biopolicy.corpus import loader
    from biopolicy.corpus.search import SearchIndex

    load_corpus = loader.load_corpus

    t = time.perf_counter()
    jieba.setLogLevel(60)
    jieba.initialize()
    jieba_init = time.perf_counter() - t

    warm = timed(load_corpus, args.warm)
    corpus = load_corpus()
    clauses = corpus.all_clauses()
    builds = timed(lambda: SearchIndex(clauses), 5)
    index = SearchIndex(clauses)

    per_call, worst_query, worst_p50 = run_queries(index, args.reps)
    tripled = SearchIndex(copies(clauses, 3))
    per_call3, worst_query3, worst_p50_3 = run_queries(tripled, max(1, args.reps // 3))

    print(
        f"machine: {platform.machine()}, nproc {os.cpu_count()}, Python {platform.python_version()}, "
        f"{len(corpus.documents)} documents, {len(clauses)} clauses, "
        f"{sum(len(c.text) for c in clauses)} characters of clause text"
    )
    print(f"| {'step':<28} | {'runs':>6} | {'p50 ms':>10} | {'p99 ms':>10} | note")
    print(f"|{'-' * 30}|{'-' * 8}|{'-' * 12}|{'-' * 12}|------")
    print(row("cold: import package", [r["import"] for r in cold], "fresh process"))
    print(row("cold: load_corpus()", [r["load"] for r in cold], "fresh process, after import"))
    print(row("warm: load_corpus()", warm, "same process, repeated"))
    print(row("jieba.initialize()", [jieba_init], "once per process"))
    print(row("SearchIndex build", builds, "jieba already initialised"))
    print(row("search, all queries", per_call, f"{len(QUERIES)} queries x {args.reps}"))
    print(
        row(
            f"search, corpus x3 ({len(tripled)})",
            per_call3,
            f"{len(QUERIES)} queries x {max(1, args.reps // 3)}",
        )
    )
    print(
        f"slowest query by p50: {worst_query!r} {worst_p50 * 1000:.3f} ms; corpus x3: {worst_query3!r} {worst_p50_3 * 1000:.3f} ms"
    )


if __name__ == "__main__":
    main()
