"""Fixtures shared across the test tree. Keep this small: put a fixture here only when two
test modules need it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from biopolicy.domain import Clause, ClauseKind, Corpus, Document, Fact, FactBound, FactKind


def repository_documents() -> list[str]:
    """The ids of the documents in the repository's policies folder: no test lists them in code."""
    root = Path(__file__).resolve().parents[1] / "policies"
    return sorted(p.name for p in root.iterdir() if (p / "source.txt").is_file())


MEASURE_TEXT = "对完成Ⅲ期临床试验的创新药，最高奖励500万元；已获奖励不足1000万元的，补足至1000万元。"


def _fact(text: str, phrase: str, value: str, bound: FactBound) -> Fact:
    start = text.index(phrase)
    return Fact(
        kind=FactKind.money,
        value=Decimal(value),
        unit="元",
        bound=bound,
        text=phrase,
        start=start,
        end=start + len(phrase),
    )


def _clause(cid: str, parent: str | None, kind: ClauseKind, text: str, order: int, **kw) -> Clause:
    return Clause(
        id=cid,
        doc_id=cid.split("/")[0],
        parent_id=parent,
        kind=kind,
        text=text,
        raw_text=text,
        order=order,
        **kw,
    )


def build_fake_corpus() -> Corpus:
    """Two small documents: one dated with a measure that states money, one without dates."""
    p1, p2 = MEASURE_TEXT.split("；")
    a = [
        _clause("demo-a/preamble", None, ClauseKind.preamble, "为加快生物医药产业发展，制定本措施。", 0),
        _clause(
            "demo-a/s1",
            None,
            ClauseKind.section,
            "一、支持创新研发\n" + MEASURE_TEXT,
            1,
            label="一、",
            title="支持创新研发",
        ),
        _clause(
            "demo-a/m1",
            "demo-a/s1",
            ClauseKind.measure,
            MEASURE_TEXT,
            2,
            label="1.",
            title="支持新药研发",
            responsible_units=["市科技局", "市财政局"],
            facts=[
                _fact(MEASURE_TEXT, "500万元", "5000000", FactBound.max),
                _fact(MEASURE_TEXT, "1000万元", "10000000", FactBound.exact),
            ],
        ),
        _clause("demo-a/m1/p1", "demo-a/m1", ClauseKind.paragraph, p1 + "；", 3),
        _clause("demo-a/m1/p2", "demo-a/m1", ClauseKind.paragraph, p2, 4),
    ]
    b = [
        _clause(
            "demo-b/m1",
            None,
            ClauseKind.measure,
            "三级公立医院应当设立医学伦理委员会，伦理审查<时限>不超过30个工作日。",
            0,
            label="（一）",
            title="伦理审查",
        )
    ]
    docs = [
        Document(
            id="demo-a",
            title="演示政策甲",
            number="演工信规〔2023〕1号",
            issuers=["演示市工业和信息化局"],
            issued=date(2023, 11, 1),
            in_force_from=date(2023, 11, 20),
            in_force_to=date(2026, 11, 19),
            in_force_note="自2023年11月20日起施行，有效期3年",
            cites=["闽政〔2022〕10号"],
            source_file="demo-a.pdf",
            repairs=["修复了错位的标点"],
            text="\n".join(c.text for c in a),
            raw_text="\n".join(c.raw_text for c in a),
            clauses=a,
        ),
        Document(
            id="demo-b",
            title="演示政策乙",
            in_force_note="文中未写明有效期",
            source_file="demo-b.docx",
            text=b[0].text,
            raw_text=b[0].raw_text,
            clauses=b,
        ),
    ]
    return Corpus(documents={d.id: d for d in docs})


@pytest.fixture
def fake_corpus() -> Corpus:
    return build_fake_corpus()


@pytest.fixture
def fake_library(fake_corpus):
    from biopolicy.services.library import Library

    return Library.from_corpus(fake_corpus)


@pytest.fixture(scope="session")
def real_library():
    """The Library over policies/, loaded once per test run (it is the process's own)."""
    from biopolicy.services.library import get_library

    return get_library()


# Database fixtures (SQLite and PostgreSQL) for tests/storage and tests/services.
from tests.databases import (  # noqa: E402, F401
    database,
    database_url,
    empty_database_url,
    pg_server,
    pg_template,
    sqlite_template,
)
