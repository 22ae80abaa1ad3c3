"""The Library service over a small fake corpus (the real corpus is tested at the end)."""

from __future__ import annotations

import pytest
from tests.conftest import repository_documents

from biopolicy.corpus.search import QueryError
from biopolicy.domain import Clause, Document, LoadError
from biopolicy.services.library import MAX_LIMIT, InvalidQuery, Library, NotFound


def test_documents_in_corpus_order(fake_library):
    assert [d.id for d in fake_library.documents()] == ["demo-a", "demo-b"]


def test_document_by_id(fake_library):
    assert fake_library.document("demo-a").number == "演工信规〔2023〕1号"


def test_clause_by_id_including_nested_paragraph(fake_library):
    assert fake_library.clause("demo-a/m1").title == "支持新药研发"
    assert fake_library.clause("demo-a/m1/p2").parent_id == "demo-a/m1"


def test_get_returns_a_document_or_a_clause(fake_library):
    assert isinstance(fake_library.get("demo-a"), Document)
    assert isinstance(fake_library.get("demo-a/m1"), Clause)


@pytest.mark.parametrize("ident", ["demo-z", "demo-a/m99", "", "demo-a/"])
def test_unknown_id_is_not_found_with_a_chinese_message(fake_library, ident):
    with pytest.raises(NotFound) as caught:
        fake_library.get(ident)
    assert str(caught.value) == f"未找到文件或条款：{ident}"
    assert caught.value.ident == ident


def test_document_and_clause_lookups_do_not_cross(fake_library):
    with pytest.raises(NotFound):
        fake_library.document("demo-a/m1")
    with pytest.raises(NotFound):
        fake_library.clause("demo-a")


def test_not_found_message_names_the_id():
    assert str(NotFound("xm-2023/m99")) == "未找到文件或条款：xm-2023/m99"


def test_children_in_document_order(fake_library):
    assert [c.id for c in fake_library.children("demo-a/m1")] == ["demo-a/m1/p1", "demo-a/m1/p2"]
    assert fake_library.children("demo-a/m1/p1") == []
    with pytest.raises(NotFound):
        fake_library.children("demo-a/m9")


def test_search_finds_and_filters_by_document(fake_library):
    hits = fake_library.search("伦理")
    assert hits[0].clause_id == "demo-b/m1"
    assert "<mark>伦理</mark>" in hits[0].snippet
    assert fake_library.search("伦理", doc_id="demo-a") == []


def test_search_with_unknown_document_filter_is_not_found(fake_library):
    with pytest.raises(NotFound, match="demo-z"):
        fake_library.search("伦理", doc_id="demo-z")


@pytest.mark.parametrize("query", ["", "   ", "药" * 201])
def test_bad_query_is_a_query_error_about_q(fake_library, query):
    with pytest.raises(QueryError) as caught:
        fake_library.search(query)
    assert isinstance(caught.value, InvalidQuery)
    assert caught.value.field == "q"
    assert "查询词" in str(caught.value)


def test_query_of_the_maximum_length_runs(fake_library):
    assert isinstance(fake_library.search("药" * 200), list)


@pytest.mark.parametrize("limit", [0, -1, MAX_LIMIT + 1])
def test_limit_out_of_bounds_is_a_query_error_about_limit(fake_library, limit):
    with pytest.raises(InvalidQuery) as caught:
        fake_library.search("伦理", limit=limit)
    assert caught.value.field == "limit"


@pytest.mark.parametrize("limit", [1, MAX_LIMIT])
def test_limit_at_its_bounds_is_accepted(fake_library, limit):
    assert len(fake_library.search("补足", limit=limit)) <= limit


def test_errors_lists_documents_that_failed_to_load(fake_corpus):
    broken = fake_corpus.model_copy(
        update={"errors": [LoadError(path="policies/x/source.txt", message="无法解析")]}
    )
    assert [e.path for e in Library.from_corpus(broken).errors()] == ["policies/x/source.txt"]


# --- the real corpus -------------------------------------------------------------------------

REAL_DOCUMENTS = set(repository_documents())


def test_real_corpus_has_every_document_and_no_load_errors(real_library):
    assert {d.id for d in real_library.documents()} == REAL_DOCUMENTS
    assert real_library.errors() == []


def test_real_document_number(real_library):
    assert real_library.document("fj-2023-7").number == "闽工信规〔2023〕7号"


def test_real_measure_with_a_top_up(real_library):
    clause = real_library.get("xm-2023/m16")
    assert isinstance(clause, Clause)
    assert clause.kind == "measure"
    assert "补足至1000万元" in clause.text


def test_real_nested_paragraph_id(real_library):
    assert real_library.get("xm-2023/m10/p2").parent_id == "xm-2023/m10"


def test_real_every_clause_is_reachable_by_its_id(real_library):
    for doc in real_library.documents():
        for clause in doc.clauses:
            assert real_library.get(clause.id) is clause


def test_real_search_ethics_finds_the_mutual_recognition_measure_first(real_library):
    assert real_library.search("伦理")[0].clause_id == "xm-2025-1/m6"


def test_real_search_within_one_document(real_library):
    hits = real_library.search("临床试验", doc_id="fj-2023-7")
    assert hits
    assert {h.doc_id for h in hits} == {"fj-2023-7"}


def test_real_unknown_clause(real_library):
    with pytest.raises(NotFound, match="未找到文件或条款：xm-2023/m99"):
        real_library.get("xm-2023/m99")


# --- the search index is built when something searches, once -----------------------------------


def test_reading_documents_and_clauses_does_not_build_the_search_index(fake_corpus):
    library = Library.from_corpus(fake_corpus)
    library.documents()
    library.children("demo-a/m1")
    assert not library.search_ready
    assert library.search("新药")
    assert library.search_ready


def test_searches_during_preparation_wait_for_the_one_build(fake_corpus, monkeypatch):
    import threading
    import time

    from biopolicy.services import library as library_module

    calls: list[int] = []
    real = library_module.load_or_build

    def slow(clauses, cache_dir, synonyms=None):
        calls.append(1)
        time.sleep(0.3)
        return real(clauses, cache_dir, synonyms)

    monkeypatch.setattr(library_module, "load_or_build", slow)
    library = Library.from_corpus(fake_corpus)
    preparing = threading.Thread(target=library.prepare_search)
    preparing.start()
    results = []
    searchers = [threading.Thread(target=lambda: results.append(library.search("新药"))) for _ in range(3)]
    for t in searchers:
        t.start()
    for t in [preparing, *searchers]:
        t.join()
    assert calls == [1]
    assert len(results) == 3 and all(r == results[0] and r for r in results)
