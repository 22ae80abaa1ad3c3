"""Text repair: the 002 punctuation mojibake, letterhead spacing, layout whitespace, running heads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.conftest import repository_documents

from biopolicy.corpus.loader import default_policies_dir
from biopolicy.corpus.repair import (
    MOJIBAKE,
    collapse_spaced_letters,
    is_mojibake_corrupt,
    normalise_spaces,
    repair_mojibake,
)

SOURCES = {d: (default_policies_dir() / d / "source.txt") for d in repository_documents()}


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def source(doc_id: str) -> str:
    return Path(SOURCES[doc_id]).read_text(encoding="utf-8")


# --- detection -------------------------------------------------------------------------------


def test_mapping_follows_the_gbk_rule_of_the_seeds_readme():
    assert MOJIBAKE["袁"] == "，" and MOJIBAKE["尧"] == "、" and MOJIBAKE["遥"] == "。"
    assert MOJIBAKE["曰"] == "；" and MOJIBAKE["院"] == "："
    assert (MOJIBAKE["野"], MOJIBAKE["冶"], MOJIBAKE["叶"], MOJIBAKE["曳"]) == ("“", "”", "《", "》")
    assert (MOJIBAKE["渊"], MOJIBAKE["冤"], MOJIBAKE["也"], MOJIBAKE["页"]) == ("（", "）", "〔", "〕")
    assert (MOJIBAKE["要"], MOJIBAKE["耀"]) == ("—", "～")
    assert (MOJIBAKE["玉"], MOJIBAKE["域"], MOJIBAKE["芋"]) == ("Ⅰ", "Ⅱ", "Ⅲ")


def test_only_002_is_detected_as_corrupt():
    assert is_mojibake_corrupt(source("xm-2023"))
    for doc_id in ("fj-2023-7", "fz-plan", "xm-2025-1", "fj-yj-2025-30"):
        assert not is_mojibake_corrupt(source(doc_id)), doc_id


def test_a_few_real_characters_do_not_make_a_document_corrupt():
    # 001 has a real 遥 (遥遥领先) among hundreds of real commas.
    assert not is_mojibake_corrupt("数量遥遥领先，" * 3 + "袁某某说，" * 20)


# --- per-occurrence repair ---------------------------------------------------------------------


def test_repair_keeps_the_length_so_offsets_stay_valid():
    raw = source("xm-2023")
    assert len(repair_mojibake(raw).text) == len(raw)


def test_sentence_punctuation_is_repaired():
    text = "政策袁并于 2018 年尧2020 年两次进行修订遥 奖励曰责任单位院市科技局"
    assert repair_mojibake(text).text == "政策，并于 2018 年、2020 年两次进行修订。 奖励；责任单位：市科技局"


@pytest.mark.parametrize(
    "word", ["领域", "区域", "医院", "科研院所", "研究院", "主要", "要素", "重要", "需要"]
)
def test_real_words_that_share_a_corrupt_character_survive(word):
    raw = squeeze(source("xm-2023"))
    fixed = squeeze(repair_mojibake(source("xm-2023")).text)
    assert raw.count(word) > 0
    assert fixed.count(word) == raw.count(word)


@pytest.mark.parametrize("word", ["研究型医院", "研发要求", "要素保障", "重点领域"])
def test_real_words_survive_in_a_snippet(word):
    assert repair_mojibake(f"支持{word}建设袁").text == f"支持{word}建设，"


def test_dash_only_in_a_chain_of_short_items():
    assert repair_mojibake("建立卫健要医保要企业面对面机制").text == "建立卫健—医保—企业面对面机制"
    # the chain is found across a line break, as in the source
    assert repair_mojibake("建立卫\n\n健要医保要\n企业").text == "建立卫\n\n健—医保—\n企业"
    assert repair_mojibake("主要发明人要求重要贡献").text == "主要发明人要求重要贡献"
    assert repair_mojibake("每月1要2次").text == "每月1—2次"


def test_quotes_only_where_they_pair():
    assert repair_mojibake("鼓励支持野产学研医\n用冶联合攻关").text == "鼓励支持“产学研医\n用”联合攻关"
    assert repair_mojibake("培育野瞪羚企业冶野单项冠军冶").text == "培育“瞪羚企业”“单项冠军”"
    assert repair_mojibake("保护野生药材遥冶金企业").text == "保护野生药材。冶金企业"


def test_book_title_marks_only_where_they_pair():
    assert repair_mojibake("形成叶若干措施曳").text == "形成《若干措施》"
    assert repair_mojibake("叶片和茎袁遥").text == "叶片和茎，。"


def test_roman_numerals_only_in_the_phase_list():
    assert repair_mojibake("完成玉尧域尧\n芋期临床试验").text == "完成Ⅰ、Ⅱ、\nⅢ期临床试验"
    assert repair_mojibake("重点领域和区域布局").text == "重点领域和区域布局"


def test_document_number_brackets_and_range_tilde():
    assert repair_mojibake("渊闽政也2022页10 号冤").text == "（闽政〔2022〕10 号）"
    assert repair_mojibake("他也说了一页纸").text == "他也说了一页纸"
    assert repair_mojibake("给予渊200耀1000冤万元").text == "给予（200～1000）万元"


def test_ascii_parenthesis_closed_by_a_corrupt_one_is_completed_in_kind():
    text = "(责任单位院市卫健委尧科技局尧市场监管局尧财\n 政局冤"
    assert repair_mojibake(text).text == "(责任单位：市卫健委、科技局、市场监管局、财\n 政局)"


def test_real_punctuation_in_002_survives(clause_of):
    assert clause_of("xm-2023/interp").title == "《厦门市加快推进生物医药产业高质量发展若干措施》政策解读"
    assert "(CRO)" in clause_of("xm-2023/m10/p3").text


def test_repairs_are_recorded_with_counts(doc_of):
    repairs = doc_of("xm-2023").repairs
    mojibake = next(r for r in repairs if "标点乱码" in r)
    assert "袁→，" in mojibake and "遥→。" in mojibake and "处" in mojibake
    assert not any("标点乱码" in r for r in doc_of("fz-plan").repairs)


def test_no_corrupt_character_is_left_where_punctuation_belongs(doc_of):
    text = doc_of("xm-2023").text
    for bad in ("袁", "尧", "遥", "曰", "渊", "冤", "叶", "曳", "野", "冶", "也", "页", "耀", "玉", "芋"):
        assert bad not in text, bad


# --- layout whitespace ------------------------------------------------------------------------


def test_spaced_letterhead_is_collapsed():
    assert collapse_spaced_letters(" 福 建 省 工 业 和 信 息 化 厅") == "福建省工业和信息化厅"
    assert collapse_spaced_letters("福建省商务厅 福建省农业农村厅") == "福建省商务厅 福建省农业农村厅"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("最高给予 1000 万元资助", "最高给予1000万元资助"),
        ("执行至 2025 年 12 月 31 日。", "执行至2025年12月31日。"),
        ("产业链尧 创新链", "产业链尧 创新链"),  # two CJK words: not layout whitespace
        ("产业链、 创新链", "产业链、创新链"),
        ("好年华 聚福州", "好年华 聚福州"),
        ("世界卫生组织预认证（WHO PQ）", "世界卫生组织预认证（WHO PQ）"),
    ],
)
def test_layout_spaces_are_normalised(text, expected):
    assert normalise_spaces(text)[0] == expected


def test_letterhead_of_000_reads_as_names(clause_of):
    notice = clause_of("fj-2023-7/notice").text.split("\n")
    assert notice[0] == "福建省工业和信息化厅"
    assert "福建省药品监督管理局" in notice


# --- lines joined, furniture dropped ----------------------------------------------------------


def test_letterhead_word_wenjian_is_dropped_mid_sentence(clause_of):
    notice = clause_of("fj-2023-7/notice").text
    assert "现将《关于进一步落实<福建省加快生物医药产业高质量发展的实施方案>的若干措施》印发你们" in notice
    assert "文件" not in notice


def test_page_starts_of_000_continue_the_sentence(clause_of):
    assert "打造专业化医疗器械产业聚集地" in clause_of("fj-2023-7/m1").text
    assert "省级财政给予一次性300万元资金奖励" in clause_of("fj-2023-7/m2").text


def test_running_heads_of_002_are_dropped_mid_sentence(doc_of, clause_of):
    assert (
        "支持高校、科研院所、企业建设与生物医药产业发展密切相关的重大创新平台" in clause_of("xm-2023/m5").text
    )
    assert "二是对新增建设的生物医药合同研发机构（CRO）" in clause_of("xm-2023/interp/5/2").text
    for c in doc_of("xm-2023").clauses:
        assert "热点" not in c.text and "话题" not in c.text, c.id


def test_figures_read_as_written(clause_of):
    assert "每年最高给予1000万元资助" in clause_of("fj-2023-7/m4").text
    assert clause_of("fj-2023-7/closing").text.startswith("本措施执行至2025年12月31日。")


def test_an_unflawed_document_keeps_every_character(doc_of, policies):
    fz = doc_of("fz-plan")
    assert squeeze(fz.text) == squeeze(fz.raw_text)
    raw = squeeze(fz.raw_text)
    for c in fz.clauses:
        if c.kind != "table":
            for line in c.text.split("\n"):
                assert squeeze(line) in raw, c.id
