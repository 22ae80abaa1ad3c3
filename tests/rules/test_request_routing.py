"""routing.yaml is checked like a rule: clauses exist, excerpts are in them, departments are named by a clause."""

from __future__ import annotations

import shutil

import pytest

from biopolicy.rules.loader import RulesError
from biopolicy.rules.request_routing import load_routing, routing_path
from biopolicy.services.library import get_library
from biopolicy.services.requests import check_departments


def _copy(tmp_path, change):
    target = tmp_path / "_requests" / "routing.yaml"
    target.parent.mkdir(parents=True)
    shutil.copyfile(routing_path(), target)
    target.write_text(change(target.read_text(encoding="utf-8")), encoding="utf-8")
    return tmp_path


def test_the_shipped_routing_loads_and_names_real_departments():
    corpus = get_library().corpus
    routing = check_departments(load_routing(corpus), corpus)
    assert routing.categories["customs"].department == "厦门海关"
    assert routing.by_label("挂网").department == "市医保局"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda t: t.replace("clauses: [xm-2025-1/m17]", "clauses: [xm-2025-1/m99]"), "xm-2025-1/m99”不存在"),
        (
            lambda t: t.replace("excerpt: 推动生物医药特殊物品通关便利化", "excerpt: 通关一律三日办结"),
            "不在所引条款",
        ),
        (
            lambda t: t.replace("respond_within_working_days: 5", "respond_within_working_days: 0"),
            "respond_within",
        ),
    ],
)
def test_a_wrong_clause_excerpt_or_limit_is_refused(tmp_path, change, words):
    with pytest.raises(RulesError) as exc:
        load_routing(get_library().corpus, _copy(tmp_path, change))
    assert any(words in p for p in exc.value.problems), exc.value.problems


def test_a_department_no_clause_names_is_refused(tmp_path):
    corpus = get_library().corpus
    routing = load_routing(
        corpus, _copy(tmp_path, lambda t: t.replace("department: 厦门海关", "department: 市宇宙局"))
    )
    with pytest.raises(RulesError, match="市宇宙局"):
        check_departments(routing, corpus)
