"""The loader: defaults, broken files become LoadErrors in Chinese, the rest still load."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from tests.conftest import repository_documents

from biopolicy.corpus import facts as facts_module
from biopolicy.corpus import loader
from biopolicy.corpus.loader import DocumentError, default_policies_dir, load_corpus, load_document

GOOD = "xm-2025-1"


@pytest.fixture
def policies_dir(tmp_path: Path) -> Path:
    root = tmp_path / "policies"
    root.mkdir()
    shutil.copytree(default_policies_dir() / GOOD, root / GOOD)
    return root


def test_default_dir_is_the_repository_policies(policies):
    assert (default_policies_dir() / "fj-2023-7" / "source.txt").is_file()
    assert sorted(policies.documents) == repository_documents()


def test_env_var_chooses_the_directory(monkeypatch, policies_dir):
    monkeypatch.setenv("BIOPOLICY_POLICIES", str(policies_dir))
    assert list(load_corpus().documents) == [GOOD]


def test_empty_source_is_a_load_error_and_the_rest_load(policies_dir):
    (policies_dir / "empty").mkdir()
    (policies_dir / "empty" / "source.txt").write_bytes(b"")
    corpus = load_corpus(policies_dir)
    assert list(corpus.documents) == [GOOD]
    [error] = corpus.errors
    assert error.path == "policies/empty/source.txt"
    assert error.message.startswith("policies/empty/source.txt 是空文件")


def test_non_utf8_source_is_a_load_error_naming_the_byte(policies_dir):
    (policies_dir / "gbk").mkdir()
    (policies_dir / "gbk" / "source.txt").write_bytes(b"abc" + "福建省".encode("gbk"))
    corpus = load_corpus(policies_dir)
    assert list(corpus.documents) == [GOOD]
    [error] = corpus.errors
    assert error.message == "policies/gbk/source.txt 不是 UTF-8 编码的文本：第 4 字节无法解码"


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("source_file: [unclosed", "不是有效的 YAML"),
        ("- a list\n- not a mapping", "应为“键: 值”的映射"),
        ("source_file: x.txt\nstructure: novel", "内容有误：structure"),
        ("source_file: x.txt\ntypo_key: 1", "内容有误：typo_key"),
    ],
)
def test_bad_document_yaml_is_a_load_error(policies_dir, yaml_text, expected):
    bad = policies_dir / "bad"
    shutil.copytree(policies_dir / GOOD, bad)
    (bad / "document.yaml").write_text(yaml_text, encoding="utf-8")
    corpus = load_corpus(policies_dir)
    assert list(corpus.documents) == [GOOD]
    [error] = corpus.errors
    assert error.path == "policies/bad/document.yaml"
    assert expected in error.message


def test_folders_without_source_are_not_documents(policies_dir):
    (policies_dir / "_catalogue").mkdir()
    (policies_dir / "_catalogue" / "notes.yaml").write_text("x: 1", encoding="utf-8")
    corpus = load_corpus(policies_dir)
    assert list(corpus.documents) == [GOOD] and corpus.errors == []


def test_missing_directory_is_an_error_not_an_exception(tmp_path):
    corpus = load_corpus(tmp_path / "nowhere")
    assert corpus.documents == {} and "找不到政策目录" in corpus.errors[0].message


def test_load_document_raises_a_clear_error(tmp_path):
    folder = tmp_path / "policies" / "x"
    folder.mkdir(parents=True)
    (folder / "source.txt").write_text("  \n", encoding="utf-8")
    with pytest.raises(DocumentError, match="是空文件"):
        load_document(folder)


def test_a_bug_in_parsing_is_reported_and_the_rest_load(policies_dir, monkeypatch):
    shutil.copytree(policies_dir / GOOD, policies_dir / "zz")
    real = loader.parse

    def flaky(paras, structure):
        if paras[0].text.startswith("厦门市科学技术局") and flaky.calls:
            raise RuntimeError("boom")
        flaky.calls += 1
        return real(paras, structure)

    flaky.calls = 0
    monkeypatch.setattr(loader, "parse", flaky)
    corpus = load_corpus(policies_dir)
    assert list(corpus.documents) == [GOOD]
    assert "内部错误" in corpus.errors[0].message and "policies/zz/source.txt" in corpus.errors[0].message


def test_facts_extractor_not_landed_leaves_clauses_without_facts(policies_dir, monkeypatch):
    def not_yet(text):
        raise NotImplementedError

    monkeypatch.setattr(facts_module, "extract_facts", not_yet)
    doc = load_corpus(policies_dir).documents[GOOD]
    assert all(c.facts == [] for c in doc.clauses)


def test_every_document_parses_well_under_a_second(monkeypatch):
    monkeypatch.setattr(facts_module, "extract_facts", lambda text: [])
    load_corpus()  # warm imports
    start = time.perf_counter()
    corpus = load_corpus()
    assert len(corpus.documents) == len(repository_documents())
    assert time.perf_counter() - start < 0.1 * len(corpus.documents)
