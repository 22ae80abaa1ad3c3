"""The batch engine on a dask.distributed cluster: the population partitioned by organisation.

``evaluate_on(client, pop, rules, catalogue, parts)`` cuts the population into ``parts`` ranges of
whole organisations (engine/batch/partition.py), sends each to the cluster with the rules, runs the
same ``compile_rules`` + ``evaluate`` there (the per-case fallback included), and adds up the parts'
summaries: the result is identical to ``Summary.of(evaluate(pop, ...))`` in one process (tested on a
local cluster of two workers). ``local_client(workers)`` starts such a local cluster; on a real
cluster, pass ``Client("tcp://scheduler:8786")`` (docs/analytics.md).
"""

from __future__ import annotations

from collections.abc import Callable

from biopolicy.domain.events import Catalogue
from biopolicy.engine.assess import assess
from biopolicy.engine.batch import compile_rules, evaluate
from biopolicy.engine.batch.partition import Summary, split
from biopolicy.engine.batch.population import Population
from biopolicy.rules.schema import RuleSet

__all__ = ["Summary", "evaluate_on", "evaluate_part", "local_client"]


def evaluate_part(first_org: int, part: Population, rules: RuleSet, catalogue: Catalogue) -> Summary:
    """One part, where it lands: the rules compiled there, evaluated, summed (no row arrays sent back)."""
    result = evaluate(part, compile_rules(rules, catalogue), lambda case: assess(case, rules, catalogue))
    return Summary.of(result, first_org)


def evaluate_on(
    client,
    pop: Population,
    rules: RuleSet,
    catalogue: Catalogue,
    parts: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Summary:
    """The population's summary, evaluated part by part on the cluster behind ``client``.

    ``parts``: how many ranges of organisations (default: twice the workers' threads, so a slow
    worker does not hold the others up). ``progress(done, total)`` is called as parts come back.
    """
    from distributed import as_completed

    if parts is None:
        parts = max(2, 2 * sum(client.nthreads().values()))
    pieces = split(pop, parts)
    rules_f, catalogue_f = client.scatter([rules, catalogue], broadcast=True)
    futures = [
        client.submit(evaluate_part, lo, part, rules_f, catalogue_f, pure=False) for lo, part in pieces
    ]
    order = {f.key: i for i, f in enumerate(futures)}
    summaries: list[Summary | None] = [None] * len(futures)
    for done, future in enumerate(as_completed(futures), start=1):
        summaries[order[future.key]] = future.result()
        if progress is not None:
            progress(done, len(futures))
    return Summary.merge([s for s in summaries if s is not None])


def local_client(workers: int = 2, processes: bool = True):
    """A dask.distributed client on a cluster of ``workers`` local workers (one thread each)."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=processes, dashboard_address=None
    )
    return Client(cluster)
