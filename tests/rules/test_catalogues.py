"""Catalogue definitions (policies/_catalogues): each cites the clause that creates it, and every list a
duty's trigger names is defined."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from biopolicy.rules.catalogues import EntryKind, load_catalogue_definitions
from biopolicy.rules.loader import RulesError

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def test_the_seeded_catalogues_load_with_their_clauses(real_library):
    defs = load_catalogue_definitions(real_library.corpus)
    assert set(defs) == {
        "xm-new-products", "xm-innovative-products", "fj-daodi-herbs", "fj-minyi-formulas",
        "xm-special-goods-whitelist", "fj-rd-import-whitelist", "national-insurance-drugs",
    }  # fmt: skip
    assert defs["xm-new-products"].clauses == ["xm-2025-1/m13"]
    assert defs["xm-innovative-products"].clauses == ["xm-2023/m13"]
    assert defs["fj-daodi-herbs"].entries is EntryKind.names
    assert defs["xm-new-products"].entries is EntryKind.products


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "policies"
    for sub in ("_catalogue", "_catalogues"):
        shutil.copytree(POLICIES / sub, root / sub)
    return root


def test_an_excerpt_not_in_the_clause_and_a_trigger_list_without_definition_are_refused(
    real_library, tmp_path
):
    root = _copy(tmp_path)
    path = root / "_catalogues" / "fj-daodi-herbs.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("制定福建省道地药材品种目录", "制定道地药材白名单"),
                    encoding="utf-8")  # fmt: skip
    (root / "_catalogues" / "xm-new-products.yaml").unlink()
    with pytest.raises(RulesError) as exc:
        load_catalogue_definitions(real_library.corpus, root)
    problems = "\n".join(exc.value.problems)
    assert "摘录“制定道地药材白名单”不在所引条款 fj-yj-2025-30/m2 的原文中" in problems
    assert "目录“xm-new-products”（厦门市新优药械产品目录）在 policies/_catalogues/ 中没有定义" in problems
