"""The real policy library, loaded once for the corpus tests."""

from __future__ import annotations

import pytest

from biopolicy.corpus.loader import default_policies_dir, load_corpus
from biopolicy.domain import Corpus, Document


@pytest.fixture(scope="session")
def policies() -> Corpus:
    loaded = load_corpus(default_policies_dir())
    assert loaded.errors == []
    return loaded


@pytest.fixture(scope="session")
def doc_of(policies: Corpus):
    def get(doc_id: str) -> Document:
        return policies.documents[doc_id]

    return get


@pytest.fixture(scope="session")
def clause_of(policies: Corpus):
    def get(clause_id: str):
        found = policies.clause(clause_id)
        assert found is not None, f"no clause {clause_id}"
        return found

    return get
