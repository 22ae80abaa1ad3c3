"""Search understands the same thing written differently (policies/_catalogue/synonyms.yaml),
over the real policies: each pair of ways of writing finds the same clauses, and the department
list covers every department the corpus names as 责任单位."""

from __future__ import annotations

import re

import pytest

from biopolicy.corpus.loader import default_policies_dir
from biopolicy.corpus.search import normalise
from biopolicy.corpus.synonyms import Synonyms, load_synonyms


@pytest.fixture(scope="module")
def table() -> Synonyms:
    synonyms, errors = load_synonyms(default_policies_dir())
    assert errors == []
    return synonyms


def found(library, query: str) -> list[str]:
    return [h.clause_id for h in library.search(query, limit=100)]


@pytest.mark.parametrize(
    ("written", "clause"),
    [
        # fj-2023-7 9 says 完成Ⅰ、Ⅱ、Ⅲ期临床试验
        (["三期", "Ⅲ期", "III期", "3期"], "fj-2023-7/m9/p1"),
        (["一期", "Ⅰ期", "I期", "1期"], "fj-2023-7/m9/p1"),
        (["二期", "Ⅱ期", "II期"], "fj-2023-7/m9/p1"),
        # xm-2023 (二) says 1类创新药 and 2类、3类化学药
        (["一类", "1类", "Ⅰ类"], "xm-2023/m2/p1"),
        (["二类", "2类", "Ⅱ类"], "xm-2023/m2/p1"),
        # fj-yj-2025-30 (十二) says 药械临床试验机构; xm-2023 (十五) says 临床试验机构资格认定
        (["GCP", "药物临床试验机构", "gcp"], "fj-yj-2025-30/m12"),
        (["GCP", "药物临床试验机构"], "xm-2023/m15/p1"),
        # 责任单位：省药监局 (fj-yj-2025-30 and fj-2023-7)
        (["省药监局", "福建省药品监督管理局", "福建省药监局"], "fj-yj-2025-30/m14"),
        # xm-2023: 责任单位：市科技局
        (["市科技局", "厦门市科学技术局", "厦门市科技局"], "xm-2023/m1"),
        (["省工信厅", "福建省工业和信息化厅"], "fj-2023-7/m9"),
    ],
)
def test_each_way_of_writing_finds_the_clause(real_library, written, clause):
    for query in written:
        assert clause in found(real_library, query), f"{query} 没有找到 {clause}"


def test_without_the_table_iii_phase_is_not_found(real_library):
    """The table is what does it: the same query over an index without synonyms misses."""
    from biopolicy.corpus.search import SearchIndex

    bare = SearchIndex([c for c in real_library.corpus.all_clauses() if c.doc_id == "fj-2023-7"])
    assert "fj-2023-7/m9/p1" not in [h.clause_id for h in bare.search("三期", limit=100)]


def test_the_snippet_marks_the_words_the_clause_uses(real_library):
    hit = next(h for h in real_library.search("三期", limit=100) if h.clause_id == "fj-2023-7/m9/p1")
    assert "<mark>Ⅲ期</mark>" in hit.snippet


def test_a_digit_inside_a_number_is_not_a_phase(table):
    assert table.terms(normalise("2023期")) == {}
    assert table.terms(normalise("第3期")) == {"s:phase-3": 1}


def test_an_enumeration_counts_for_each_numeral(table):
    assert set(table.terms(normalise("完成Ⅰ、Ⅱ、Ⅲ期临床试验"))) == {"s:phase-1", "s:phase-2", "s:phase-3"}


def test_the_longest_name_wins(table):
    """国家药监局 is the national administration, not the province's 药监局."""
    assert table.terms(normalise("国家药监局")) == {"s:nmpa": 1}
    assert table.terms(normalise("药监局")) == {"s:fj-mpa": 1}


def test_every_provincial_and_city_department_the_corpus_names_has_its_full_name(real_library, table):
    departments = re.compile(r"^[省市].+[厅局委]$")
    named = {
        u
        for c in real_library.corpus.all_clauses()
        for u in c.responsible_units
        if departments.match(u) and not u.startswith(("市委", "市场"))  # 市场监管局: either level
    }
    assert named, "the corpus names responsible units"
    missing = sorted(u for u in named if not any(u in variants for variants in table.groups.values()))
    assert missing == []
    full = {g: vs[0] for g, vs in table.groups.items()}
    for unit in named:
        group = next(g for g, vs in table.groups.items() if unit in vs)
        assert full[group].startswith(("福建省", "厦门市", "厦门火炬")), (unit, full[group])


def test_a_variant_in_two_groups_is_refused(tmp_path):
    (tmp_path / "_catalogue").mkdir()
    (tmp_path / "_catalogue" / "synonyms.yaml").write_text(
        "groups:\n  - {id: a, variants: [三期, 3期]}\n  - {id: b, variants: [3期, 叁期]}\n", encoding="utf-8"
    )
    synonyms, errors = load_synonyms(tmp_path)
    assert synonyms.groups == {}
    assert "3期" in errors[0].message and "两组" in errors[0].message


def test_a_missing_table_is_an_empty_one(tmp_path):
    assert load_synonyms(tmp_path) == (Synonyms(), [])
