"""Catalogue definitions: the lists the documents publish, as content (``policies/_catalogues/*.yaml``).

One file per list: its code (stable: stored versions refer to it), Chinese name, issuer, the clause
that creates it with an excerpt of its text, and what its entries are (``products``: products of the
platform, an entry must name one; ``names``: medicinal materials, formulas, goods, written as the list
writes them). Versions and their entries are data (the database, services/catalogues.py), not content.

A list whose new version opens a duty is also in ``policies/_catalogue/catalogues.yaml`` (the codes the
obligation rules' ``trigger.catalogues`` name, rules/obligations.py); the loader checks that each of
those has a definition here under the same code.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from biopolicy.domain import Corpus
from biopolicy.domain.validation import describe
from biopolicy.rules.loader import RulesError, _check_cited, _read_yaml, _rel, default_policies_dir
from biopolicy.rules.obligations import load_catalogue_lists
from biopolicy.rules.schema import Note

FOLDER = "_catalogues"


class EntryKind(StrEnum):
    products = "products"
    names = "names"


ENTRY_KIND_LABELS = {EntryKind.products: "产品", EntryKind.names: "名称"}


class CatalogueDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(min_length=1, max_length=60, pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: str = Field(min_length=1)
    issuer: str | None = None
    clauses: list[str] = Field(min_length=1)
    excerpt: str = Field(min_length=1)
    entries: EntryKind
    notes: list[Note] = Field(default_factory=list)


class CatalogueDefinitions(dict[str, CatalogueDefinition]):
    version: str = ""


def load_catalogue_definitions(corpus: Corpus, policies_dir: Path | None = None) -> CatalogueDefinitions:
    """Every ``policies/_catalogues/*.yaml``, checked against the corpus and the trigger lists."""
    root = policies_dir or default_policies_dir()
    folder = root / FOLDER
    paths = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    digest = hashlib.sha256()
    out = CatalogueDefinitions()
    problems: list[str] = []
    for path in paths:
        digest.update(path.read_bytes())
        try:
            d = CatalogueDefinition.model_validate(_read_yaml(path))
        except RulesError as exc:
            problems += exc.problems
            continue
        except ValidationError as exc:
            problems += [f"{_rel(path)}：{p}" for p in describe(exc)]
            continue
        if d.code != path.stem:
            problems.append(f"{_rel(path)}：code 应为文件名“{path.stem}”，收到“{d.code}”")
        problems += [f"{_rel(path)}：{p}" for p in _check_cited(d.clauses, [d.excerpt], corpus)]
        for note in d.notes:
            problems += [f"{_rel(path)}：notes：{p}" for p in _check_cited(note.clauses, [], corpus)]
        out[d.code] = d
    for code, listed in load_catalogue_lists(root).items():
        if code not in out:
            problems.append(
                f"policies/_catalogue/catalogues.yaml：目录“{code}”（{listed.label}）在 policies/{FOLDER}/ 中没有定义"
            )
    if problems:
        raise RulesError(problems)
    out.version = digest.hexdigest()[:12]
    return out
