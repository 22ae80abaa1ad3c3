"""Adding a document without Python: ``biopolicy add-document SOURCE.txt --id ID``.

Copies the source as received (byte for byte) to ``policies/<ID>/source.txt``, writes
``document.yaml``, parses the text (repairing it where needed) and drafts ``measures.yaml`` and
``tests.yaml`` from the amounts and rates each measure-level clause states. Every draft is marked
``draft:`` with what the analyst must complete; the loader, and so ``biopolicy check``, refuse a
draft until that line is removed.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from biopolicy.corpus.loader import SOURCE, SPEC, default_policies_dir, load_document
from biopolicy.domain import Clause, ClauseKind, Document
from biopolicy.domain.corpus import FactBound, FactKind, with_levels
from biopolicy.rules.coverage import REWARD_WORDS
from biopolicy.rules.guides import GUIDES_FILE
from biopolicy.rules.places import divisions_of

DOC_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")
AMOUNT_FACTS = (FactKind.money, FactKind.percent)
MEASURE_DRAFT = "补全 event（事件类型）、applicant.kinds、conditions，核对金额类型与所引条款后删除本行"
CASE_DRAFT = "写出一个符合条件的案例和应得金额（门槛两侧各一例）后删除本行"


class OnboardingError(ValueError):
    """The source or the id cannot be used; the message (Chinese) names which and why."""


@dataclass
class Onboarded:
    folder: Path
    document: Document
    measures: list[dict] = field(default_factory=list)  # the drafts written to measures.yaml
    written: list[Path] = field(default_factory=list)
    places: list[str] = field(default_factory=list)  # the issuers' divisions: the drafts' places

    @property
    def amount_clauses(self) -> list[Clause]:
        ids = {cid for m in self.measures for cid in m["clauses"]}
        return [c for c in self.document.clauses if c.id in ids]


def add_document(
    source: Path,
    doc_id: str,
    policies_dir: Path | None = None,
    *,
    structure: str = "official",
    layout: str = "wrapped",
    force: bool = False,
) -> Onboarded:
    root = Path(policies_dir or default_policies_dir())
    if not DOC_ID.match(doc_id):
        raise OnboardingError(f"--id：文件编号应为小写字母、数字和连字符（如 jj-2025-3），收到“{doc_id}”")
    if not source.is_file():
        raise OnboardingError(f"找不到原文文件 {source}")
    folder = root / doc_id
    if folder.exists() and any(folder.iterdir()) and not force:
        raise OnboardingError(
            f"{folder} 已存在；要重新生成草稿请加 --force（会覆盖 measures.yaml 和 tests.yaml）"
        )
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, folder / SOURCE)  # as received: the repair happens when it is read
    spec = {"source_file": source.name, "structure": structure, "layout": layout}
    _write(folder / SPEC, _spec_text(spec))
    document = load_document(folder)
    if document.number is None:
        _write(
            folder / SPEC,
            _spec_text(spec) + "# number: 某政〔2025〕1号   # 原文没有单独一行的文号时在此写明\n",
        )
    divisions = divisions_of(root)
    places = list(dict.fromkeys(d.name for n in document.issuers if (d := divisions.issuer_division(n))))
    done = Onboarded(folder, document, places=places)
    done.measures = draft_measures(document, places)
    done.written = [folder / SOURCE, folder / SPEC]
    _write(folder / "measures.yaml", _measures_text(doc_id, done.measures))
    _write(folder / "tests.yaml", _tests_text(done.measures))
    _write(folder / GUIDES_FILE, _guides_text(document, done.measures))
    done.written += [folder / "measures.yaml", folder / "tests.yaml", folder / GUIDES_FILE]
    return done


def draft_measures(document: Document, places: list[str]) -> list[dict]:
    """One draft per leaf clause (a measure or one of its paragraphs) stating an amount or rate."""
    drafts = []
    for clause in document.clauses:
        if clause.kind not in (ClauseKind.measure, ClauseKind.paragraph):
            continue
        if document.children(clause.id):
            continue  # its paragraphs are drafted one by one
        facts = [f for f in clause.facts if f.kind in AMOUNT_FACTS]
        if not facts or REWARD_WORDS.search(clause.text) is None:
            continue
        local = clause.id.split("/", 1)[1].replace("/", "-")
        drafts.append(
            {
                "id": f"{document.id}/{local}",
                "draft": MEASURE_DRAFT,
                "title": clause.title or _first_words(clause.text),
                "clauses": [clause.id],
                "excerpt": _excerpt(clause.text, facts[0].text),
                "applicant": {"kinds": ["enterprise"], "places": places or ["（发文机关所在地）"]},
                "event": "（事件类型，见 policies/_catalogue/events.yaml）",
                "amount": _amount(facts),
            }
        )
    return drafts


def _amount(facts) -> dict:
    """A first reading of the figures: 最高…% → at_most rate+base+cap; 最高…万元 → at_most cap; else exact."""
    money = [f for f in facts if f.kind == FactKind.money]
    rates = [f for f in facts if f.kind == FactKind.percent]
    if rates:
        out = {"kind": "at_most" if money or rates[0].bound == FactBound.max else "exact"}
        out["rate"] = f"{_plain(rates[0].value)}%"
        out["base"] = "event.（基数，如 rd_investment）"
        if money:
            out["cap"] = _plain(money[0].value_to or money[0].value)
        return out
    first = money[0]
    if first.bound == FactBound.max or first.value_to is not None:
        return {"kind": "at_most", "cap": _plain(first.value_to or first.value)}
    if first.bound == FactBound.min:
        return {"kind": "at_least", "value": _plain(first.value)}
    return {"kind": "exact", "value": _plain(first.value)}


def _plain(value) -> str:
    text = format(value.normalize(), "f")
    return text


def _excerpt(text: str, figure: str) -> str:
    """The sentence (between 。；，) holding the first figure: what the measure quotes."""
    flat = "".join(text.split())
    at = flat.find("".join(figure.split()))
    if at < 0:
        return flat[:40]
    start = max(flat.rfind(mark, 0, at) for mark in "。；，：") + 1
    ends = [i for mark in "。；，" if (i := flat.find(mark, at)) >= 0]
    return flat[start : min(ends) if ends else len(flat)]


def _first_words(text: str) -> str:
    first = re.split("[。；，]", "".join(text.split()), maxsplit=1)[0]
    return first[:30]


class _NoAliases(yaml.SafeDumper):
    """Writes a list shared by two drafts twice, not as &id001/*id001: analysts edit each one."""

    def ignore_aliases(self, data) -> bool:
        return True


def _dump(data) -> str:
    return yaml.dump(data, Dumper=_NoAliases, allow_unicode=True, sort_keys=False, width=100)


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _spec_text(spec: dict) -> str:
    head = "# 原文没有写明、或解析不出的信息（见 docs/rule-authoring.md 第 17 节）\n"
    return head + yaml.safe_dump(spec, allow_unicode=True, sort_keys=False)


def _measures_text(doc_id: str, measures: list[dict]) -> str:
    head = (
        f"# {doc_id} 的措施：biopolicy add-document 从原文的金额和比例起草，每项标有 draft:。\n"
        "# 逐项补全（事件类型、申请主体、条件，核对金额类型和摘录），删除 draft 一行；\n"
        "# 不编码的条款写进同目录的 coverage.yaml 并说明理由。然后运行 biopolicy check。\n"
    )
    return head + _dump({"document": doc_id, "measures": measures})


def _tests_text(measures: list[dict]) -> str:
    cases = [
        {
            "name": f"（草稿）{m['title']}：写一句话说明本案例证明什么",
            "draft": CASE_DRAFT,
            "case": {
                "applicant": {"kind": "enterprise", "name": "某企业", "city": "（所在城市）"},
                "events": [{"id": "e1", "type": m["event"], "date": "2025-06-01"}],
                "as_of": "2025-06-02",
            },
            "expect": {"entitlements": [{"measure_id": m["id"], "event_id": "e1", "eligibility": "yes"}]},
        }
        for m in measures
    ]
    head = "# 命名案例：每个案例的 name 是它证明的一句话；门槛两侧各写一例。草稿删除 draft 一行后才会运行。\n"
    return head + _dump(cases)


def _guides_text(document: Document, measures: list[dict]) -> str:
    """申兑指南 drafts: the 责任单位 the clause (or the nearest above) names; nothing else is guessed."""
    by_id = {c.id: c for c in document.clauses}
    guides = []
    for m in measures:
        guide: dict = {"measure": m["id"]}
        cid = m["clauses"][0]
        while cid and cid in by_id and not by_id[cid].responsible_units:
            cid = by_id[cid].parent_id
        if cid and cid in by_id:
            guide["department"] = {"units": with_levels(by_id[cid].responsible_units), "clauses": [cid]}
        guides.append(guide)
    head = (
        f"# {document.id} 的申兑指南（见 docs/rule-authoring.md“申兑指南”）：只写原文所载，各引条款；\n"
        "# 责任单位按条款的“责任单位”起草；申报材料、申报时间、联系方式原文写明时才补（text、clauses、excerpt），\n"
        "# 原文未写的不写，页面显示“原文未载明”。措施 id 改动时同步修改这里。\n"
    )
    return head + _dump({"document": document.id, "guides": guides})
