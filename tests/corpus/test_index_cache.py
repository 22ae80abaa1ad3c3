"""The search index kept on disk: reused while the corpus is unchanged, rebuilt when it changes,
and a damaged file is never trusted."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import build_fake_corpus

from biopolicy.corpus import cachefile, index_cache
from biopolicy.corpus.index_cache import cache_key, cache_path, load_or_build
from biopolicy.corpus.loader import default_policies_dir, load_corpus
from biopolicy.corpus.search import SearchIndex
from biopolicy.services.library import load_library

QUERIES = ["新药", "临床试验 奖励", "研究型病房", "GMP"]


@pytest.fixture(autouse=True)
def _keep_jieba_cache_setting(monkeypatch):
    """load_library() points jieba's dictionary cache at its cache folder; undo it after each test
    so that later tests load jieba from the usual place."""
    from biopolicy.corpus import search

    monkeypatch.setattr(search, "_jieba_cache_dir", search._jieba_cache_dir)


@pytest.fixture
def builds(monkeypatch) -> list[int]:
    """How many times an index was built (not loaded) from here on."""
    built: list[int] = []

    class Counting(SearchIndex):
        def __init__(self, clauses, synonyms=None) -> None:
            built.append(1)
            super().__init__(clauses, synonyms)

    monkeypatch.setattr(index_cache, "SearchIndex", Counting)
    return built


def answers(index) -> list[list[tuple[str, float, str]]]:
    return [[(h.clause_id, h.score, h.snippet) for h in index.search(q)] for q in QUERIES]


def test_a_second_load_reuses_the_saved_index_and_answers_the_same(tmp_path, builds):
    clauses = build_fake_corpus().all_clauses()
    first = load_or_build(clauses, tmp_path)
    assert len(builds) == 1
    assert cache_path(tmp_path, cache_key(clauses)).is_file()

    second = load_or_build(build_fake_corpus().all_clauses(), tmp_path)
    assert len(builds) == 1  # loaded, not built
    assert answers(second) == answers(first) == answers(SearchIndex(clauses))
    assert any(answers(first))  # the queries find something: the comparison is not of empties


def test_a_changed_clause_gives_another_key_and_a_rebuilt_index(tmp_path, builds):
    clauses = build_fake_corpus().all_clauses()
    load_or_build(clauses, tmp_path)
    old = cache_path(tmp_path, cache_key(clauses))

    changed = [
        c.model_copy(update={"text": c.text + "新增研究型病房。"}) if i == 1 else c
        for i, c in enumerate(clauses)
    ]
    assert cache_key(changed) != cache_key(clauses)
    index = load_or_build(changed, tmp_path)
    assert len(builds) == 2
    assert changed[1].id in [h.clause_id for h in index.search("研究型病房")]
    assert cache_path(tmp_path, cache_key(changed)).is_file()
    assert not old.exists()  # the stale index is removed, not left to pile up


def test_the_key_covers_clause_order_titles_and_the_index_code(monkeypatch):
    clauses = build_fake_corpus().all_clauses()
    key = cache_key(clauses)
    assert cache_key(list(reversed(clauses))) != key
    retitled = [clauses[0].model_copy(update={"title": "另一标题"}), *clauses[1:]]
    assert cache_key(retitled) != key
    monkeypatch.setattr(index_cache, "FORMAT", index_cache.FORMAT + 1)
    assert cache_key(clauses) != key


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: data[:-10] + bytes(b ^ 0xFF for b in data[-10:]), id="bytes-flipped"),
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: b"not an index at all", id="garbage"),
    ],
)
def test_a_damaged_cache_file_is_ignored_and_rebuilt(tmp_path, builds, damage):
    clauses = build_fake_corpus().all_clauses()
    expected = answers(load_or_build(clauses, tmp_path))
    path = cache_path(tmp_path, cache_key(clauses))
    path.write_bytes(damage(path.read_bytes()))

    index = load_or_build(clauses, tmp_path)
    assert len(builds) == 2
    assert answers(index) == expected
    load_or_build(clauses, tmp_path)  # the rebuilt file is sound again
    assert len(builds) == 2


def test_a_well_formed_file_that_does_not_fit_the_clauses_is_rebuilt(tmp_path, builds):
    """Right header and checksum, wrong content (a clause index out of range): never trusted."""
    clauses = build_fake_corpus().all_clauses()
    good = load_or_build(clauses, tmp_path)
    state = good.state()
    state["postings"] = {**state["postings"], "b:新药": [(len(clauses) + 5, 1.0)]}
    index_cache._write(cache_path(tmp_path, cache_key(clauses)), cache_key(clauses), state)

    index = load_or_build(clauses, tmp_path)
    assert len(builds) == 2
    assert answers(index) == answers(good)


def test_without_a_cache_folder_nothing_is_written(tmp_path, builds):
    load_or_build(build_fake_corpus().all_clauses(), None)
    assert len(builds) == 1 and list(tmp_path.iterdir()) == []


def test_an_unwritable_cache_folder_still_gives_a_working_index(tmp_path, builds):
    blocked = tmp_path / "file"
    blocked.write_text("x")  # a file where the folder should be
    index = load_or_build(build_fake_corpus().all_clauses(), blocked / "cache")
    assert index.search("新药")


def test_the_payload_is_plain_data(tmp_path):
    clauses = build_fake_corpus().all_clauses()
    load_or_build(clauses, tmp_path)
    state = cachefile.read(cache_path(tmp_path, cache_key(clauses)), index_cache.KIND, cache_key(clauses))
    assert set(state) == {"clauses", "docs", "postings"}
    assert cachefile.read(cache_path(tmp_path, cache_key(clauses)), b"other-kind", cache_key(clauses)) is None


def test_library_rebuilds_its_index_when_a_source_file_changes(tmp_path, monkeypatch, builds):
    """End to end: a policies folder, its index cached, then one source.txt edited."""
    policies = tmp_path / "policies"
    shutil.copytree(default_policies_dir() / "xm-2025-1", policies / "xm-2025-1")
    cache = tmp_path / "cache"

    def hits(query: str) -> list[str]:
        return [h.clause_id for h in load_library(policies, cache).search(query)]

    before = hits("临床试验")
    assert before and len(builds) == 1
    assert hits("临床试验") == before and len(builds) == 1  # a new process, same corpus: reused

    source = policies / "xm-2025-1" / "source.txt"
    text = source.read_text(encoding="utf-8")
    assert "临床试验" in text
    source.write_text(text.replace("临床试验", "临床研究"), encoding="utf-8")
    assert load_corpus(policies).errors == []
    assert hits("临床试验") != before
    assert len(builds) == 2
    assert [p.name for p in cache.glob(index_cache.PREFIX + "*")] == [
        cache_path(cache, cache_key(load_corpus(policies).all_clauses())).name
    ]


def test_a_search_from_the_command_line_keeps_both_caches_in_the_data_folder(tmp_path):
    """The whole path a user takes: jieba's dictionary and the index are saved in
    <data_dir>/cache, not in the shared /tmp; a second run loads both and answers the same."""
    env = {**os.environ, "BIOPOLICY_DATA_DIR": str(tmp_path)}
    biopolicy = Path(sys.executable).parent / "biopolicy"
    run = subprocess.run([biopolicy, "search", "伦理"], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    cache = tmp_path / "cache"
    assert (cache / "jieba-dictionary.bin").is_file()
    assert len(list(cache.glob(index_cache.PREFIX + "*.bin"))) == 1
    again = subprocess.run(
        [biopolicy, "search", "伦理"], env=env, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0 and again.stdout == run.stdout and "伦理" in run.stdout


def test_jieba_dictionary_saved_in_pieces_loads_back_the_same_and_damage_rebuilds_it(tmp_path, monkeypatch):
    import jieba

    from biopolicy.corpus import search

    reference = jieba.Tokenizer()
    reference.initialize()
    fresh = jieba.Tokenizer()
    fake = type("J", (), {"dt": fresh, "__version__": jieba.__version__})
    search._load_dictionary(fake, tmp_path)  # built from dict.txt and saved
    assert fresh.initialized and fresh.total == reference.total and fresh.FREQ == reference.FREQ
    path = tmp_path / "jieba-dictionary.bin"
    assert path.is_file()

    again = jieba.Tokenizer()
    monkeypatch.setattr(again, "gen_pfdict", lambda f: pytest.fail("rebuilt although saved"))
    search._load_dictionary(type("J", (), {"dt": again, "__version__": jieba.__version__}), tmp_path)
    assert again.FREQ == reference.FREQ and again.lcut("临床试验奖励") == reference.lcut("临床试验奖励")

    path.write_bytes(path.read_bytes()[:1000])  # truncated
    damaged = jieba.Tokenizer()
    search._load_dictionary(type("J", (), {"dt": damaged, "__version__": jieba.__version__}), tmp_path)
    assert damaged.FREQ == reference.FREQ


def test_another_synonym_table_is_another_key():
    from biopolicy.corpus.synonyms import Synonyms

    clauses = build_fake_corpus().all_clauses()
    one = Synonyms.of({"phase-3": ["三期", "Ⅲ期"]})
    two = Synonyms.of({"phase-3": ["三期", "Ⅲ期", "3期"]})
    assert len({cache_key(clauses), cache_key(clauses, one), cache_key(clauses, two)}) == 3
