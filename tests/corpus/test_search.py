"""Search over clauses: tokenisation, matching, ranking, snippets, validation, and the real corpus."""

from __future__ import annotations

import html

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from biopolicy.corpus.loader import load_corpus
from biopolicy.corpus.search import (
    MAX_QUERY_LENGTH,
    QueryError,
    SearchIndex,
    concepts,
    index_terms,
    normalise,
)
from biopolicy.domain import Clause, ClauseKind


def clause(
    local: str,
    text: str,
    *,
    doc: str = "d1",
    parent: str | None = None,
    kind: ClauseKind = ClauseKind.measure,
    title: str | None = None,
    order: int = 0,
) -> Clause:
    return Clause(
        id=f"{doc}/{local}",
        doc_id=doc,
        parent_id=f"{doc}/{parent}" if parent else None,
        kind=kind,
        title=title,
        text=text,
        raw_text=text,
        order=order,
    )


def ids(hits) -> list[str]:
    return [h.clause_id for h in hits]


# --- tokenisation --------------------------------------------------------------------------


def test_normalise_folds_full_width_and_case_keeping_length():
    text = "ＧＭＰ认证，ＣＡＲ－Ｔ　疗法"
    folded = normalise(text)
    assert folded == "gmp认证,car-t 疗法"
    assert len(folded) == len(text)


def test_index_terms_has_bigrams_characters_and_jieba_words():
    terms = index_terms(normalise("开展临床试验，GMP检查"))
    assert terms["b:临床"] == 1 and terms["b:床试"] == 1 and terms["b:试验"] == 1
    assert terms["u:临"] == 1
    assert terms["w:临床试验"] == 1 and terms["w:临床"] == 1
    assert terms["w:gmp"] == 1
    assert "b:验g" not in terms and "b:验," not in terms  # bigrams never cross a script or punctuation


def test_query_concepts_split_unsegmented_words_and_glue_unknown_pairs():
    assert [c.text for c in concepts("临床试验奖励")] == ["临床试验", "奖励"]
    assert [c.text for c in concepts("临床试验 奖励")] == ["临床试验", "奖励"]
    # jieba does not know 挂网 and splits it into two characters; they are meant together
    assert [c.text for c in concepts("挂网")] == ["挂网"]
    assert [c.text for c in concepts("药")] == ["药"]
    assert [c.text for c in concepts("ＧＭＰ")] == ["gmp"]


def test_query_drops_stop_characters_only_when_something_else_remains():
    assert [c.text for c in concepts("伦理 的")] == ["伦理"]
    assert [c.text for c in concepts("的")] == ["的"]


# --- matching --------------------------------------------------------------------------------


def test_two_character_word_matches_inside_longer_words():
    index = SearchIndex(
        [
            clause("m1", "推动医学伦理审查互认。"),
            clause("m2", "建立伦理审查联盟。"),
            clause("m3", "支持创新药研发。"),
        ]
    )
    assert sorted(ids(index.search("伦理"))) == ["d1/m1", "d1/m2"]


def test_single_character_query_matches():
    index = SearchIndex([clause("m1", "支持创新药研发。"), clause("m2", "建设研究型病房。")])
    assert ids(index.search("药")) == ["d1/m1"]


def test_latin_query_matches_full_width_text():
    index = SearchIndex([clause("m1", "通过ＧＭＰ符合性检查的企业。"), clause("m2", "其他企业。")])
    assert ids(index.search("gmp")) == ["d1/m1"]


def test_no_match_and_punctuation_only_query_return_nothing():
    index = SearchIndex([clause("m1", "支持创新药研发。")])
    assert index.search("航空航天") == []
    assert index.search("，。！") == []


# --- ranking ---------------------------------------------------------------------------------


MULTI = [
    clause("m1", "给予奖励。奖励标准提高，奖励资金及时拨付，奖励对象公示。", order=1),
    clause("m2", "对完成临床试验的企业给予奖励。", order=2),
    clause("m3", "临床试验机构备案，临床试验项目登记。", order=3),
]


@pytest.mark.parametrize("query", ["临床试验 奖励", "临床试验奖励"])
def test_clause_with_every_word_beats_clauses_with_one(query):
    hits = SearchIndex(MULTI).search(query)
    assert ids(hits)[0] == "d1/m2"
    assert set(ids(hits)) == {"d1/m1", "d1/m2", "d1/m3"}  # AND-ish: partial matches still listed


def test_title_weighs_more_than_body():
    index = SearchIndex(
        [
            clause("m1", "各地应当加强统筹。同时做好原料药保障。", order=1),
            clause("m2", "各地应当加强统筹。同时做好配套保障。", title="支持原料药发展", order=2),
        ]
    )
    assert ids(index.search("原料药"))[0] == "d1/m2"


def test_term_in_every_document_weighs_less_than_a_distinctive_one():
    clauses = [clause("m1", f"企业名录{i}。", doc=f"d{i}") for i in range(4)]
    clauses += [
        clause("m9", "企业企业企业企业，简化手续。", doc="d0"),
        clause("m8", "企业可申请挂网。", doc="d1"),
    ]
    index = SearchIndex(clauses)
    # 企业 is everywhere and repeated in m9; 挂网 is distinctive, so m8 leads
    assert ids(index.search("企业 挂网"))[0] == "d1/m8"


def test_measure_beats_the_section_that_repeats_its_text():
    m1 = "（一）推动医学伦理审查互认，建立伦理审查互认机制。"
    m2 = "（二）提升检验检测能力。"
    clauses = [
        clause("s1", "一、优化创新生态\n" + m1 + "\n" + m2, kind=ClauseKind.section, title="优化创新生态"),
        clause("m1", m1, parent="s1", order=1),
        clause("m2", m2, parent="s1", order=2),
        clause("m3", "其他措施涉及伦理。", order=3),
    ]
    hits = SearchIndex(clauses).search("伦理")
    assert ids(hits)[0] == "d1/m1"
    assert "d1/s1" not in ids(hits)  # the measure stands for the section that only repeats it


def test_paragraph_beats_its_measure_and_measure_stays_when_words_are_spread():
    p1 = "对新获批的一类新药给予奖励。"
    p2 = "对开展临床试验的机构给予补助。"
    clauses = [
        clause("m10", p1 + "\n" + p2, title=None),
        clause("m10/p1", p1, parent="m10", kind=ClauseKind.paragraph, order=1),
        clause("m10/p2", p2, parent="m10", kind=ClauseKind.paragraph, order=2),
    ]
    index = SearchIndex(clauses)
    assert ids(index.search("一类新药")) == ["d1/m10/p1"]
    # 一类新药 and 临床试验 only meet in the measure: it matches more than either paragraph
    assert ids(index.search("一类新药 临床试验"))[0] == "d1/m10"


def test_heading_only_section_is_not_damped():
    clauses = [
        clause("s1", "一、壮大产业规模", kind=ClauseKind.section, title="壮大产业规模"),
        clause("m1", "支持企业兼并重组。", parent="s1", order=1),
        clause("m2", "产业规模持续扩大，产业链条完善，产业集群壮大发展。", order=2),
    ]
    assert ids(SearchIndex(clauses).search("壮大产业规模"))[0] == "d1/s1"


# --- snippets --------------------------------------------------------------------------------


def test_snippet_marks_every_matched_term():
    index = SearchIndex(MULTI)
    hit = index.search("临床试验 奖励")[0]
    assert hit.snippet == "对完成<mark>临床试验</mark>的企业给予<mark>奖励</mark>。"


def test_snippet_is_html_escaped():
    index = SearchIndex([clause("m1", '标准<b>"奖励"</b> & 补助')])
    snippet = index.search("奖励")[0].snippet
    assert snippet == "标准&lt;b&gt;&quot;<mark>奖励</mark>&quot;&lt;/b&gt; &amp; 补助"


def test_snippet_of_a_long_clause_is_cut_around_the_match_with_ellipses():
    text = "甲" * 300 + "伦理审查" + "乙" * 300
    snippet = SearchIndex([clause("m1", text)]).search("伦理")[0].snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>伦理</mark>审查" in snippet
    plain = snippet.replace("<mark>", "").replace("</mark>", "")
    assert len(plain) == 120 + 2


def test_snippet_window_prefers_showing_every_concept():
    text = "奖励" + "甲" * 200 + "临床试验给予奖励" + "乙" * 200
    snippet = SearchIndex([clause("m1", text)]).search("临床试验 奖励")[0].snippet
    assert "<mark>临床试验</mark>给予<mark>奖励</mark>" in snippet


def test_snippet_marks_bigrams_of_a_concept_not_found_whole():
    index = SearchIndex([clause("m1", "建立医学伦理委员会，开展审查。")])
    snippet = index.search("伦理审查")[0].snippet
    assert "<mark>伦理</mark>" in snippet and "<mark>审查</mark>" in snippet


def test_snippet_shows_start_of_text_when_match_is_only_in_title():
    index = SearchIndex([clause("m1", "对符合条件的企业给予支持。", title="原料药")])
    assert index.search("原料药")[0].snippet == "对符合条件的企业给予支持。"


# --- limit and filter ------------------------------------------------------------------------


def test_limit_and_doc_id_filter():
    clauses = [clause(f"m{i}", f"第{i}条 挂网采购。", doc=f"d{i % 3}", order=i) for i in range(12)]
    index = SearchIndex(clauses)
    assert len(index.search("挂网")) == 12
    assert len(index.search("挂网", limit=5)) == 5
    only = index.search("挂网", doc_id="d1")
    assert len(only) == 4 and {h.doc_id for h in only} == {"d1"}
    assert index.search("挂网", doc_id="nowhere") == []


def test_hits_are_ranked_best_first_with_float_scores():
    hits = SearchIndex(MULTI).search("临床试验 奖励")
    scores = [h.score for h in hits]
    assert all(isinstance(s, float) for s in scores)
    assert scores == sorted(scores, reverse=True)


# --- validation ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_index() -> SearchIndex:
    return SearchIndex(MULTI)


@pytest.mark.parametrize("query", ["", " ", "\u3000\t\n"])
def test_empty_query_is_rejected(small_index, query):
    with pytest.raises(QueryError, match="查询词不能为空"):
        small_index.search(query)


def test_query_length_limit_at_both_sides(small_index):
    assert MAX_QUERY_LENGTH == 200
    small_index.search("奖" * 200)  # exactly at the limit: fine
    with pytest.raises(QueryError, match="查询词最长200个字符，收到 201 个"):
        small_index.search("奖" * 201)


def test_query_error_is_a_value_error_and_limit_must_be_positive(small_index):
    assert issubclass(QueryError, ValueError)
    with pytest.raises(QueryError, match="limit"):
        small_index.search("奖励", limit=0)


# --- the real corpus -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_index() -> SearchIndex:
    return SearchIndex(load_corpus().all_clauses())


def top(index: SearchIndex, query: str, n: int, doc_id: str | None = None) -> list[str]:
    return ids(index.search(query, limit=n, doc_id=doc_id))


def within(clause_ids: list[str], wanted: str) -> bool:
    """``wanted`` or one of its sub-clauses (m10 accepts m10/p1) is among ``clause_ids``."""
    return any(c == wanted or c.startswith(wanted + "/") for c in clause_ids)


def test_corpus_ethics_review_leads_with_xiamen_mutual_recognition(corpus_index):
    assert within(top(corpus_index, "伦理", 1), "xm-2025-1/m6")


def test_corpus_procurement_listing_measures_of_three_documents(corpus_index):
    hits = top(corpus_index, "挂网", 3)
    for wanted in ("fj-2023-7/m14", "xm-2025-1/m10", "fj-yj-2025-30/m7"):
        assert within(hits, wanted), (wanted, hits)


# --- properties ------------------------------------------------------------------------------

_ALPHABET = "伦理审查挂网临床试验奖励药的<>&\"' \nＡa1，。"


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=_ALPHABET, min_size=1, max_size=400), query=st.text(alphabet=_ALPHABET, max_size=6)
)
def test_snippet_is_an_escaped_excerpt_of_the_text(text, query):
    assume(query.strip())
    index = SearchIndex([clause("m1", text)])
    for hit in index.search(query):
        body = hit.snippet.removeprefix("…").removesuffix("…")
        assert "<" not in body.replace("<mark>", "").replace("</mark>", "")
        plain = html.unescape(body.replace("<mark>", "").replace("</mark>", ""))
        assert plain in text.replace("\n", " ")
        assert len(plain) <= 120


def test_corpus_generic_drug_consistency_evaluation_reward(corpus_index):
    assert within(top(corpus_index, "一致性评价", 1), "xm-2023/m1")


def test_corpus_hospital_reception_day(corpus_index):
    assert within(top(corpus_index, "接待日", 1), "fj-2023-7/m12")


def test_corpus_working_day_time_limits(corpus_index):
    hits = top(corpus_index, "工作日", 2)
    assert within(hits, "fj-yj-2025-30/m9") and within(hits, "fj-yj-2025-30/m11"), hits


def test_corpus_clinical_research_centres_measure_beats_its_interpretation(corpus_index):
    hits = top(corpus_index, "临床医学研究中心", 3)
    assert hits[0] == "xm-2023/m16"
    assert hits.index("xm-2023/interp/5/3") > 0  # the 政策解读 summary is found, after the measure


def test_corpus_active_pharmaceutical_ingredients(corpus_index):
    hits = top(corpus_index, "原料药", 2)
    assert hits[0] == "fj-2023-7/m10"
    assert "fj-2023-7/m3" in hits


def test_corpus_pharmacy_committee_meetings(corpus_index):
    hits = top(corpus_index, "药事管理", 2)
    assert hits == ["fj-2023-7/m15", "xm-2025-1/m13"]


def test_corpus_informed_consent_is_only_in_ethics_measure(corpus_index):
    assert top(corpus_index, "知情同意", 1) == ["xm-2025-1/m6"]


def test_corpus_no_double_funding_rule(corpus_index):
    hits = top(corpus_index, "就高不重复", 3)
    assert within(hits[:1], "xm-2025-1/closing")
    assert within(hits, "xm-2023/other")  # 就高从优不重复: matched by its parts


def test_corpus_validity_period_of_both_xiamen_policies(corpus_index):
    hits = top(corpus_index, "有效期", 2)
    assert within(hits, "xm-2025-1/closing") and within(hits, "xm-2023/other"), hits


def test_corpus_research_wards(corpus_index):
    assert set(top(corpus_index, "研究型病房", 2)) == {"xm-2025-1/m5", "fj-yj-2025-30/m4"}


@pytest.mark.parametrize("query", ["临床试验 奖励", "临床试验奖励"])
def test_corpus_clinical_trial_reward_finds_measures_not_commentary(corpus_index, query):
    hits = corpus_index.search(query, limit=5)
    assert within([hits[0].clause_id], "xm-2023/m1")
    assert not any("/interp" in h.clause_id for h in hits)
    assert "<mark>临床试验</mark>" in hits[0].snippet and "<mark>奖励</mark>" in hits[0].snippet


def test_corpus_latin_abbreviation(corpus_index):
    hits = top(corpus_index, "CRO", 5)
    assert within(hits, "fj-2023-7/m5") and within(hits, "xm-2023/m10"), hits


def test_corpus_doc_filter_and_specific_clause_over_its_measure(corpus_index):
    hits = top(corpus_index, "挂网", 5, doc_id="xm-2023")
    assert hits[0] == "xm-2023/m14/p1"
    assert "xm-2023/m14" not in hits  # the paragraph stands for the measure that repeats it


def test_jieba_is_initialised_when_the_index_is_built_not_on_first_query():
    import jieba

    index = SearchIndex([])
    assert jieba.dt.initialized
    assert index.search("伦理") == [] and len(index) == 0
