"""Where an enterprise's request (诉求) goes: categories, the department of each, the time to answer,
the coordinating department (policies/_requests/routing.yaml; issue 12 §3).

The file is content: each category names its department and cites the clause it rests on, with an
interpretation note where the text does not name the department; the time to answer (working days)
and the coordinating department cite theirs. The loader checks the clauses exist and the excerpts are
in them; the service checks each department is a 责任单位 some clause names (services/requests.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from biopolicy.domain import Corpus
from biopolicy.domain.validation import describe
from biopolicy.rules.loader import RulesError, _check_cited, _read_yaml, _rel, default_policies_dir


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cited(_Strict):
    clauses: list[str] = Field(min_length=1)
    excerpt: str = Field(min_length=1)
    note: str | None = None


class Coordinator(Cited):
    department: str = Field(min_length=1)


class Category(Cited):
    code: str = Field(pattern=r"^[a-z_]+$")
    label: str = Field(min_length=1)
    department: str = Field(min_length=1)


class RoutingFile(_Strict):
    respond_within_working_days: int = Field(ge=1, le=60)
    respond_within: Cited
    coordinator: Coordinator
    categories: list[Category] = Field(min_length=1)


@dataclass(frozen=True)
class Routing:
    respond_days: int
    respond_within: Cited
    coordinator: Coordinator
    categories: dict[str, Category]  # by code, in file order
    version: str

    @property
    def departments(self) -> list[str]:
        """Every department a request may be routed to: the categories' and the coordinator's."""
        seen = dict.fromkeys([c.department for c in self.categories.values()] + [self.coordinator.department])
        return list(seen)

    def by_label(self, label: str) -> Category | None:
        return next((c for c in self.categories.values() if c.label == label), None)


def routing_path(policies_dir: Path | None = None) -> Path:
    return (policies_dir or default_policies_dir()) / "_requests" / "routing.yaml"


def load_routing(corpus: Corpus, policies_dir: Path | None = None) -> Routing:
    path = routing_path(policies_dir)
    raw = path.read_bytes()
    try:
        data = RoutingFile.model_validate(_read_yaml(path))
    except ValidationError as exc:
        raise RulesError([f"{_rel(path)}：{p}" for p in describe(exc)]) from None
    problems: list[str] = []
    problems += [f"respond_within：{p}" for p in _check_cited(*_cite(data.respond_within), corpus)]
    problems += [f"coordinator：{p}" for p in _check_cited(*_cite(data.coordinator), corpus)]
    seen: set[str] = set()
    for c in data.categories:
        if c.code in seen or c.label in {x.label for x in data.categories if x is not c and x.code in seen}:
            problems.append(f"categories：{c.code}（{c.label}）重复")
        seen.add(c.code)
        problems += [f"categories.{c.code}：{p}" for p in _check_cited(*_cite(c), corpus)]
    if problems:
        raise RulesError([f"{_rel(path)}：{p}" for p in problems])
    return Routing(
        respond_days=data.respond_within_working_days,
        respond_within=data.respond_within,
        coordinator=data.coordinator,
        categories={c.code: c for c in data.categories},
        version=hashlib.sha256(raw).hexdigest()[:12],
    )


def _cite(c: Cited) -> tuple[list[str], list[str]]:
    return list(c.clauses), [c.excerpt]
