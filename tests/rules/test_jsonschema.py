"""The JSON Schemas and examples under docs/ are what the code makes now, and say what they mean.

An API user or analyst reads docs/schemas and docs/examples instead of the Python models; these
tests fail as soon as the two disagree, and say which command brings the files up to date.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from biopolicy.domain.assessment import Assessment
from biopolicy.domain.case import Case
from biopolicy.rules import jsonschema as gen
from biopolicy.rules.loader import load_catalogue
from biopolicy.services import reference
from biopolicy.services.calculator import get_calculator

DOCS = Path(__file__).resolve().parents[2] / "docs"
SCHEMAS = DOCS / "schemas"
EXAMPLES = DOCS / "examples"
STALE = f"已过期：请运行 `{gen.REGENERATE}` 重新生成并提交"
HAS_JSONSCHEMA = importlib.util.find_spec("jsonschema") is not None


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def generated(catalogue):
    return gen.schemas(catalogue)


def _validate(instance: dict, schema_file: str, model) -> None:
    """Against the committed JSON Schema when the jsonschema package is installed, else the model."""
    if HAS_JSONSCHEMA:
        import jsonschema

        schema = json.loads((SCHEMAS / schema_file).read_text(encoding="utf-8"))
        jsonschema.validate(instance, schema, format_checker=jsonschema.FormatChecker())
    else:
        model.model_validate(instance)


def _properties(schema: dict):
    """Every (where, name, property) of a schema, its definitions and event-type branches."""
    nodes = [("(root)", schema), *schema.get("$defs", {}).items()]
    for where, node in nodes:
        for name, prop in node.get("properties", {}).items():
            yield where, name, prop
        for branch in node.get("allOf", []):
            for name, prop in branch.get("then", {}).get("properties", {}).items():
                if prop is not True:
                    yield f"{where}:{branch['if']['properties']['type']['const']}", name, prop


# ---------------------------------------------------------------- schemas


@pytest.mark.parametrize(
    "filename", ["policy-file.schema.json", "case.schema.json", "assessment.schema.json"]
)
def test_committed_schema_is_what_the_code_generates(generated, filename):
    path = SCHEMAS / filename
    assert path.exists(), f"docs/schemas/{filename} 不存在：请运行 `{gen.REGENERATE}`"
    assert path.read_text(encoding="utf-8") == gen.render(generated[filename]), (
        f"docs/schemas/{filename} {STALE}"
    )


@pytest.mark.parametrize(
    "filename", ["policy-file.schema.json", "case.schema.json", "assessment.schema.json"]
)
def test_every_field_has_a_chinese_description(generated, filename):
    undocumented = [
        f"{where}.{name}"
        for where, name, prop in _properties(generated[filename])
        if not any("\u4e00" <= ch <= "\u9fff" for ch in prop.get("description", ""))
    ]
    assert not undocumented, f"请在 jsonschema.DESCRIPTIONS 中补充中文说明：{undocumented}"


def test_rule_schema_uses_the_words_written_in_yaml(generated):
    defs = generated["policy-file.schema.json"]["$defs"]
    # an analyst writes `in`, `not` and `from`; the Python names in_, not_, from_ must not leak
    assert {"in", "not_in"} <= set(defs["Compare"]["properties"])
    assert "in_" not in defs["Compare"]["properties"]
    assert set(defs["Not"]["properties"]) == {"not", "label"}
    assert set(defs["Window"]["properties"]) == {"from", "to"}
    # doc_id is filled by the loader; writing it in YAML would be a mistake
    assert "doc_id" not in defs["Measure"]["properties"]
    assert defs["Measure"]["additionalProperties"] is False


def test_rule_schema_lists_every_amount_kind_cap_scope_and_overlap_kind(generated):
    defs = generated["policy-file.schema.json"]["$defs"]
    assert {"exact", "at_most", "at_least", "unknown", "top_up"} <= set(defs["AmountKind"]["enum"])
    assert defs["CapScope"]["enum"] == ["product", "subject", "subject_year", "applicant_year", "applicant"]
    assert defs["OverlapKind"]["enum"] == ["highest_only", "excludes"]


def test_case_schema_types_each_event_attribute_from_the_catalogue(generated, catalogue):
    event = generated["case.schema.json"]["$defs"]["Event"]
    assert event["properties"]["type"]["enum"] == list(catalogue.events)
    branches = {b["if"]["properties"]["type"]["const"]: b["then"] for b in event["allOf"]}
    assert set(branches) == set(catalogue.events)
    for name, event_type in catalogue.events.items():
        props = branches[name]["properties"]
        assert branches[name]["additionalProperties"] is False, name  # a misspelt attribute is refused
        assert set(props) == {"id", "type", "date", "product_id", "subject", *event_type.attributes}, name
        for attr, spec in event_type.attributes.items():
            if spec.values:
                assert props[attr]["enum"] == list(spec.values), f"{name}.{attr}"
    stage = branches["clinical_stage_completed"]["properties"]["stage"]
    assert "phase_2" in stage["enum"] and "Ⅱ期临床试验" in stage["description"]


def test_case_schema_lists_the_product_types_of_the_catalogue(generated, catalogue):
    product_type = generated["case.schema.json"]["$defs"]["Product"]["properties"]["type"]
    assert product_type["enum"] == list(catalogue.product_types)


def test_assessment_schema_marks_every_field_present(generated):
    schema = generated["assessment.schema.json"]
    for node in [schema, *schema["$defs"].values()]:
        if "properties" in node:
            assert set(node["required"]) == set(node["properties"]), node.get("title")
    money = schema["$defs"]["AmountResult"]["properties"]["value"]
    assert {"type": "string"} in money["anyOf"]  # money is a decimal string, never a float


def test_main_writes_the_three_schemas_into_outdir(tmp_path, generated, capsys):
    assert reference.main([str(tmp_path)]) == 0
    for filename, schema in generated.items():
        assert (tmp_path / filename).read_text(encoding="utf-8") == gen.render(schema)
    assert "case.schema.json" in capsys.readouterr().out


def test_main_refuses_unknown_options_with_usage(capsys):
    assert reference.main(["--bogus"]) == 2
    assert "用法" in capsys.readouterr().err


@pytest.mark.skipif(not HAS_JSONSCHEMA, reason="jsonschema 未安装")
def test_schema_refuses_what_the_model_refuses():
    import jsonschema

    schema = json.loads((SCHEMAS / "case.schema.json").read_text(encoding="utf-8"))
    case = json.loads((EXAMPLES / "xm-hospital-new-products.case.json").read_text(encoding="utf-8"))
    case["events"][0]["total_amout"] = "1"  # misspelt attribute
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(case, schema)


# ---------------------------------------------------------------- examples


EXAMPLE_NAMES = sorted(gen.example_cases(EXAMPLES))


def test_there_are_at_least_three_examples_each_with_its_assessment():
    assert len(EXAMPLE_NAMES) >= 3
    for name in EXAMPLE_NAMES:
        assert (EXAMPLES / f"{name}{gen.ASSESSMENT_SUFFIX}").exists(), (
            f"{name}：缺少评估结果，请运行 `{gen.REGENERATE}`"
        )


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_example_case_is_a_valid_case(name):
    case = gen.example_cases(EXAMPLES)[name]
    _validate(case, "case.schema.json", Case)
    get_calculator().assess(case)  # and the engine accepts it: known event types, attributes, places


def _comparable(assessment: dict) -> dict:
    # the rules version is a digest of every policy file: it changes with any edit anywhere, while
    # what the example shows only changes when an answer does
    return {k: v for k, v in assessment.items() if k != "rules_version"}


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_example_assessment_is_what_the_engine_answers_now(name):
    case = gen.example_cases(EXAMPLES)[name]
    committed = json.loads((EXAMPLES / f"{name}{gen.ASSESSMENT_SUFFIX}").read_text(encoding="utf-8"))
    now = gen.example_assessment(case, get_calculator())
    assert _comparable(committed) == _comparable(now), f"docs/examples/{name}{gen.ASSESSMENT_SUFFIX} {STALE}"
    _validate(committed, "assessment.schema.json", Assessment)


def _entitlement(name: str, measure_id: str, event_id: str) -> dict:
    assessment = json.loads((EXAMPLES / f"{name}{gen.ASSESSMENT_SUFFIX}").read_text(encoding="utf-8"))
    return next(
        e for e in assessment["entitlements"] if e["measure_id"] == measure_id and e["event_id"] == event_id
    )


def test_enterprise_example_shows_phase_2_maximum_overlap_and_talent_instalments():
    name = "xm-enterprise-phase2-talent"
    clinical = _entitlement(name, "xm-2023/m1-clinical", "e1")
    assert clinical["amount"]["kind"] == "at_most" and clinical["amount"]["value"] == "12000000"
    assert clinical["overlap"]["outcome"] == "unresolved"  # the province's side states only a ceiling
    talent = _entitlement(name, "xm-2023/m20-talent", "e2")
    assert [(i["year"], i["amount"]) for i in talent["instalments"]] == [
        (2025, "320000"),
        (2026, "240000"),
        (2027, "240000"),
    ]


def test_hospital_example_shows_five_percent_and_the_annual_ceiling():
    name = "xm-hospital-new-products"
    assert _entitlement(name, "xm-2025-1/m15-new-products", "y2025")["amount"]["value"] == "600000"
    capped = _entitlement(name, "xm-2025-1/m15-new-products", "y2026")["amount"]
    assert (capped["before_caps"], capped["value"]) == ("1500000", "1000000")


def test_centre_example_tops_up_to_ten_million_net_of_city_acceptance():
    name = "xm-centre-national-top-up"
    assert _entitlement(name, "xm-2023/m16-city-accepted", "e1")["amount"]["value"] == "2000000"
    top_up = _entitlement(name, "xm-2023/m16-national-top-up", "e2")
    assert top_up["amount"] == {
        "kind": "exact",
        "value": "8000000",
        "before_caps": "8000000",
        "ceiling": None,
    }
