"""The app answers as soon as it starts; the search index is prepared behind it, and a search that
comes first waits for it rather than failing."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from biopolicy.services import library as library_module
from biopolicy.services.library import Library
from biopolicy.web.app import create_app


def test_the_app_answers_while_the_search_index_is_prepared_and_a_search_waits(fake_corpus, monkeypatch):
    release = threading.Event()
    started = threading.Event()
    real = library_module.load_or_build

    def gated(clauses, cache_dir, synonyms=None):
        started.set()
        assert release.wait(30), "the test never released the build"
        return real(clauses, cache_dir, synonyms)

    monkeypatch.setattr(library_module, "load_or_build", gated)
    library = Library.from_corpus(fake_corpus)
    with TestClient(create_app(library)) as client:
        assert started.wait(10), "start-up did not begin preparing the search index"
        assert client.get("/api/v1/").status_code == 200
        assert client.get("/api/v1/documents").status_code == 200
        assert not library.search_ready

        answer: dict = {}
        search = threading.Thread(
            target=lambda: answer.update(r=client.get("/api/v1/search", params={"q": "新药"}))
        )
        search.start()
        search.join(0.3)
        assert search.is_alive() and "r" not in answer  # waiting for the index, not failing
        release.set()
        search.join(30)
        assert answer["r"].status_code == 200
        assert answer["r"].json()["hits"]
        assert library.search_ready
