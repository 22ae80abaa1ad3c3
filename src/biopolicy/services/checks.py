"""Checks a policies folder the way an analyst needs: ``biopolicy check`` and the test suite share it.

``run_checks(folder)`` loads the corpus and the rules of ``folder`` (a document whose rules fail is
skipped, with its problems, and the others keep working), runs every ``<doc>/tests.yaml``, the
coverage check and the relations check (rules/relations.py: pairs of measures of different documents
on one event type, declared or listed as independent), and reports per document and per file in
Chinese. ``check_case`` is the one runner of a named case: ``tests/test_policy_cases.py`` calls it
for each case of the settings' folder.

A tests.yaml case is a sentence that states what it proves; its input is a case in the case format,
assessed against all policies; its ``expect`` lists the entitlements it checks, or, for a case the
calculator must refuse, ``refused``: words that must each stand in one of the problems it names.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from biopolicy.corpus.loader import default_policies_dir, load_corpus
from biopolicy.domain.case import CaseError
from biopolicy.rules.coverage import coverage_problems, read_coverage
from biopolicy.rules.loader import RulesError, load_catalogue, load_rules
from biopolicy.rules.milestones import load_milestones
from biopolicy.rules.relations import relation_problems
from biopolicy.services.calculator import Calculator
from biopolicy.services.guides import guide_problems

TESTS_FILE = "tests.yaml"
DRAFT_MARK = "draft"  # a measure or case add-document wrote, not yet completed by the analyst


class CaseResult(BaseModel):
    file: str = Field(description="用例文件，如 policies/xm-2023/tests.yaml")
    name: str = Field(description="用例名称（一句话说明它证明什么）")
    problems: list[str] = Field(description="未通过的原因；为空表示通过")


class DocumentCheck(BaseModel):
    doc_id: str
    load_errors: list[str] = Field(default_factory=list, description="文件本身未能载入的原因")
    rule_errors: list[str] = Field(
        default_factory=list, description="措施未能载入的原因（该文件的测算已停用）"
    )
    measures: int = Field(0, description="已载入的措施数")
    cases: list[CaseResult] = Field(default_factory=list)
    coverage: list[str] = Field(default_factory=list, description="覆盖检查发现的问题")
    guides: list[str] = Field(default_factory=list, description="申兑指南（guides.yaml）的问题")
    relations: list[str] = Field(
        default_factory=list,
        description="与其他文件的关系：同一类事件触发、地点相交的措施，既未声明重叠也未列为互不影响",
    )

    @property
    def ok(self) -> bool:
        return not (
            self.load_errors or self.rule_errors or self.coverage or self.guides or self.relations
        ) and all(not c.problems for c in self.cases)


class CheckReport(BaseModel):
    policies: str = Field(description="检查的政策文件夹")
    documents: list[DocumentCheck]
    general: list[str] = Field(default_factory=list, description="不属于某一份文件的问题")

    @property
    def ok(self) -> bool:
        return not self.general and all(d.ok for d in self.documents)

    @property
    def failed_cases(self) -> int:
        return sum(1 for d in self.documents for c in d.cases if c.problems)

    @property
    def passed_cases(self) -> int:
        return sum(1 for d in self.documents for c in d.cases if not c.problems)


def policy_cases(root: Path | None = None) -> list[tuple[Path, dict[str, Any]]]:
    """Every named case of every ``<doc>/tests.yaml`` under ``root`` (default: the settings' folder)."""
    root = root or policies_root()
    out = []
    for path in sorted(root.glob(f"*/{TESTS_FILE}")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        out += [(path, case) for case in data]
    return out


def policies_root() -> Path:
    from biopolicy.settings import get_settings

    return get_settings().policies or default_policies_dir()


def load_calculator(root: Path) -> tuple[Calculator, list[tuple[str, str]]]:
    """The calculator of one folder, rules not strict; and the documents that failed to load (path, message)."""
    corpus = load_corpus(root)
    calc = Calculator(
        corpus, load_rules(corpus, load_catalogue(root), root, strict=False), load_catalogue(root)
    )
    return calc, [(e.path, e.message) for e in corpus.errors]


def run_checks(root: Path | None = None) -> CheckReport:
    root = Path(root or policies_root())
    report = CheckReport(policies=str(root), documents=[])
    if not root.is_dir():
        report.general.append(f"找不到政策文件夹 {root}")
        return report
    try:
        calc, load_errors = load_calculator(root)
    except RulesError as exc:  # the catalogue itself: nothing can be checked without it
        report.general += exc.problems
        return report
    docs: dict[str, DocumentCheck] = {}

    def doc(doc_id: str) -> DocumentCheck:
        return docs.setdefault(doc_id, DocumentCheck(doc_id=doc_id))

    for doc_id in calc.corpus.documents:
        doc(doc_id).measures = sum(1 for m in calc.rules.measures.values() if m.doc_id == doc_id)
    for path, message in load_errors:
        doc(Path(path).parent.name).load_errors.append(message)
    for key, problems in calc.rules.skipped.items():
        doc(key).rule_errors += problems
    report.general += calc.rules.pruned
    for path, spec in _cases_or_problems(root, report):
        shown = f"{path.parent.name}/{path.name}"
        name = str(spec.get("name") or "（未命名）") if isinstance(spec, dict) else "（格式错误）"
        if path.parent.name in calc.rules.skipped:
            problems = ["本文件的措施未能载入，用例未运行"]
        else:
            problems = check_case(calc, spec)
        doc(path.parent.name).cases.append(CaseResult(file=shown, name=name, problems=problems))
    for doc_id, problems in coverage_problems(calc.corpus, calc.rules, read_coverage(root)).items():
        if doc_id:
            doc(doc_id).coverage += problems
        else:
            report.general += problems
    for doc_id, problems in guide_problems(calc, root).items():
        if doc_id:
            doc(doc_id).guides += problems
        else:
            report.general += problems
    for doc_id, problems in relation_problems(calc.rules, root, calc.catalogue).items():
        if doc_id in docs:  # an entry naming a document that does not exist is the list's own problem
            doc(doc_id).relations += problems
        else:
            report.general += problems
    try:
        load_milestones(root)
    except RulesError as exc:
        report.general += exc.problems
    report.documents = [docs[k] for k in sorted(docs)]
    return report


def _cases_or_problems(root: Path, report: CheckReport) -> list[tuple[Path, Any]]:
    out = []
    for path in sorted(root.glob(f"*/{TESTS_FILE}")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            report.general.append(f"{path.parent.name}/{path.name}：不是有效的 YAML：{exc}")
            continue
        if not isinstance(data, list):
            report.general.append(f"{path.parent.name}/{path.name}：应为用例的列表（每项以“- name:”开头）")
            continue
        out += [(path, case) for case in data]
    return out


# ---------------------------------------------------------------- one named case


def check_case(calc: Calculator, spec: Any) -> list[str]:
    """What is wrong with one named case against ``calc``, in Chinese; empty when it passes."""
    if not isinstance(spec, dict) or not {"name", "case", "expect"} <= set(spec):
        return ["用例应写明 name、case 和 expect"]
    if spec.get(DRAFT_MARK):
        return [f"草稿用例（{DRAFT_MARK}: {spec[DRAFT_MARK]}）：请补全后删除 {DRAFT_MARK} 一行"]
    expect = spec["expect"] or {}
    if "refused" in expect:
        try:
            calc.assess(spec["case"], as_of=None)
        except CaseError as refused:
            return [
                f"应被拒绝并提到“{text}”，实际的问题：{'；'.join(refused.messages)}"
                for text in _texts(expect, "refused")
                if not any(text in p for p in refused.messages)
            ]
        return ["应被拒绝，实际却测算了"]
    try:
        result = calc.assess(spec["case"], as_of=None)
    except CaseError as exc:
        return [f"案例被拒绝：{'；'.join(exc.messages)}"]
    problems: list[str] = []
    by_key = {(e.measure_id, e.event_id): e for e in result.entitlements}
    for want in expect.get("entitlements", []) or []:
        problems += _check_entitlement(want, by_key)
    for measure_id in expect.get("not_paid", []) or []:
        paying = [
            e for e in result.entitlements if e.measure_id == measure_id and e.eligibility.value == "yes"
        ]
        if paying and any(Decimal(e.amount.value or 0) != 0 for e in paying):
            problems.append(f"{measure_id}：应不支付，实际支付了")
    totals = {("overall" if t.year is None else t.year): t for t in result.totals}
    for year, want in (expect.get("totals") or {}).items():
        got = totals.get(year)
        if got is None:
            problems.append(f"合计 {year}：没有这一年的合计")
            continue
        for name, value in want.items():
            actual = getattr(got, name, None)
            expected = _decimal(value) if isinstance(actual, Decimal) else value
            if actual != expected:
                problems.append(f"合计 {year}.{name}：应为 {value}，实际 {actual}")
    if "covered" in expect and result.covered is not expect["covered"]:
        problems.append(f"covered：应为 {expect['covered']}，实际 {result.covered}")
    return problems


def _check_entitlement(want: dict, by_key: dict) -> list[str]:
    key = (want.get("measure_id"), want.get("event_id"))
    head = f"{key[0]} / 成果 {key[1]}"
    got = by_key.get(key)
    if got is None:
        shown = "、".join(f"{m}/{e}" for m, e in sorted(by_key))
        return [f"{head}：没有测算到；测算到的是 {shown or '（无）'}"]
    steps = [s.text for s in got.steps]
    trace = "；".join(steps)
    out = []
    if "eligibility" in want and got.eligibility.value != _word(want["eligibility"]):
        out.append(
            f"{head}：eligibility 应为 {_word(want['eligibility'])}，实际 {got.eligibility.value}（{trace or got.reason}）"
        )
    if "amount" in want:
        if got.amount.kind != want["amount"]["kind"]:
            out.append(
                f"{head}：amount.kind 应为 {want['amount']['kind']}，实际 {got.amount.kind}（{trace}）"
            )
        expected = want["amount"].get("value")
        actual = None if got.amount.value is None else Decimal(got.amount.value)
        if actual != (None if expected is None else _decimal(expected)):
            out.append(f"{head}：amount.value 应为 {expected}，实际 {actual}（{trace}）")
    if "clauses" in want:
        cited = set(got.clauses) | {c for s in got.steps for c in s.clauses}
        lacking = [c for c in want["clauses"] if c not in cited]
        if lacking:
            out.append(f"{head}：没有引用条款 {'、'.join(lacking)}")
    if "overlap" in want and (got.overlap is None or got.overlap.outcome != want["overlap"]):
        out.append(
            f"{head}：overlap 应为 {want['overlap']}，实际 {got.overlap.outcome if got.overlap else '无'}"
        )
    for text in _texts(want, "steps_contain"):
        if not any(text in s for s in steps):
            out.append(f"{head}：步骤中没有“{text}”（{trace}）")
    for text in _texts(want, "reason_contains"):
        if text not in (got.reason or ""):
            out.append(f"{head}：理由中没有“{text}”（{got.reason}）")
    if "missing" in want and [m.path for m in got.missing] != want["missing"]:
        out.append(f"{head}：missing 应为 {want['missing']}，实际 {[m.path for m in got.missing]}")
    if "payer" in want and got.payer != want["payer"]:
        out.append(f"{head}：payer 应为 {want['payer']}，实际 {got.payer}")
    if "instalments" in want:
        actual_i = [(i.year, Decimal(str(i.amount))) for i in got.instalments]
        wanted_i = [(i["year"], _decimal(i["amount"])) for i in want["instalments"]]
        if actual_i != wanted_i:
            out.append(f"{head}：instalments 应为 {wanted_i}，实际 {actual_i}")
    return out


def _texts(want: dict, key: str) -> list[str]:
    texts = want.get(key, []) or []
    # an unquoted "30,000,000" in a YAML flow list splits at the commas: insist on quoted strings
    return [t if isinstance(t, str) else f"（{key} 的每一项应加引号：{t!r}）" for t in texts]


def _word(value: Any) -> Any:
    # YAML 1.1 reads a bare yes/no as a boolean
    return {True: "yes", False: "no"}.get(value, value)


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
