"""A population read from a CSV file: one line per event, for ``biopolicy simulate --population FILE``.

Format (UTF-8 or GB18030, comma-separated, a header line; columns in any order; docs/analytics.md):

| column | required | what |
|---|---|---|
| organisation | yes | the organisation's own id (any text); its lines may be anywhere in the file |
| kind | yes | enterprise, medical_institution, platform, association or person |
| city | yes | 厦门市, 福州市, …; province (default 福建省) and district optional |
| event_type | yes | an event type of the catalogue (clinical_stage_completed, …) |
| date | yes | YYYY-MM-DD |
| name, province, district | no | the organisation's name (default: its id), province, district |
| event_id | no | default: the line number |
| product_id, product_type, registration_class | no | the product the event is about |
| subject | no | what the event is about when not a product (a platform, a centre) |
| any other column | no | an attribute of the event type, by its catalogue name (rd_investment, stage, …); empty: not known |

Every line is checked as the calculator checks a case (codes, dates, money not negative, places,
attributes of the event type, values of their type); every problem is reported in Chinese with its
line and column, and nothing is computed from a file that has one. An organisation's name, kind
and place must be the same on each of its lines; a product's type and class too.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from biopolicy.domain.case import Applicant, ApplicantKind, Case, CaseError
from biopolicy.domain.events import AttributeType, Catalogue
from biopolicy.domain.money import parse_money
from biopolicy.domain.validation import FieldError, Problem, problems_of
from biopolicy.engine.check import check_case
from biopolicy.rules.schema import RuleSet

if TYPE_CHECKING:  # the batch engine (numpy) is imported when a file is read, not at start-up
    from biopolicy.engine.batch import Population

__all__ = ["COLUMNS", "PopulationFileError", "REQUIRED", "read_population"]

REQUIRED = ("organisation", "kind", "city", "event_type", "date")
COLUMNS = {
    "organisation": "机构编号",
    "name": "机构名称",
    "kind": "机构类型",
    "province": "省",
    "city": "市",
    "district": "区",
    "event_type": "事件类型",
    "event_id": "事件编号",
    "date": "事件日期",
    "product_id": "产品编号",
    "product_type": "产品类型",
    "registration_class": "注册分类",
    "subject": "事项",
}
MAX_PROBLEMS = 50  # listed; the rest are counted
TRUE, FALSE = {"true", "1", "是", "yes"}, {"false", "0", "否", "no"}


class PopulationFileError(ValueError):
    """A population file that cannot be used; each problem names the line and the column."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


def read_population(path: Path, rules: RuleSet, catalogue: Catalogue, as_of: date) -> Population:
    """The population of ``path`` in columns, or PopulationFileError listing every problem."""
    problems: list[str] = []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PopulationFileError([f"{path}：无法读取（{exc.strerror}）"]) from None
    for encoding in ("utf-8-sig", "gb18030"):  # as saved by most tools, and by Excel on a Chinese system
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise PopulationFileError([f"{path}：不是 UTF-8 或 GB18030 编码的 CSV 文件"])
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip() for h in (reader.fieldnames or [])]
        lines = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise PopulationFileError([f"{path}：第{reader.line_num}行：不是有效的 CSV（{exc}）"]) from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        shown = "、".join(f"{c}（{COLUMNS[c]}）" for c in missing)
        raise PopulationFileError([f"{path}：第1行（表头）缺少列：{shown}"])
    known_attributes = {a for t in catalogue.events.values() for a in t.attributes}
    unknown = [h for h in header if h not in COLUMNS and h not in known_attributes]
    if unknown:
        raise PopulationFileError(
            [f"{path}：第1行（表头）不认识的列：{'、'.join(unknown)}（应为本说明所列的列或事件属性名）"]
        )
    if not lines:
        raise PopulationFileError([f"{path}：没有数据行"])

    # group the lines by organisation, in the order organisations first appear
    orgs: dict[str, list[tuple[int, dict]]] = {}
    for line, row in lines:
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
        orgs.setdefault(row.get("organisation", ""), []).append((line, row))

    cases: list[Case] = []
    for org_id, rows in orgs.items():
        case, found = _case(org_id, rows, catalogue, as_of)
        if case is not None and not found:
            try:
                case = check_case(case, rules, catalogue)
            except CaseError as exc:
                found = [_where(p, rows) for p in exc.problems]
        problems += found
        if case is not None and not found:
            cases.append(case)
        if len(problems) > MAX_PROBLEMS:
            break
    if problems:
        shown = [f"{path}：{p}" for p in problems[:MAX_PROBLEMS]]
        if len(problems) > MAX_PROBLEMS:
            shown.append(f"{path}：……还有更多问题，请先改正以上各项")
        raise PopulationFileError(shown)
    from biopolicy.engine.batch import from_cases

    return from_cases(cases, catalogue, as_of)


def _where(p: Problem, rows: list[tuple[int, dict]]) -> str:
    """A case problem as "第N行 column：message": events[i] is the organisation's i-th line."""
    loc = p.loc
    if len(loc) >= 2 and loc[0] == "events" and isinstance(loc[1], int):
        column = (
            {"type": "event_type", "id": "event_id"}.get(str(loc[2]), str(loc[2])) if len(loc) > 2 else ""
        )
        return f"第{rows[loc[1]][0]}行 {column}：{p.message}"
    if len(loc) >= 2 and loc[0] == "products" and isinstance(loc[1], int):
        column = (
            {"type": "product_type", "id": "product_id"}.get(str(loc[2]), str(loc[2])) if len(loc) > 2 else ""
        )
        return f"第{rows[0][0]}行 {column}：{p.message}"
    column = str(loc[-1]) if loc else "organisation"
    return f"第{rows[0][0]}行 {column}：{p.message}"


def _case(org_id: str, rows: list[tuple[int, dict]], catalogue: Catalogue, as_of: date):
    """One organisation's case from its lines, and the problems found on them."""
    problems: list[str] = []
    first_line, first = rows[0]
    if not org_id:
        return None, [f"第{line}行 organisation：不能为空" for line, _ in rows[:MAX_PROBLEMS]]
    same = ("name", "kind", "province", "city", "district")
    for line, row in rows[1:]:
        for column in same:
            if row.get(column, "") != first.get(column, ""):
                problems.append(
                    f"第{line}行 {column}：机构“{org_id}”在第{first_line}行写的是“{first.get(column, '')}”，"
                    f"这里是“{row.get(column, '')}”，同一机构各行应一致"
                )
    kinds = [k.value for k in ApplicantKind]
    if first["kind"] not in kinds:
        problems.append(f"第{first_line}行 kind：应为 {'、'.join(kinds)} 之一，收到“{first['kind']}”")
    if not first.get("city"):
        problems.append(f"第{first_line}行 city：不能为空（如 厦门市）")
    products: dict[str, dict] = {}
    events = []
    for line, row in rows:
        day = row.get("date", "")
        try:
            when = date.fromisoformat(day)
        except ValueError:
            problems.append(f"第{line}行 date：应为 YYYY-MM-DD 格式的日期，收到“{day}”")
            when = None
        etype = catalogue.events.get(row["event_type"])
        if etype is None:
            allowed = "、".join(catalogue.events)
            problems.append(
                f"第{line}行 event_type：未知的事件类型“{row['event_type']}”，应为 {allowed} 之一"
            )
        pid = row.get("product_id") or None
        if pid is not None:
            product = {"id": pid, "type": row.get("product_type", ""), "registration_class": None}
            if row.get("registration_class"):
                product["registration_class"] = row["registration_class"]
            if not product["type"]:
                problems.append(f"第{line}行 product_type：写了 product_id 时应写明产品类型")
            elif pid in products and products[pid] != product:
                problems.append(f"第{line}行 product_type：产品“{pid}”的类型或注册分类与前面各行不一致")
            products.setdefault(pid, product)
        attributes = {}
        for column, text in row.items():
            if column in COLUMNS or text == "":
                continue
            spec = etype.attributes.get(column) if etype else None
            if spec is None:
                if etype is not None:
                    allowed = "、".join(etype.attributes) or "（无）"
                    problems.append(
                        f"第{line}行 {column}：事件类型 {etype.name} 没有这个属性（可用属性：{allowed}），请留空"
                    )
                continue
            value: object = text
            if spec.type == AttributeType.bool:
                if text.lower() in TRUE:
                    value = True
                elif text.lower() in FALSE:
                    value = False
                else:
                    problems.append(
                        f"第{line}行 {column}：{spec.label}应为 是 或 否（true/false），收到“{text}”"
                    )
                    continue
            elif spec.type == AttributeType.money:
                try:
                    parse_money(text, column)
                except FieldError as exc:
                    problems.append(f"第{line}行 {column}：{spec.label}{exc.problem.message}")
                    continue
            elif spec.type == AttributeType.enum and text not in spec.values:
                allowed = "、".join(f"{k}（{v}）" for k, v in spec.values.items())
                problems.append(f"第{line}行 {column}：{spec.label}应为 {allowed} 之一，收到“{text}”")
                continue
            elif spec.type == AttributeType.int:
                if not text.isdigit():
                    problems.append(f"第{line}行 {column}：{spec.label}应为非负整数，收到“{text}”")
                    continue
                value = int(text)
            attributes[column] = value
        event = {
            "id": row.get("event_id") or f"line{line}",
            "type": row["event_type"],
            "date": when or as_of,
            "product_id": pid,
            "subject": row.get("subject") or None,
            **attributes,
        }
        events.append(event)
    if problems:
        return None, problems
    try:
        applicant = Applicant(
            kind=first["kind"],
            name=first.get("name") or org_id,
            province=first.get("province") or "福建省",
            city=first.get("city") or None,
            district=first.get("district") or None,
        )
        case = Case(applicant=applicant, products=list(products.values()), events=events, as_of=as_of)
    except ValidationError as exc:
        return None, [_where(p, rows) for p in problems_of(exc)]
    return case, []
