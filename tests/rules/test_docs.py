"""docs/rule-authoring.md says what the code does: every field, operator, event, loader message.

The guide is what a policy analyst reads instead of the code. Each test derives its list from the
models, the catalogue, the loader or the test runner, so a field, event type or message added
there and not explained in the guide fails here.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from biopolicy.corpus.loader import load_corpus
from biopolicy.domain.assessment import YearTotal
from biopolicy.rules import jsonschema as gen
from biopolicy.rules import loader as rules_loader
from biopolicy.rules import schema
from biopolicy.rules.loader import RulesError, load_catalogue, load_rules
from biopolicy.services.calculator import get_calculator

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "rule-authoring.md"
POLICIES = ROOT / "policies"
RUNNER = ROOT / "src" / "biopolicy" / "services" / "checks.py"


@pytest.fixture(scope="module")
def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def _in_code(guide: str, word: str) -> bool:
    return f"`{word}`" in guide or re.search(rf"`[^`\n]*\b{re.escape(word)}\b[^`\n]*`", guide) is not None


def _fields(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items() if name != "doc_id"]


# ---------------------------------------------------------------- the catalogue section


def test_catalogue_section_is_what_the_catalogue_says_now(guide, catalogue):
    assert gen.CATALOGUE_START in guide and gen.CATALOGUE_END in guide
    assert guide == gen.with_catalogue_section(guide, catalogue), (
        f"docs/rule-authoring.md 的事件目录一节已过期：请运行 `{gen.REGENERATE}` 重新生成并提交"
    )


def test_guide_names_every_event_type_and_attribute(guide, catalogue):
    missing = [name for name in catalogue.events if f"`{name}`" not in guide]
    missing += [
        f"{name}.{attr}"
        for name, et in catalogue.events.items()
        for attr in et.attributes
        if f"`{attr}`" not in guide
    ]
    missing += [t for t in catalogue.product_types if f"`{t}`" not in guide]
    assert not missing, missing


# ---------------------------------------------------------------- the rule language


@pytest.mark.parametrize(
    "model",
    [
        schema.PolicyFile,
        schema.Measure,
        schema.ApplicantSpec,
        schema.Window,
        schema.Note,
        schema.Instalments,
        schema.AmountSpec,
        schema.AmountTable,
        schema.TableRow,
        schema.Cap,
        schema.Overlap,
        schema.Compare,
        schema.All,
        schema.AnyOf,
        schema.Not,
        schema.CategoryRef,
        # being added to the rule language at the time of writing: checked once they exist
        *[m for m in (getattr(schema, "Headroom", None), getattr(schema, "Funding", None)) if m],
    ],
)
def test_guide_explains_every_field(guide, model):
    assert [f for f in _fields(model) if not _in_code(guide, f)] == [], model.__name__


@pytest.mark.parametrize("enum", [schema.AmountKind, schema.CapScope, schema.OverlapKind, schema.MeasureKind])
def test_guide_explains_every_value_of(guide, enum):
    assert [v.value for v in enum if f"`{v.value}`" not in guide] == []


def test_guide_explains_every_operator(guide):
    assert [op for op in schema.OPERATOR_NAMES if f"`{op}`" not in guide] == []


def test_guide_lists_every_fact_path_the_loader_accepts(guide):
    paths = [f"event.{f}" for f in rules_loader.EVENT_FIELDS]
    paths += [f"product.{f}" for f in rules_loader.PRODUCT_FIELDS]
    paths += [f"applicant.{f}" for f in rules_loader.APPLICANT_FIELDS]
    assert [p for p in sorted(paths) if f"`{p}`" not in guide] == []


@pytest.mark.parametrize(
    "word, operator",
    [("以上", "gte"), ("以下", "lte"), ("以内", "lte"), ("不满", "lt"), ("超过", "gt"), ("不少于", "gte")],
)
def test_guide_reads_each_threshold_word_as_the_glossary_does(guide, word, operator):
    # GLOSSARY: 以上, 以下, 以内 include the number; 不满, 超过 exclude it
    rows = [line for line in guide.splitlines() if line.startswith(f"| {word} ")]
    assert rows, f"阈值词“{word}”没有对照行"
    assert f"`{operator}`" in rows[0]


# ---------------------------------------------------------------- tests.yaml


def _runner_keys() -> set[str]:
    source = RUNNER.read_text(encoding="utf-8")
    keys = set(re.findall(r'(?:want|expect|spec|case)(?:\.get\(|\[)["\'](\w+)["\']', source))
    keys |= set(re.findall(r'"(\w+)" in (?:want|expect)', source))
    keys |= set(re.findall(r'\["amount"\]\.get\("(\w+)"\)|\["amount"\]\["(\w+)"\]', source)[0])
    keys |= set(re.findall(r'i\["(\w+)"\]', source))
    return {k for k in keys if k}


def test_guide_explains_every_key_the_test_runner_reads(guide):
    keys = _runner_keys()
    assert {"name", "case", "expect", "entitlements", "measure_id", "not_paid", "totals", "covered"} <= keys
    assert sorted(k for k in keys if f"`{k}`" not in guide) == []
    assert "`overall`" in guide
    # totals: the runner compares any field of a year's total the case names
    assert [f for f in YearTotal.model_fields if f != "year" and f"`{f}`" not in guide] == []


def test_tests_yaml_example_in_the_guide_passes(guide):
    """The tests.yaml example the guide shows is a case the runner would accept and pass."""
    block = _block_after(guide, "tests.yaml 示例")
    (spec,) = yaml.safe_load(block)
    result = get_calculator().assess(spec["case"])
    got = {(e.measure_id, e.event_id): e for e in result.entitlements}
    for want in spec["expect"]["entitlements"]:
        e = got[(want["measure_id"], want["event_id"])]
        assert e.eligibility.value == want["eligibility"]
        assert (e.amount.kind, str(e.amount.value)) == (want["amount"]["kind"], want["amount"]["value"])
    overall = next(t for t in result.totals if t.year is None)
    assert str(overall.exact) == spec["expect"]["totals"]["overall"]["exact"]


def _block_after(guide: str, marker: str, lang: str = "yaml") -> str:
    start = guide.index(marker)
    match = re.compile(rf"```{lang}\n(.*?)```", re.S).search(guide, start)
    assert match, f"{marker} 后没有 {lang} 代码块"
    return match.group(1)


# ---------------------------------------------------------------- the worked example


def test_worked_example_quotes_the_real_measure(guide):
    shown = yaml.safe_load(_block_after(guide, "对应的规则：", "yaml"))
    real = yaml.safe_load((POLICIES / "xm-2023" / "measures.yaml").read_text(encoding="utf-8"))
    measure = next(m for m in real["measures"] if m["id"] == "xm-2023/m16-national-top-up")
    assert shown == measure, "实例中的 YAML 应与 policies/xm-2023/measures.yaml 中的措施一致"


def test_worked_example_quotes_what_the_engine_says(guide):
    case = gen.example_cases(ROOT / "docs" / "examples")["xm-centre-national-top-up"]
    result = get_calculator().assess(case)
    top_up = next(
        e for e in result.entitlements if e.measure_id == "xm-2023/m16-national-top-up" and e.event_id == "e2"
    )
    assert str(top_up.amount.value) == "8000000"
    quoted = [s.text for s in top_up.steps if s.text.startswith("补足至")]
    assert quoted and quoted[0] in guide


# ---------------------------------------------------------------- the loader's messages


def _edit(root: Path, change, doc: str = "xm-2023") -> None:
    path = root / doc / "measures.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _measure(data: dict, measure_id: str) -> dict:
    return next(m for m in data["measures"] if m["id"] == measure_id)


def _set_first_rate(d: dict) -> None:
    _measure(d, "xm-2023/m1-clinical")["amount"]["table"][0]["amount"]["rate"] = "45%"


MISTAKES = {
    "dangling clause": lambda d: _measure(d, "xm-2023/m20-talent").update(clauses=["xm-2023/m99"]),
    "excerpt": lambda d: _measure(d, "xm-2023/m20-talent").update(excerpt="经审核确认的给予最高100万元补贴"),
    "amount": lambda d: _measure(d, "xm-2023/m16-city-accepted")["amount"].update(value="2500000"),
    "rate": _set_first_rate,
    "cap amount": lambda d: d["caps"][0].update(amount="200000000"),
    "fact path": lambda d: _measure(d, "xm-2023/m20-talent").update(
        conditions={"fact": "event.recruited", "within_years": 3}
    ),
    "category": lambda d: _measure(d, "xm-2023/m1-clinical")["amount"]["table"][0].update(
        when={"category": "novel"}
    ),
    "duplicate": lambda d: d["measures"].append(dict(_measure(d, "xm-2023/m20-talent"))),
    "cap names unknown measure": lambda d: d["caps"][0].update(measures=["xm-2023/m1-clinicl"]),
    "missing field": lambda d: d["measures"][0].pop("excerpt"),
    "unknown field": lambda d: d["measures"][0].update(titel="错拼的字段"),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus") / "policies"
    shutil.copytree(POLICIES, root)
    return load_corpus(root)


def loader_messages(corpus, tmp: Path) -> dict[str, str]:
    """The first message the loader gives for each mistake, as the guide quotes it."""
    out = {}
    for name, change in MISTAKES.items():
        root = tmp / name.replace(" ", "-") / "policies"
        shutil.copytree(POLICIES, root)
        _edit(root, change)
        with pytest.raises(RulesError) as exc:
            load_rules(corpus, load_catalogue(root), root)
        out[name] = exc.value.problems[0]
    return out


def test_guide_quotes_the_loaders_messages_exactly(guide, corpus, tmp_path):
    messages = loader_messages(corpus, tmp_path)
    assert {name: m for name, m in messages.items() if m not in guide} == {}


def test_guide_quotes_the_messages_for_an_unreadable_file(guide):
    assert "policies/xm-2023/measures.yaml：不是 UTF-8 编码的文本" in guide
    assert "policies/xm-2023/measures.yaml：YAML 格式错误 第 " in guide
    assert "event：未知的事件类型“talent_recruit”，应为 clinical_stage_completed、" in guide
