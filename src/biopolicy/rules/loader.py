"""Loads every ``policies/*/measures.yaml`` and checks it against the catalogue and the corpus.

Nothing can be invented: a rule that cites a clause that does not exist, quotes words that are not
in the clause, or uses an amount, rate or ceiling that the cited clauses do not state is refused,
with a message naming the file, the measure and what is wrong.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import yaml
from pydantic import ValidationError

from biopolicy.domain import Corpus
from biopolicy.domain.case import ApplicantKind
from biopolicy.domain.events import AttributeType, Catalogue
from biopolicy.domain.places import Divisions
from biopolicy.domain.validation import describe
from biopolicy.rules.places import PlacesError, load_divisions
from biopolicy.rules.schema import (
    DATED_FIELDS,
    KIND_FIELDS,
    All,
    AmountKind,
    AmountTable,
    AnyOf,
    Cap,
    CategoryCatalogue,
    CategoryRef,
    Compare,
    Condition,
    Measure,
    Not,
    Overlap,
    PolicyFile,
    RuleSet,
    Window,
)

# libyaml's loader when PyYAML has it (same safe constructors, about 10x faster than the
# pure-Python one: the rule files are most of the start-up of a command that assesses).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PRODUCT_FIELDS = {"type", "registration_class", "id", "name"}
APPLICANT_FIELDS = {"kind", "name", "province", "city", "district", "credit_code"}
EVENT_FIELDS = {"date", "id", "type", "product_id", "subject"}


class RulesError(ValueError):
    """The rules cannot be loaded; every problem names its file and measure."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def default_policies_dir() -> Path:
    from biopolicy.corpus.loader import default_policies_dir as corpus_dir

    return corpus_dir()


def load_catalogue(policies_dir: Path | None = None) -> Catalogue:
    path = (policies_dir or default_policies_dir()) / "_catalogue" / "events.yaml"
    data = _read_yaml(path)
    try:
        return Catalogue.model_validate(data)
    except ValidationError as exc:
        raise RulesError([f"{_rel(path)}：{p}" for p in describe(exc)]) from None


def load_rules(
    corpus: Corpus,
    catalogue: Catalogue,
    policies_dir: Path | None = None,
    *,
    strict: bool = True,
) -> RuleSet:
    """Every measures.yaml under ``policies_dir``, validated against the corpus and the catalogue.

    ``strict`` (the default): any problem raises RulesError listing every problem. Otherwise a
    document whose rules fail is skipped, its problems kept in ``RuleSet.skipped`` (by document id),
    and the others are loaded: one bad file does not stop every assessment.
    """
    root = policies_dir or default_policies_dir()
    files = sorted(root.glob("*/measures.yaml"))
    digest = hashlib.sha256()
    for path in [root / "_catalogue" / "events.yaml", *files]:
        digest.update(path.read_bytes())
    for extra in (root / "_catalogue" / "categories.yaml", root / "_catalogue" / "places.yaml"):
        if extra.is_file():
            digest.update(extra.read_bytes())
    try:
        places = load_divisions(root)
    except PlacesError as exc:  # like the catalogue: no rule can be checked without it
        raise RulesError(exc.problems) from None
    shared = load_categories(root)
    loaded = [_load_file(path, corpus, catalogue, places, shared) for path in files]
    earlier: set[str] = set()
    for f in loaded:  # an id defined in an earlier file: the later file is the one at fault
        f.problems += [f"{_rel(f.path)}：措施 id“{mid}”重复" for mid in sorted(f.measure_ids & earlier)]
        earlier |= f.measure_ids
    skipped: dict[str, list[str]] = {}
    if strict:  # every problem at once; a measure in a file with problems still counts as known
        known = {m.id: m for f in loaded if f.policy for m in f.policy.measures}
        ids = set(known) | {mid for f in loaded for mid in f.measure_ids}
        problems = [p for f in loaded for p in f.problems]
        problems += [
            p for f in loaded if f.policy for p in _check_references(f, known, ids, set(), set(), catalogue)
        ]
        if problems:
            raise RulesError(problems)
    else:
        skipped = {f.key: list(f.problems) for f in loaded if f.problems}
        while True:  # a file also fails when what it names lives in a file that failed
            good = [f for f in loaded if f.key not in skipped]
            known = {m.id: m for f in good for m in f.policy.measures}
            unreadable = {mid for f in loaded if f.key in skipped for mid in f.measure_ids}
            failing = {
                f.key: _check_references(f, known, set(known), unreadable, set(skipped), catalogue)
                for f in good
            }
            failing = {key: ps for key, ps in failing.items() if ps}
            if not failing:
                break
            skipped.update(failing)
    good = [f for f in loaded if f.key not in skipped]
    measures: dict[str, Measure] = {}
    caps: list[Cap] = []
    overlaps: list[Overlap] = []
    funding: dict = {}
    for f in good:
        measures.update({m.id: m for m in f.policy.measures})
        caps += f.policy.caps
        overlaps += f.policy.overlaps
        funding[f.policy.document] = f.policy.funding
    pruned: list[str] = []
    if skipped:  # a ceiling or overlap naming measures that were skipped applies to the others
        caps, overlaps = _prune(caps, overlaps, set(measures), pruned)
    windows = {
        d.id: Window.model_validate({"from": d.in_force_from, "to": d.in_force_to})
        for d in corpus.documents.values()
    }
    return RuleSet(
        measures=measures,
        caps=caps,
        overlaps=overlaps,
        windows=windows,
        funding=funding,
        version=digest.hexdigest()[:12],
        skipped=skipped,
        pruned=pruned,
        places=places,
    )


def _prune(caps: list[Cap], overlaps: list[Overlap], loaded: set[str], notes: list[str]):
    """Ceilings and overlaps without the skipped measures (those pay nothing while skipped)."""
    kept_caps = []
    for c in caps:
        gone = [mid for mid in c.measures if mid not in loaded]
        if gone:
            notes.append(f"上限 {c.id}：措施 {'、'.join(gone)} 已跳过，本上限只作用于其余措施")
            if len(gone) == len(c.measures):
                continue
            c = c.model_copy(update={"measures": [mid for mid in c.measures if mid in loaded]})
        kept_caps.append(c)
    kept_overlaps = []
    for o in overlaps:
        gone = [mid for mid in o.measures if mid not in loaded]
        if gone:
            rest = [mid for mid in o.measures if mid in loaded]
            notes.append(
                f"重叠 {o.id}：措施 {'、'.join(gone)} 已跳过，"
                + ("本规则只作用于其余措施" if len(rest) >= 2 else "本规则暂不生效")
            )
            if len(rest) < 2:
                continue
            o = o.model_copy(update={"measures": rest})
        kept_overlaps.append(o)
    return kept_caps, kept_overlaps


class _File:
    """One measures.yaml as read: its policy (None when it cannot be read) and its own problems."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.key = path.parent.name  # the document id (or _overlaps): what is skipped together
        self.policy: PolicyFile | None = None
        self.problems: list[str] = []
        self.measure_ids: set[str] = set()


CATEGORIES_FILE = Path("_catalogue") / "categories.yaml"


def load_categories(root: Path) -> dict[str, Condition]:
    """The catalogue's shared categories by name (none when the file is absent)."""
    path = root / CATEGORIES_FILE
    if not path.is_file():
        return {}
    data = _read_yaml(path)
    try:
        return CategoryCatalogue.model_validate(data or {}).categories
    except ValidationError as exc:
        raise RulesError([f"{_rel(path)}：{p}" for p in describe(exc)]) from None


def _use_shared_categories(m: Measure, shared: dict[str, Condition]) -> None:
    """Copy into the measure the catalogue categories it refers to and does not define itself."""
    todo = [m.conditions] if m.conditions else []
    todo += list(m.categories.values())
    if isinstance(m.amount, AmountTable):
        todo += [row.when for row in m.amount.table]
    todo += [spec.cap_raise.when for spec in m.amount_specs() if spec.cap_raise is not None]
    while todo:
        for leaf in _leaves(todo.pop()):
            name = getattr(leaf, "category", None)
            if name and name not in m.categories and name in shared:
                m.categories[name] = shared[name]
                todo.append(shared[name])


def _load_file(
    path: Path, corpus: Corpus, catalogue: Catalogue, places: Divisions, shared: dict[str, Condition]
) -> _File:
    f = _File(path)
    rel = _rel(path)
    try:
        data = _read_yaml(path)
        policy = PolicyFile.model_validate(data)
    except ValidationError as exc:
        f.problems += [f"{rel}：{_name_measures(p, data)}" for p in describe(exc)]
        f.measure_ids = _raw_measure_ids(data)
        return f
    except RulesError as exc:
        f.problems += exc.problems
        return f
    f.policy = policy
    doc_id = policy.document
    folder = path.parent.name
    if not folder.startswith("_") and doc_id != folder:
        f.problems.append(f"{rel}：document 应为所在目录名“{folder}”，收到“{doc_id}”")
    seen: set[str] = set()
    for m in policy.measures:
        m.doc_id = doc_id if doc_id in corpus.documents else m.id.split("/", 1)[0]
        _use_shared_categories(m, shared)
        if m.id in seen:
            f.problems.append(f"{rel}：措施 id“{m.id}”重复")
        seen.add(m.id)
        f.problems += [f"{rel}：措施 {m.id}：{p}" for p in _check_measure(m, corpus, catalogue)]
        if m.draft is None:
            f.problems += [
                f"{rel}：措施 {m.id}：{p}" for p in check_places(m.applicant.places, m.doc_id, corpus, places)
            ]
    f.measure_ids = seen
    for fund in policy.funding:
        f.problems += [
            f"{rel}：资金来源 {fund.payer}：{p}".replace("applicant.places", "places")
            for p in check_places(fund.places, doc_id, corpus, places, issuer=False)
        ]
        f.problems += [
            f"{rel}：资金来源 {fund.payer}：{p}" for p in _check_cited(fund.clauses, [fund.excerpt], corpus)
        ]
    for c in policy.caps:
        f.problems += [f"{rel}：上限 {c.id}：{p}" for p in _check_cited(c.clauses, [c.excerpt], corpus)]
        f.problems += [f"{rel}：上限 {c.id}：{p}" for p in _check_cap_condition(c, catalogue)]
        f.problems += [
            f"{rel}：上限 {c.id}：{p}" for p in _check_figures([("money", c.amount)], c.clauses, corpus)
        ]
    for o in policy.overlaps:
        f.problems += [f"{rel}：重叠 {o.id}：{p}" for p in _check_cited(o.clauses, [o.excerpt], corpus)]
    return f


def _check_references(
    f: _File,
    measures: dict[str, Measure],
    known: set[str],
    unreadable: set[str],
    skipped: set[str],
    catalogue: Catalogue,
) -> list[str]:
    """Measure ids named by a file's ceilings, overlaps and top-ups: each must be a loaded measure.

    An id of a skipped file (by its id or its document prefix) is not this file's fault in a ceiling
    or an overlap (pruned later); a top-up net of a skipped measure would overpay, so it fails.
    """
    rel = _rel(f.path)
    policy = f.policy
    assert policy is not None

    def was_skipped(mid: str) -> bool:
        return mid in unreadable or mid.split("/", 1)[0] in skipped

    def missing(mid: str) -> str:
        if was_skipped(mid):
            return f"措施“{mid}”所在的文件有错误，已跳过"
        return f"没有 id 为“{mid}”的措施"

    problems: list[str] = []
    for c in policy.caps:
        problems += [
            f"{rel}：上限 {c.id}：{missing(mid)}"
            for mid in c.measures
            if mid not in known and not was_skipped(mid)
        ]
    for o in policy.overlaps:
        problems += [
            f"{rel}：重叠 {o.id}：{missing(mid)}"
            for mid in o.measures
            if mid not in known and not was_skipped(mid)
        ]
    for m in policy.measures:
        for spec in m.amount_specs():
            problems += [
                f"{rel}：措施 {m.id}：amount.net_of 中{missing(mid)}"
                for mid in spec.net_of
                if mid not in known
            ]
    for c in policy.caps:
        for leaf in _leaves(c.when) if c.when else []:
            if not (isinstance(leaf, Compare) and leaf.fact.startswith("event.")):
                continue
            name = leaf.fact.removeprefix("event.")
            for mid in c.measures:
                m = measures.get(mid)
                if m is None:
                    continue
                if name not in catalogue.events[m.event].attributes and name not in EVENT_FIELDS:
                    problems.append(
                        f"{rel}：上限 {c.id}：条件中的事实“{leaf.fact}”不是措施 {mid} 的事件类型的属性"
                    )
    return problems


def _raw_measure_ids(data: object) -> set[str]:
    if isinstance(data, dict) and isinstance(data.get("measures"), list):
        return {m["id"] for m in data["measures"] if isinstance(m, dict) and isinstance(m.get("id"), str)}
    return set()


def _name_measures(problem: str, data: object) -> str:
    """``measures[9].amount…`` -> ``measures[9]（措施 xm-2023/m2-drugs）.amount…``: the analyst knows ids."""
    import re

    match = re.match(r"measures\[(\d+)\]", problem)
    if match and isinstance(data, dict) and isinstance(data.get("measures"), list):
        index = int(match.group(1))
        items = data["measures"]
        if index < len(items) and isinstance(items[index], dict) and items[index].get("id"):
            return problem.replace(match.group(0), f"{match.group(0)}（措施 {items[index]['id']}）", 1)
    return problem


def _check_cap_condition(cap: Cap, catalogue: Catalogue) -> list[str]:
    """A cap's condition spans measures, so it cannot use one measure's categories."""
    problems = []
    for leaf in _leaves(cap.when) if cap.when else []:
        if isinstance(leaf, CategoryRef):
            problems.append(f"when：上限的条件不能引用类别“{leaf.category}”，请直接写出产品或事件的条件")
        elif not leaf.fact.startswith("event."):
            problems += _check_fact_path(leaf, {}, catalogue)
            problems += _check_values(leaf, {}, catalogue)
    return problems


def _read_yaml(path: Path) -> object:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except UnicodeDecodeError:
        raise RulesError([f"{_rel(path)}：不是 UTF-8 编码的文本"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else ""
        raise RulesError([f"{_rel(path)}：YAML 格式错误 {where}：{getattr(exc, 'problem', exc)}"]) from None


def _rel(path: Path) -> str:
    parts = path.parts
    return "/".join(parts[parts.index("policies") :]) if "policies" in parts else str(path)


# ---------------------------------------------------------------- checks


def _check_measure(m: Measure, corpus: Corpus, catalogue: Catalogue) -> list[str]:
    if m.draft is not None:
        return [f"draft：草稿尚未补全（{m.draft}）"]
    problems = _check_cited(m.clauses, m.excerpts, corpus)
    event_type = catalogue.events.get(m.event)
    if event_type is None:
        return problems + [f"event：未知的事件类型“{m.event}”，应为 {'、'.join(catalogue.events)} 之一"]
    figures = [f for spec in m.amount_specs() for f in spec.figures()]
    if m.instalments:
        figures += [("percent", share * 100) for share in m.instalments.shares]
    conditions = [m.conditions] if m.conditions else []
    conditions += list(m.categories.values())
    if isinstance(m.amount, AmountTable):
        conditions += [row.when for row in m.amount.table]
    conditions += [spec.cap_raise.when for spec in m.amount_specs() if spec.cap_raise is not None]
    for cond in conditions:
        for leaf in _leaves(cond):
            if isinstance(leaf, CategoryRef):
                if leaf.category not in m.categories:
                    problems.append(
                        f"conditions：引用了未定义的类别“{leaf.category}”"
                        "（本措施的 categories 和 policies/_catalogue/categories.yaml 中都没有）"
                    )
                continue
            problems += _check_fact_path(leaf, event_type.attributes, catalogue)
            problems += _check_values(leaf, event_type.attributes, catalogue)
            spec = event_type.attributes.get(leaf.fact.removeprefix("event."))
            if (
                spec is not None
                and spec.type == AttributeType.money
                and leaf.operator in ("gt", "gte", "lt", "lte")
            ):
                figures.append(("money", leaf.operand))
            if leaf.operator == "within_years":
                figures.append(("duration", Decimal(leaf.operand)))
    for spec in m.amount_specs():
        paths = [spec.base, spec.per]
        if spec.headroom is not None:
            paths += [spec.headroom.of, *spec.headroom.less]
        for path in paths:
            if path is not None:
                problems += _check_fact_path(Compare(fact=path, eq=0), event_type.attributes, catalogue)
        for path in spec.net_of_facts:
            spec_of = event_type.attributes.get(path.removeprefix("event."))
            if not path.startswith("event.") or spec_of is None or spec_of.type != AttributeType.money:
                problems.append(
                    f"amount.net_of_facts：“{path}”应为事件类型 {m.event} 的金额属性（event.<属性>），"
                    "如省级已给予的奖励；没有这个属性时先在 policies/_catalogue/events.yaml 中添加"
                )
        for mid in spec.net_of:
            if spec.kind != AmountKind.top_up:
                problems.append("amount.net_of 只用于 top_up")
            if not mid:
                problems.append("amount.net_of 含空的措施 id")
    if not any("不存在" in p for p in problems):  # a missing clause explains every figure it would hold
        problems += _check_figures(list(dict.fromkeys(figures)), m.clauses, corpus)
    for note in m.notes:
        problems += _check_cited(note.clauses, [], corpus)
    problems += _check_changes(m, corpus)
    return problems


def _check_changes(m: Measure, corpus: Corpus) -> list[str]:
    """Dated values: on a single amount, in date order, each figure stated in its own clause."""
    problems = []
    if m.changes and isinstance(m.amount, AmountTable):
        return ["changes：带日期的数值只能用于单个金额，不能用于金额表（请按日期拆成两项措施）"]
    days = [c.from_ for c in m.changes]
    if days != sorted(set(days)):
        problems.append("changes：各项的 from 应按日期先后排列，且不重复")
    for i, change in enumerate(m.changes):
        where = f"changes[{i}]（{change.from_}）"
        kind = m.amount.kind if not isinstance(m.amount, AmountTable) else None
        unused = [
            n for n in DATED_FIELDS if getattr(change, n) is not None and kind and n not in KIND_FIELDS[kind]
        ]
        problems += [f"{where}：{kind.value} 金额不使用 {n}" for n in unused]
        cited = _check_cited(change.clauses, [change.excerpt], corpus)
        problems += [f"{where}：{p}" for p in cited]
        if not any("不存在" in p for p in cited):
            problems += [f"{where}：{p}" for p in _check_figures(change.figures(), change.clauses, corpus)]
    return problems


def check_places(
    names: list[str], doc_id: str, corpus: Corpus, places: Divisions, *, issuer: bool = True
) -> list[str]:
    """Each place names one division; with ``issuer``, one within its document's issuers' divisions.

    A document's issuers (厦门市科学技术局 → 厦门市) bound the places its measures can cover: a
    Xiamen measure cannot cover 福建省. Issuers that name no division (a national body) bound nothing.
    """
    problems = []
    doc = corpus.documents.get(doc_id)
    bounds = [d for name in (doc.issuers if doc else []) if (d := places.issuer_division(name))]
    for p in names:
        division, problem = places.resolve(p)
        if division is None:
            problems.append(f"applicant.places：{problem}")
        elif issuer and bounds and not any(places.within(division, b) for b in bounds):
            issuers = "、".join(dict.fromkeys(b.name for b in bounds))
            problems.append(
                f"applicant.places：“{p}”不在发文机关所属的{issuers}之内：措施的适用地点应为发文机关的辖区或其下级"
                "（发文机关见 document.yaml 的 issuers 或原文落款）"
            )
    return problems


def _check_cited(clause_ids: list[str], excerpts: list[str], corpus: Corpus) -> list[str]:
    problems = []
    clauses = []
    for cid in clause_ids:
        clause = corpus.clause(cid)
        if clause is None:
            problems.append(f"引用的条款“{cid}”不存在")
        else:
            clauses.append(clause)
    texts = ["".join(c.text.split()) for c in clauses]
    for excerpt in excerpts:
        squeezed = "".join(excerpt.split())
        if clauses and not any(squeezed in t for t in texts):
            problems.append(f"摘录“{excerpt}”不在所引条款 {'、'.join(clause_ids)} 的原文中")
    return problems


def _check_figures(figures: list[tuple[str, Decimal]], clause_ids: list[str], corpus: Corpus) -> list[str]:
    facts = [f for cid in clause_ids if (c := corpus.clause(cid)) for f in c.facts]
    problems = []
    for kind, value in figures:
        stated = [f for f in facts if f.kind == kind and value in (f.value, f.value_to)]
        if not stated:
            shown = {"money": f"金额 {value} 元", "percent": f"比例 {value}%", "duration": f"期限 {value}"}[
                kind
            ]
            problems.append(f"{shown} 不在所引条款 {'、'.join(clause_ids)} 写明的数字中：规则不得自创数字")
    return problems


def _check_values(leaf: Compare, attributes: dict, catalogue: Catalogue) -> list[str]:
    """A value compared with a fixed-choice attribute must be one of its choices: `level eq: cty` is a typo."""
    if leaf.operator not in ("eq", "ne", "in_", "not_in"):
        return []
    root, _, name = leaf.fact.partition(".")
    if root == "event" and name in attributes and attributes[name].values:
        allowed = set(attributes[name].values)
    elif leaf.fact == "product.type":
        allowed = set(catalogue.product_types)
    elif leaf.fact == "applicant.kind":
        allowed = {k.value for k in ApplicantKind}
    elif leaf.fact == "product.registration_class":
        allowed = catalogue.all_registration_classes
    else:
        return []
    operand = leaf.operand if isinstance(leaf.operand, list) else [leaf.operand]
    return [
        f"条件 {leaf.fact} 的取值“{v}”无效，应为 {'、'.join(sorted(allowed))} 之一"
        for v in operand
        if str(v) not in allowed
    ]


def _check_fact_path(leaf: Compare, attributes: dict, catalogue: Catalogue) -> list[str]:
    root, _, name = leaf.fact.partition(".")
    ok = (
        (root == "event" and (name in attributes or name in EVENT_FIELDS))
        or (root == "product" and name in PRODUCT_FIELDS)
        or (root == "applicant" and name in APPLICANT_FIELDS)
    )
    if ok:
        return []
    return [f"条件中的事实“{leaf.fact}”不存在：应为 event.<属性>、product.<字段> 或 applicant.<字段>"]


def _leaves(cond: Condition):
    if isinstance(cond, All):
        for c in cond.all:
            yield from _leaves(c)
    elif isinstance(cond, AnyOf):
        for c in cond.any:
            yield from _leaves(c)
    elif isinstance(cond, Not):
        yield from _leaves(cond.not_)
    else:
        yield cond
