"""Static assets as a browser gets them: compressed when asked for, cached for good under a
content-versioned address (and only briefly without one), revalidated by ETag; a favicon."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from biopolicy.services.calculator import get_calculator
from biopolicy.web.app import create_app


@pytest.fixture(scope="module")
def client(real_library):
    with TestClient(create_app(real_library, get_calculator()), raise_server_exceptions=False) as c:
        yield c


def echarts_url(client) -> str:
    html = client.get("/overview").text
    match = re.search(r'src="(/static/vendor/echarts\.min\.js\?v=[0-9a-f]{12})"', html)
    assert match, "the overview names ECharts by a versioned address"
    return match.group(1)


def test_echarts_is_sent_gzipped_and_immutable_under_its_versioned_address(client):
    r = client.get(echarts_url(client), headers={"accept-encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-encoding"] == "gzip"
    assert "immutable" in r.headers["cache-control"]
    assert len(r.content) > 500_000  # httpx decodes: the file itself arrived


def test_a_client_that_does_not_accept_gzip_gets_the_plain_file(client):
    r = client.get(echarts_url(client), headers={"accept-encoding": "identity"})
    assert "content-encoding" not in r.headers


def test_an_old_or_missing_version_is_cached_briefly_and_revalidated_by_etag(client):
    for url in ("/static/app.css", "/static/app.css?v=000000000000"):
        r = client.get(url)
        assert r.headers["cache-control"] == "public, max-age=300"
        etag = r.headers["etag"]
        again = client.get(url, headers={"if-none-match": etag})
        assert again.status_code == 304


def test_the_stylesheet_address_changes_with_its_content(client, tmp_path):
    from biopolicy.web.assets import asset_version

    (tmp_path / "a.css").write_text("body{}")
    first = asset_version(tmp_path, "a.css")
    (tmp_path / "a.css").write_text("body{color:red}")
    assert asset_version(tmp_path, "a.css") != first
    assert asset_version(tmp_path, "missing.css") is None


def test_favicon_is_an_icon(client):
    r = client.get("/favicon.ico")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/x-icon"
    assert r.content[:4] == b"\0\0\1\0"  # ICO header: reserved 0, type 1 (icon)
    assert 'rel="icon"' in client.get("/").text


def test_pages_are_compressed_too(client):
    r = client.get("/documents", headers={"accept-encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    assert "政策库" in r.text
