"""The calculator as a use case: which measures exist, and what a case is entitled to and why.

One ``Calculator`` per process (``get_calculator()``) holds the rules validated against the corpus;
the CLI, the API and the test runner all assess through it.
"""

from __future__ import annotations

from datetime import date
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from biopolicy.domain import Corpus
from biopolicy.domain.assessment import Assessment
from biopolicy.domain.case import Case, CaseError
from biopolicy.domain.events import Catalogue
from biopolicy.domain.validation import Problem, problems_of
from biopolicy.engine.assess import assess
from biopolicy.rules.loader import RulesError, load_catalogue, load_rules
from biopolicy.rules.schema import Measure, RuleSet
from biopolicy.services.library import NotFound
from biopolicy.services.wording import Names, names_for, word_assessment

__all__ = ["Calculator", "RulesError", "get_calculator", "parse_case"]


class Calculator:
    def __init__(self, corpus: Corpus, rules: RuleSet, catalogue: Catalogue) -> None:
        self.corpus = corpus
        self.rules = rules
        self.catalogue = catalogue

    @classmethod
    def load(cls, corpus: Corpus, policies_dir: Path | None = None) -> Calculator:
        """A document whose rules fail is skipped (``rules.skipped`` says why); the others work."""
        if policies_dir is None:
            from biopolicy.settings import get_settings

            policies_dir = get_settings().policies
        catalogue = load_catalogue(policies_dir)
        return cls(corpus, load_rules(corpus, catalogue, policies_dir, strict=False), catalogue)

    @property
    def skipped(self) -> dict[str, list[str]]:
        """Documents whose measures failed to load, by id: their problems, naming file and measure."""
        return self.rules.skipped

    def measures(self, doc_id: str | None = None) -> list[Measure]:
        if doc_id is not None and doc_id not in self.corpus.documents:
            raise NotFound(doc_id)
        return [m for m in self.rules.measures.values() if doc_id is None or m.doc_id == doc_id]

    def measure(self, measure_id: str) -> Measure:
        m = self.rules.measures.get(measure_id)
        if m is None:
            raise NotFound(measure_id)
        return m

    def measures_citing(self, clause_id: str) -> list[Measure]:
        """Measures that implement a clause or one of its paragraphs."""
        return [
            m
            for m in self.rules.measures.values()
            if any(c == clause_id or c.startswith(clause_id + "/") for c in m.clauses)
        ]

    def assess(self, case: Case | dict[str, Any], as_of: date | None = None) -> Assessment:
        """Raises CaseError naming every field that is wrong. Every step is worded (services/wording.py)."""
        return word_assessment(assess(parse_case(case), self.rules, self.catalogue, as_of), self.names)

    @cached_property
    def names(self) -> Names:
        """How measures, documents and clauses are named to users."""
        return names_for(self.rules, self.corpus)


def parse_case(data: Case | dict[str, Any]) -> Case:
    if isinstance(data, Case):
        return data
    if not isinstance(data, dict):
        raise CaseError([Problem((), "案例应为一个 JSON 对象")])
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        raise CaseError(problems_of(exc)) from None


@cache
def get_calculator() -> Calculator:
    from biopolicy.services.library import get_library

    return Calculator.load(get_library().corpus)
