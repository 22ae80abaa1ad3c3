"""The label styles other cities print: half-width brackets, 1、, 第一条, (此件主动公开), and a warning
when no measure-level clause is found. Each text is a small document of our own making."""

from __future__ import annotations

from pathlib import Path

import pytest

from biopolicy.corpus.loader import load_document

NOTICE = """某县人民政府关于印发某县促进生物医药产业发展若干措施的通知
某政规〔2025〕3号
各乡镇人民政府，县直各有关单位：
现将《某县促进生物医药产业发展若干措施》印发给你们，请认真贯彻执行。
某县人民政府
2025年3月1日
{notice_end}
某县促进生物医药产业发展若干措施
为加快生物医药产业发展，制定本措施。
"""


def _doc(tmp_path: Path, body: str, notice_end: str = "(此件主动公开)", spec: str = "") -> object:
    folder = tmp_path / "policies" / "county-x"
    folder.mkdir(parents=True)
    (folder / "source.txt").write_text(NOTICE.format(notice_end=notice_end) + body, encoding="utf-8")
    (folder / "document.yaml").write_text("source_file: x.txt\n" + spec, encoding="utf-8")
    return load_document(folder)


HALF_WIDTH = """一、支持研发创新
(一)对完成Ⅱ期临床试验的创新药，给予最高100万元奖励。
(二)对取得药品注册证书的创新药，给予200万元奖励。
二、支持产业化
(一)对首次产业化的品种，给予50万元奖励。
本措施自2025年3月1日起施行，有效期至2027年12月31日。
"""


def test_half_width_brackets_give_measures_under_sections(tmp_path):
    doc = _doc(tmp_path, HALF_WIDTH)
    ids = [c.id for c in doc.clauses if c.kind.value == "measure"]
    assert ids == ["county-x/m1", "county-x/m2", "county-x/s2/m1"]  # numbering restarts in 二、
    first = next(c for c in doc.clauses if c.id == "county-x/m1")
    assert first.parent_id == "county-x/s1" and first.label == "(一)"
    assert doc.number == "某政规〔2025〕3号"
    assert (str(doc.in_force_from), str(doc.in_force_to)) == ("2025-03-01", "2027-12-31")
    assert doc.warnings == []
    assert any(c.kind.value == "notice" for c in doc.clauses)  # (此件主动公开) closes the notice


@pytest.mark.parametrize("end", ["(此件主动公开)", "（此件主动公开）", "（此件公开发布）"])
def test_the_notice_ends_at_the_publication_mark(tmp_path, end):
    doc = _doc(tmp_path, HALF_WIDTH, notice_end=end)
    notice = [c for c in doc.clauses if c.kind.value == "notice"]
    if "主动公开" in end:
        assert notice and "印发给你们" in notice[0].text
    else:  # an unknown mark: no notice is cut off, and the body is still found
        assert [c for c in doc.clauses if c.kind.value == "measure"]


@pytest.mark.parametrize(
    ("body", "labels"),
    [
        ("1、对创新药给予100万元奖励。\n2、对仿制药给予50万元奖励。\n", ["1、", "2、"]),
        ("1.对创新药给予100万元奖励。\n2.对仿制药给予50万元奖励。\n", ["1.", "2."]),
        ("（一）对创新药给予100万元奖励。\n（二）对仿制药给予50万元奖励。\n", ["（一）", "（二）"]),
        (
            "一、对创新药给予100万元奖励，鼓励企业加大研发投入。\n二、对仿制药给予50万元奖励。\n",
            ["一、", "二、"],
        ),
        ("第一条 对创新药给予100万元奖励。\n第二条 对仿制药给予50万元奖励。\n", ["第一条", "第二条"]),
    ],
)
def test_every_label_style_gives_measures(tmp_path, body, labels):
    doc = _doc(tmp_path, body)
    measures = [c for c in doc.clauses if c.kind.value == "measure"]
    assert [c.label for c in measures] == labels
    assert "100万元" in measures[0].text and "50万元" in measures[1].text
    assert doc.warnings == []


def test_articles_under_chapters_and_the_closing_article(tmp_path):
    body = (
        "第一章 总则\n第一条 为促进产业发展，制定本办法。\n第二章 奖励\n"
        "第二条 对创新药给予100万元奖励。\n第三条 本办法自2025年3月1日起施行。\n"
    )
    doc = _doc(tmp_path, body)
    sections = [c for c in doc.clauses if c.kind.value == "section"]
    assert [s.title for s in sections] == ["总则", "奖励"]
    measure = next(c for c in doc.clauses if c.id == "county-x/m2")
    assert measure.parent_id == "county-x/s2"
    assert str(doc.in_force_from) == "2025-03-01"  # read from the closing article


def test_other_labels_inside_a_measure_are_its_paragraphs(tmp_path):
    body = "(一)支持研发。\n1.对创新药给予100万元奖励。\n2.对仿制药给予50万元奖励。\n(二)支持产业化。\n"
    doc = _doc(tmp_path, body)
    ids = [c.id for c in doc.clauses if c.doc_id == "county-x" and c.id.startswith("county-x/m")]
    # the measure's own sentence is its first paragraph, each numbered item the next
    assert ids == ["county-x/m1", "county-x/m1/p1", "county-x/m1/p2", "county-x/m1/p3", "county-x/m2"]
    assert next(c for c in doc.clauses if c.id == "county-x/m1/p2").text.startswith("1.对创新药")


def test_no_measures_found_is_a_warning(tmp_path):
    doc = _doc(tmp_path, "各地要加快推进生物医药产业发展。\n")
    assert doc.warnings and "没有识别出措施一级的条款" in doc.warnings[0]


def test_the_source_text_is_kept_exactly_as_received(tmp_path):
    doc = _doc(tmp_path, HALF_WIDTH)
    received = (tmp_path / "policies" / "county-x" / "source.txt").read_text(encoding="utf-8")
    assert doc.raw_text == received
    first = next(c for c in doc.clauses if c.id == "county-x/m1")
    assert first.raw_text in received and first.raw_text.startswith("(一)")


def test_document_yaml_gives_the_number_when_the_text_lacks_it(tmp_path):
    body = HALF_WIDTH
    doc = _doc(tmp_path, body, notice_end="(此件主动公开)", spec="number: 某政规〔2025〕9号\n")
    assert doc.number == "某政规〔2025〕9号"  # document.yaml's number wins over the text's
