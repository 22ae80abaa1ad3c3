"""The library's JSON API, end to end through FastAPI, over the fake corpus."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.conftest import repository_documents

from biopolicy.corpus.search import MAX_QUERY_LENGTH
from biopolicy.domain import LoadError
from biopolicy.services import models
from biopolicy.services.library import MAX_LIMIT, Library
from biopolicy.web.app import create_app
from biopolicy.web.errors import ErrorBody

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


@pytest.fixture
def client(fake_library):
    with TestClient(create_app(fake_library), raise_server_exceptions=False) as c:
        yield c


# --- documents and clauses -------------------------------------------------------------------


def test_service_facts_name_the_api(client):
    # GET / is the HTML home page (tests/web/test_pages.py); its JSON twin is here
    body = client.get("/api/v1/").json()
    assert body["name"] == "biopolicy"
    assert body["api"] == "/api/v1"


def test_documents_lists_summaries_without_clause_bodies(client):
    body = client.get("/api/v1/documents").json()
    assert [d["id"] for d in body["documents"]] == ["demo-a", "demo-b"]
    assert body["errors"] == []
    first = body["documents"][0]
    assert "clauses" not in first
    assert first["number"] == "演工信规〔2023〕1号"
    assert first["issued"] == "2023-11-01"
    assert first["in_force_to"] == "2026-11-19"
    assert first["clause_count"] == 5


def test_documents_reports_documents_that_failed_to_load(fake_corpus):
    broken = fake_corpus.model_copy(
        update={"errors": [LoadError(path="policies/x/source.txt", message="无法解析")]}
    )
    with TestClient(create_app(Library.from_corpus(broken))) as c:
        body = c.get("/api/v1/documents").json()
    assert body["errors"] == [{"path": "policies/x/source.txt", "message": "无法解析"}]
    assert len(body["documents"]) == 2


def test_document_has_its_clause_tree(client):
    doc = client.get("/api/v1/documents/demo-a").json()
    assert [c["id"] for c in doc["clauses"]] == ["demo-a/preamble", "demo-a/s1"]
    measure = doc["clauses"][1]["children"][0]
    assert measure["id"] == "demo-a/m1"
    assert [c["id"] for c in measure["children"]] == ["demo-a/m1/p1", "demo-a/m1/p2"]
    assert measure["children"][0]["children"] == []


def test_clause_has_facts_with_decimal_strings_and_children_ids(client):
    clause = client.get("/api/v1/clauses/demo-a/m1").json()
    assert clause["doc_id"] == "demo-a"
    assert clause["parent_id"] == "demo-a/s1"
    assert clause["kind"] == "measure"
    assert clause["responsible_units"] == ["市科技局", "市财政局"]
    assert clause["children"] == ["demo-a/m1/p1", "demo-a/m1/p2"]
    top_up = clause["facts"][1]
    assert top_up == {
        "kind": "money",
        "value": "10000000",
        "value_to": None,
        "unit": "元",
        "bound": "exact",
        "text": "1000万元",
        "start": top_up["start"],
        "end": top_up["end"],
    }
    assert clause["text"][top_up["start"] : top_up["end"]] == "1000万元"


def test_nested_clause_id_with_slashes(client):
    assert client.get("/api/v1/clauses/demo-a/m1/p2").json()["parent_id"] == "demo-a/m1"


@pytest.mark.parametrize(
    ("url", "ident"),
    [("/api/v1/documents/demo-z", "demo-z"), ("/api/v1/clauses/demo-a/m99", "demo-a/m99")],
)
def test_unknown_document_or_clause_is_404_with_a_clear_message(client, url, ident):
    response = client.get(url)
    assert response.status_code == 404
    assert response.json() == {"detail": f"未找到文件或条款：{ident}", "errors": []}


def test_a_document_id_is_not_a_clause(client):
    assert client.get("/api/v1/clauses/demo-a").status_code == 404


def test_unknown_address_is_404_in_chinese(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert "未找到" in response.json()["detail"]


# --- search ----------------------------------------------------------------------------------


def test_search_returns_ranked_hits_with_snippets(client):
    body = client.get("/api/v1/search", params={"q": "伦理"}).json()
    assert body["query"] == "伦理"
    assert body["limit"] == 20
    assert body["doc"] is None
    hit = body["hits"][0]
    assert (hit["doc_id"], hit["clause_id"]) == ("demo-b", "demo-b/m1")
    assert isinstance(hit["score"], float)
    assert "<mark>伦理</mark>" in hit["snippet"]
    assert "&lt;时限&gt;" in hit["snippet"]  # the snippet is HTML: the text's own < > are escaped
    assert hit["title"] == "伦理审查"


def test_search_filters_by_document(client):
    body = client.get("/api/v1/search", params={"q": "伦理", "doc": "demo-a"}).json()
    assert body["doc"] == "demo-a"
    assert body["hits"] == []


def test_search_with_unknown_document_is_404(client):
    response = client.get("/api/v1/search", params={"q": "伦理", "doc": "demo-z"})
    assert response.status_code == 404
    assert response.json()["detail"] == "未找到文件或条款：demo-z"


@pytest.mark.parametrize("q", ["", "  ", "药" * (MAX_QUERY_LENGTH + 1)])
def test_empty_or_over_long_query_is_422_naming_q(client, q):
    response = client.get("/api/v1/search", params={"q": q})
    assert response.status_code == 422
    body = response.json()
    assert "q" in body["detail"]
    assert "查询词" in body["detail"]
    assert body["errors"][0]["loc"] == ["query", "q"]


def test_query_of_the_maximum_length_is_accepted(client):
    response = client.get("/api/v1/search", params={"q": "药" * MAX_QUERY_LENGTH})
    assert response.status_code == 200


def test_missing_query_is_422_in_chinese(client):
    response = client.get("/api/v1/search")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"loc": ["query", "q"], "msg": "为必填项", "type": "missing"}]
    assert response.json()["detail"] == "查询参数 q 为必填项"


@pytest.mark.parametrize(
    ("limit", "expected"), [(0, "须大于或等于 1"), (MAX_LIMIT + 1, f"须小于或等于 {MAX_LIMIT}")]
)
def test_limit_out_of_bounds_is_422_naming_limit(client, limit, expected):
    response = client.get("/api/v1/search", params={"q": "伦理", "limit": limit})
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["loc"] == ["query", "limit"]
    assert expected in body["detail"]
    assert body["detail"].startswith("查询参数 limit")


@pytest.mark.parametrize("limit", [1, MAX_LIMIT])
def test_limit_at_its_bounds_is_accepted(client, limit):
    response = client.get("/api/v1/search", params={"q": "补足", "limit": limit})
    assert response.status_code == 200
    assert len(response.json()["hits"]) <= limit


def test_limit_not_a_number_is_422(client):
    body = client.get("/api/v1/search", params={"q": "伦理", "limit": "ten"}).json()
    assert body["errors"][0]["msg"].startswith("须为整数")


def test_limit_one_returns_one_hit(client):
    assert len(client.get("/api/v1/search", params={"q": "补足", "limit": 1}).json()["hits"]) == 1


# --- errors that are ours --------------------------------------------------------------------


class _BrokenLibrary(Library):
    def document(self, doc_id):
        raise RuntimeError("disk on fire")


def test_unexpected_error_is_500_generic_and_logged(fake_corpus, caplog):
    library = _BrokenLibrary.from_corpus(fake_corpus)
    with (
        TestClient(create_app(library), raise_server_exceptions=False) as c,
        caplog.at_level(logging.ERROR, logger="biopolicy.web.errors"),
    ):
        response = c.get("/api/v1/documents/demo-a")
    assert response.status_code == 500
    assert "服务器内部错误" in response.json()["detail"]
    assert "disk on fire" not in response.text
    assert any("/api/v1/documents/demo-a" in r.getMessage() and r.exc_info for r in caplog.records)


# --- start-up and OpenAPI --------------------------------------------------------------------


def test_library_is_loaded_at_start_up_not_on_first_request(monkeypatch, fake_library):
    from biopolicy.web import app as app_module

    calls = []
    monkeypatch.setattr(app_module, "get_library", lambda: calls.append(1) or fake_library)
    with TestClient(app_module.create_app()) as c:
        assert calls == [1]
        c.get("/api/v1/documents")
        c.get("/api/v1/documents")
    assert calls == [1]


def test_openapi_lists_every_endpoint(client):
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == "biopolicy"
    assert {
        "/api/v1/",
        "/api/v1/documents",
        "/api/v1/documents/{doc_id}",
        "/api/v1/clauses/{clause_id}",
        "/api/v1/search",
    } <= set(spec["paths"])
    assert client.get("/docs").status_code == 200


def test_openapi_documents_chinese_error_shapes(client):
    search = client.get("/openapi.json").json()["paths"]["/api/v1/search"]["get"]
    assert search["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorBody")
    assert "404" in search["responses"]


# --- docs/api.md agrees with the API ---------------------------------------------------------

EXAMPLE = re.compile(r"<!-- example: (\w+) -->\s*```json\n(.*?)```", re.S)
SHAPES = {
    "DocumentList": models.DocumentList,
    "DocumentOut": models.DocumentOut,
    "ClauseOut": models.ClauseOut,
    "SearchResults": models.SearchResults,
    "ErrorBody": ErrorBody,
}


def documented_examples() -> dict[str, object]:
    return {name: json.loads(body) for name, body in EXAMPLE.findall(API_DOC.read_text(encoding="utf-8"))}


def keys_in(value: object, path: str = "") -> set[str]:
    """Every key path in a JSON value; list items share their list's path."""
    if isinstance(value, dict):
        found = set()
        for k, v in value.items():
            found |= {f"{path}{k}"} | keys_in(v, f"{path}{k}.")
        return found
    if isinstance(value, list):
        return set().union(*(keys_in(v, path) for v in value)) if value else set()
    return set()


def test_every_shape_has_an_example_in_the_docs():
    assert set(documented_examples()) == set(SHAPES)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_documented_example_is_valid_for_its_model(name):
    SHAPES[name].model_validate(documented_examples()[name])


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_every_model_field_is_documented(name):
    text = API_DOC.read_text(encoding="utf-8")
    for field in SHAPES[name].model_fields:
        assert f"`{field}`" in text, f"{name}.{field} is not in docs/api.md"


@pytest.mark.parametrize(
    ("name", "url", "params"),
    [
        ("DocumentList", "/api/v1/documents", {}),
        ("DocumentOut", "/api/v1/documents/demo-a", {}),
        ("ClauseOut", "/api/v1/clauses/demo-a/m1", {}),
        ("SearchResults", "/api/v1/search", {"q": "伦理"}),
        ("ErrorBody", "/api/v1/search", {"q": "", "limit": 500}),
    ],
)
def test_every_documented_field_is_in_the_response(fake_corpus, name, url, params):
    # A corpus with a load error, so that the error entries' fields are there to be checked.
    broken = fake_corpus.model_copy(
        update={"errors": [LoadError(path="policies/x/source.txt", message="无法解析")]}
    )
    with TestClient(create_app(Library.from_corpus(broken))) as client:
        answer = client.get(url, params=params).json()
    documented = keys_in(documented_examples()[name])
    actual = keys_in(answer)
    assert documented <= actual, f"documented but missing: {sorted(documented - actual)}"


def test_every_endpoint_is_documented(client):
    text = API_DOC.read_text(encoding="utf-8")
    text = text.replace("{clause_id:path}", "{clause_id}")
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        path = path.replace("{clause_id:path}", "{clause_id}").replace("{measure_id:path}", "{measure_id}")
        for method in operations:
            assert f"{method.upper()} {path}" in text, f"{method.upper()} {path} is not in docs/api.md"


# --- the real corpus, through the app as uvicorn builds it -----------------------------------


@pytest.fixture(scope="module")
def real_client():
    with TestClient(create_app()) as c:  # no library given: the app loads the process's own
        yield c


def test_real_documents_lists_the_five_without_errors(real_client):
    body = real_client.get("/api/v1/documents").json()
    assert {d["id"] for d in body["documents"]} == {
        "fj-2023-7",
        "fz-plan",
        "xm-2023",
        "xm-2025-1",
        "fj-yj-2025-30",
    }
    assert body["errors"] == []


def test_real_document_number(real_client):
    assert real_client.get("/api/v1/documents/fj-2023-7").json()["number"] == "闽工信规〔2023〕7号"


def test_real_measure_with_its_facts_as_decimal_strings(real_client):
    clause = real_client.get("/api/v1/clauses/xm-2023/m16").json()
    assert clause["kind"] == "measure"
    assert "补足至1000万元" in clause["text"]
    top_up = [f for f in clause["facts"] if f["text"] == "1000万元"]
    assert top_up and top_up[0]["value"] == "10000000"
    assert clause["text"][top_up[0]["start"] : top_up[0]["end"]] == "1000万元"


def test_real_paragraph_by_its_nested_id(real_client):
    assert real_client.get("/api/v1/clauses/xm-2023/m10/p2").json()["parent_id"] == "xm-2023/m10"


def test_real_search_ethics_first_hit(real_client):
    hits = real_client.get("/api/v1/search", params={"q": "伦理"}).json()["hits"]
    assert hits[0]["clause_id"] == "xm-2025-1/m6"


def test_real_unknown_clause_is_404(real_client):
    response = real_client.get("/api/v1/clauses/xm-2023/m99")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到文件或条款：xm-2023/m99", "errors": []}


@pytest.mark.parametrize("doc_id", repository_documents())
def test_real_document_tree_holds_every_clause_once(real_client, doc_id):
    doc = real_client.get(f"/api/v1/documents/{doc_id}").json()

    def ids(nodes):
        for n in nodes:
            yield n["id"]
            yield from ids(n["children"])

    seen = list(ids(doc["clauses"]))
    assert len(seen) == len(set(seen)) == doc["clause_count"]


def test_validation_message_echoes_only_the_start_of_a_long_input(client):
    body = client.get("/api/v1/search", params={"q": "伦理", "limit": "9" * 500}).json()
    assert body["errors"][0]["loc"] == ["query", "limit"]
    assert len(body["detail"]) < 120
