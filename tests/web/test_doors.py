"""The doors of the web app: the body limit (counted as it arrives), work that stops when its
client goes, trusted hosts, links never built from the Host header, security headers, offline
/docs and /redoc, and an OpenAPI document that tells the truth."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from biopolicy.services.calculator import get_calculator
from biopolicy.settings import Settings
from biopolicy.web.app import create_app
from biopolicy.web.work import ClientGone, Worker

CASE = {
    "applicant": {"kind": "enterprise", "name": "厦门某药业有限公司", "city": "厦门市", "district": "海沧区"},
    "events": [{"id": "e1", "type": "talent_recruited", "date": "2025-08-01", "recruited_on": "2024-03-01"}],
    "as_of": "2025-09-30",
}
LIMIT = 4_000


@pytest.fixture(scope="module")
def settings():
    return Settings(max_body_bytes=LIMIT, trusted_hosts=["testserver", "policy.example.cn"])


@pytest.fixture(scope="module")
def app(real_library, settings):
    return create_app(real_library, get_calculator(), settings=settings)


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def run(coroutine):
    """``asyncio.run`` in a thread of its own: the browser tests leave an event loop running in
    this one (Playwright's sync API)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=60)


def padded(size: int) -> bytes:
    """The case as JSON, padded with spaces to exactly ``size`` bytes."""
    raw = json.dumps(CASE, ensure_ascii=False).encode()
    return raw + b" " * (size - len(raw))


async def call(app, method: str, path: str, chunks: list[bytes], headers: list[tuple[bytes, bytes]]):
    """One request straight through ASGI, the body in ``chunks`` (no Content-Length unless given)."""
    messages = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)
    ]
    sent: list[dict] = []

    async def receive():
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "scheme": "http",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"), *headers],
    }
    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body


# ---------------------------------------------------------------- body limit


def test_a_body_at_the_limit_is_assessed(client):
    response = client.post(
        "/api/v1/assess", content=padded(LIMIT), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200


def test_a_body_one_byte_over_the_limit_is_413_in_chinese(client):
    response = client.post(
        "/api/v1/assess", content=padded(LIMIT + 1), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == {
        "detail": f"请求体过大：最多 {LIMIT} 字节，本请求声明 {LIMIT + 1} 字节",
        "errors": [],
    }


def test_a_body_without_a_length_is_counted_as_it_arrives(app):
    chunks = [padded(LIMIT)[:1000]] + [b" " * 1000] * 4  # 5,000 bytes in 5 chunks, no Content-Length
    status, body = run(call(app, "POST", "/api/v1/assess", chunks, []))
    assert status == 413 and json.loads(body)["detail"] == f"请求体过大：最多 {LIMIT} 字节"


def test_a_body_longer_than_its_declared_length_is_stopped_at_the_limit(app):
    chunks = [b" " * 1000] * 6
    status, body = run(call(app, "POST", "/api/v1/assess", chunks, [(b"content-length", b"10")]))
    assert status == 413 and "请求体过大" in json.loads(body)["detail"]


def test_a_body_in_chunks_under_the_limit_is_assessed(app):
    whole = padded(LIMIT)
    chunks = [whole[i : i + 700] for i in range(0, len(whole), 700)]
    status, _ = run(call(app, "POST", "/api/v1/assess", chunks, []))
    assert status == 200


def test_a_calculator_form_over_the_limit_is_a_chinese_page(client):
    response = client.post(
        "/calculator",
        content=b"kind=enterprise&" + b"x" * LIMIT,
        headers={"content-type": "application/x-www-form-urlencoded", "accept": "text/html"},
    )
    assert response.status_code == 413 and "请求体过大" in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_a_malformed_content_length_is_400_in_chinese(app):
    status, body = run(call(app, "POST", "/api/v1/assess", [b"{}"], [(b"content-length", b"abc")]))
    assert status == 400 and "Content-Length" in json.loads(body)["detail"]


# ---------------------------------------------------------------- work stops when the client goes


class SlowCalculator:
    """Stands in for the engine: counts until stopped (or 20 s)."""

    def __init__(self) -> None:
        self.ticks = 0
        self.finished = False

    def assess(self, case, as_of=None):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            self.ticks += 1
        self.finished = True


def test_the_work_of_a_request_whose_client_has_gone_stops(real_library, settings):
    slow = SlowCalculator()
    app = create_app(real_library, slow, settings=settings)
    body = json.dumps(CASE).encode()
    delivered_at = None

    async def receive():  # as uvicorn: the disconnect is there once the client has gone
        nonlocal delivered_at
        if delivered_at is None:
            delivered_at = time.monotonic()
            return {"type": "http.request", "body": body, "more_body": False}
        if time.monotonic() - delivered_at > 0.3:  # the client waited a moment, then went
            return {"type": "http.disconnect"}
        await asyncio.sleep(3600)

    async def send(message):
        pass

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "path": "/api/v1/assess",
        "raw_path": b"/api/v1/assess",
        "query_string": b"",
        "root_path": "",
        "scheme": "http",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json")],
    }
    started = time.monotonic()
    run(app(scope, receive, send))
    assert time.monotonic() - started < 5  # the handler did not wait for the 20 s of work
    time.sleep(0.2)
    ticks = slow.ticks
    assert ticks > 0
    time.sleep(0.3)
    assert slow.ticks == ticks and not slow.finished  # the worker thread has stopped


def test_a_worker_returns_its_result_and_cannot_be_stopped_once_done():
    worker = Worker(sum, [1, 2, 3])
    worker.start()
    worker.thread.join(5)
    assert worker.result == 6 and worker.error is None
    assert worker.stop() is False


def test_a_stopped_worker_raises_client_gone_inside_its_thread():
    seen: list[BaseException] = []
    go = threading.Event()

    def busy():
        try:
            go.set()
            while True:
                pass
        except BaseException as exc:
            seen.append(exc)
            raise

    worker = Worker(busy)
    worker.start()
    go.wait(5)
    assert worker.stop() is True
    worker.thread.join(5)
    assert not worker.thread.is_alive() and isinstance(seen[0], ClientGone)


# ---------------------------------------------------------------- hosts and links


def test_an_unknown_host_is_refused_in_chinese(client):
    response = client.get("/api/v1/documents", headers={"host": "evil.example.com"})
    assert response.status_code == 400
    assert "主机名" in response.json()["detail"] and response.json()["errors"] == []


def test_a_configured_host_is_served(client):
    assert client.get("/api/v1/", headers={"host": "policy.example.cn"}).status_code == 200


def test_pages_never_build_links_from_the_host_header(client):
    page = client.get("/", headers={"host": "policy.example.cn"}).text
    assert "policy.example.cn" not in page and 'href="/static/app.css?v=' in page
    form = {
        "kind": "enterprise",
        "name": "甲",
        "city": "厦门市",
        "as_of": "2025-09-30",
        "e0.type": "talent_recruited",
        "e0.date": "2025-08-01",
        "e0.subject": "张三",
        "e0.attr.role": "research",
        "e0.attr.recruited_on": "2024-03-01",
        "action": "assess",
    }
    result = client.post("/calculator", data=form, headers={"host": "policy.example.cn"})
    assert result.status_code == 200
    assert "policy.example.cn" not in result.text
    assert "http://127.0.0.1:8000/calculator/result?" in result.text  # settings.base_url
    assert not re.search(r'(href|src)="https?://', page)


# ---------------------------------------------------------------- headers


@pytest.mark.parametrize(
    "url", ["/", "/api/v1/documents", "/calculator", "/api/v1/nothing", "/static/app.css"]
)
def test_every_response_carries_the_security_headers_and_no_server_banner(client, url):
    headers = client.get(url).headers
    csp = headers["content-security-policy"]
    assert (
        "script-src 'self'" in csp
        and "frame-ancestors 'none'" in csp
        and "unsafe-inline" not in csp.split("style-src-attr")[0]
    )
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "server" not in headers


def test_an_error_answer_carries_the_headers_too(client):
    headers = client.get("/api/v1/documents", headers={"host": "evil.example.com"}).headers
    assert "content-security-policy" in headers and headers["x-frame-options"] == "DENY"


def test_no_page_has_inline_script(client):
    for url in [
        "/",
        "/documents",
        "/search?q=伦理",
        "/measures",
        "/overview",
        "/calculator",
        "/docs",
        "/redoc",
    ]:
        page = client.get(url).text
        for tag in re.findall(r"<script\b[^>]*>", page):
            assert "src=" in tag or 'type="application/json"' in tag, (url, tag)
        assert not re.search(r"\son[a-z]+=", page), url  # no inline event handlers


# ---------------------------------------------------------------- offline docs


@pytest.mark.parametrize("url", ["/docs", "/redoc"])
def test_the_docs_pages_reference_only_local_assets_that_are_served(client, url):
    page = client.get(url)
    assert page.status_code == 200
    refs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert refs and all(r.startswith("/") and not r.startswith("//") for r in refs), refs
    for ref in refs:
        assert client.get(ref).status_code == 200, ref
    assert "cdn" not in page.text.lower()


def test_the_swagger_page_loads_the_openapi_document(client):
    page = client.get("/docs").text
    assert 'data-openapi="/openapi.json"' in page
    assert "SwaggerUIBundle" in client.get("/static/swagger-init.js").text


# ---------------------------------------------------------------- the OpenAPI document


@pytest.fixture(scope="module")
def spec(client):
    return client.get("/openapi.json").json()


def test_the_assess_body_is_the_case_schema(spec):
    body = spec["paths"]["/api/v1/assess"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/Case"}
    case = spec["components"]["schemas"]["Case"]
    assert {"applicant", "events", "prior_awards", "as_of"} <= set(case["properties"])
    assert "Event" in spec["components"]["schemas"] and "PriorAward" in spec["components"]["schemas"]


def test_every_error_is_declared_as_the_one_error_body(spec):
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            codes = set(op["responses"])
            assert {"400", "413"} <= codes, (path, method)
            for code, answer in op["responses"].items():
                if code.startswith("4"):
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, method, code)
            if op.get("parameters") or "requestBody" in op:
                assert "422" in codes, (path, method)
            if any(p["in"] == "path" for p in op.get("parameters", [])):
                assert "404" in codes, (path, method)


def test_query_parameters_state_their_length(spec):
    for path, operations in spec["paths"].items():
        for op in operations.values():
            for p in op.get("parameters", []):
                schema = p["schema"]
                options = schema.get("anyOf", [schema])
                strings = [o for o in options if o.get("type") == "string" and o.get("format") != "date"]
                for s in strings:
                    assert "maxLength" in s, (path, p["name"])


def test_the_error_body_shape_is_what_errors_look_like(client, spec):
    assert set(spec["components"]["schemas"]["ErrorBody"]["required"]) == {"detail", "errors"}
    for response in (
        client.get("/api/v1/clauses/xm-2023/m99"),
        client.get("/api/v1/search", params={"q": "伦理", "limit": 0}),
        client.post("/api/v1/assess", json={"applicant": {}}),
        client.put("/api/v1/documents"),
    ):
        assert set(response.json()) == {"detail", "errors"}, response.status_code


def test_the_default_limit_is_one_megabyte_on_both_sides(real_library):
    app = create_app(real_library, get_calculator(), settings=Settings())
    with TestClient(app, raise_server_exceptions=False) as c:
        headers = {"content-type": "application/json"}
        assert c.post("/api/v1/assess", content=padded(1_000_000), headers=headers).status_code == 200
        over = c.post("/api/v1/assess", content=padded(1_000_001), headers=headers)
        assert over.status_code == 413 and over.json()["detail"].startswith("请求体过大：最多 1000000 字节")


def test_a_wrong_method_names_every_method_the_path_answers_to(client):
    # GET and POST on /api/v1/cases are two routes; the 405 must list both, not the first one found
    response = client.request("OPTIONS", "/api/v1/cases")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json()["detail"] == "该地址不支持 OPTIONS 请求"
    assert client.delete("/api/v1/assess").headers["allow"] == "POST"
