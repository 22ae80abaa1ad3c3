"""Organisations as use cases: create, get, list, import from CSV or XLSX, and start a case.

Each use case takes a ``UnitOfWork`` (``services.database.unit_of_work(actor, ip)``) and commits
what it wrote, so every change lands in the audit trail with who made it. Input is checked
before anything is written: the credit code and its check character (GB 32100-2015), the kind,
the place inside Fujian, each product's type against the event catalogue. Problems are Chinese
sentences naming the field, or the line of the imported file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError

from biopolicy.domain.case import Applicant, Product
from biopolicy.domain.organisation import ORGANISATION_KIND_LABELS, OrganisationFacts, OrganisationKind
from biopolicy.domain.places import validate_location
from biopolicy.domain.validation import describe
from biopolicy.storage.models import Organisation
from biopolicy.storage.models import Product as ProductRow
from biopolicy.storage.uow import UnitOfWork

MAX_IMPORT_ROWS = 20_000


class OrganisationError(ValueError):
    """Input that cannot be stored; ``problems`` are Chinese sentences naming the field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


class OrganisationNotFound(LookupError):
    def __init__(self, key: int | str) -> None:
        super().__init__(f"没有找到机构：{key}（可用机构编号或统一社会信用代码查找）")
        self.key = key


# -- what the use cases return --------------------------------------------------------------------


class ProductView(BaseModel):
    id: int
    name: str
    type: str
    type_label: str
    registration_class: str | None


class OrganisationView(BaseModel):
    id: int
    name: str
    credit_code: str
    kind: OrganisationKind
    kind_label: str
    province: str | None
    city: str | None
    district: str | None
    version: int
    products: list[ProductView]


class OrganisationPage(BaseModel):
    total: int
    offset: int
    items: list[OrganisationView]


class ImportProblem(BaseModel):
    line: int
    message: str

    def __str__(self) -> str:
        return f"第{self.line}行：{self.message}"


class ImportReport(BaseModel):
    file: str
    rows: int  # data rows read (blank rows not counted)
    imported: int
    all_or_nothing: bool
    problems: list[ImportProblem]

    @property
    def summary(self) -> str:
        if not self.problems:
            return f"{self.file}：{self.rows} 行全部导入"
        if self.imported == 0 and self.all_or_nothing:
            return f"{self.file}：{len(self.problems)} 行有问题，按“全部或全不”未导入任何一行（共 {self.rows} 行）"
        return (
            f"{self.file}：导入 {self.imported} 行，{len(self.problems)} 行有问题未导入（共 {self.rows} 行）"
        )


class CaseStart(BaseModel):
    """The applicant part of a calculator case, filled from an organisation's profile."""

    applicant: Applicant
    products: list[Product]


# -- catalogue ------------------------------------------------------------------------------------


@cache
def _catalogue_product_types() -> dict[str, str]:
    from biopolicy.rules.loader import load_catalogue

    return dict(load_catalogue().product_types)


def product_types() -> dict[str, str]:
    """Product type key -> Chinese label, from policies/_catalogue/events.yaml."""
    return _catalogue_product_types()


# -- checking input -------------------------------------------------------------------------------


def check(
    data: OrganisationFacts | Mapping[str, Any], types: Mapping[str, str] | None = None
) -> OrganisationFacts:
    """The facts, checked; OrganisationError naming every problem otherwise."""
    types = product_types() if types is None else types
    if isinstance(data, OrganisationFacts):
        data = data.model_dump()
    try:
        facts = OrganisationFacts.model_validate(data)
    except ValidationError as exc:
        raise OrganisationError(describe(exc)) from None
    problems = []
    where = validate_location(facts.province, facts.city, facts.district, _divisions())
    if where:
        problems.append(f"{where.loc[-1]}：{where.message}")
    by_label = {label: key for key, label in types.items()}
    for i, product in enumerate(facts.products):
        key = product.type if product.type in types else by_label.get(product.type)
        if key is None:
            allowed = "、".join(f"{k}（{v}）" for k, v in types.items())
            problems.append(f"products[{i}].type：产品类型应为 {allowed} 之一，收到“{product.type}”")
        else:
            product.type = key
    if problems:
        raise OrganisationError(problems)
    return facts


def _row(facts: OrganisationFacts) -> Organisation:
    return Organisation(
        credit_code=facts.credit_code,
        name=facts.name,
        kind=facts.kind.value,
        province=facts.province,
        city=facts.city,
        district=facts.district,
        products=[
            ProductRow(name=p.name, type=p.type, registration_class=p.registration_class)
            for p in facts.products
        ],
    )


def view(org: Organisation, types: Mapping[str, str] | None = None) -> OrganisationView:
    types = product_types() if types is None else types
    kind = OrganisationKind(org.kind)
    return OrganisationView(
        id=org.id,
        name=org.name,
        credit_code=org.credit_code,
        kind=kind,
        kind_label=ORGANISATION_KIND_LABELS[kind],
        province=org.province,
        city=org.city,
        district=org.district,
        version=org.version,
        products=[
            ProductView(
                id=p.id,
                name=p.name,
                type=p.type,
                type_label=types.get(p.type, p.type),
                registration_class=p.registration_class,
            )
            for p in org.products
        ],
    )


def _duplicate(code: str, name: str) -> str:
    return f"统一社会信用代码 {code} 已登记（{name}），不能重复登记"


# -- use cases ------------------------------------------------------------------------------------


def create(uow: UnitOfWork, data: OrganisationFacts | Mapping[str, Any]) -> OrganisationView:
    facts = check(data)
    existing = uow.organisations.by_credit_code(facts.credit_code)
    if existing is not None:
        raise OrganisationError([_duplicate(facts.credit_code, existing.name)])
    try:
        org = uow.organisations.add(_row(facts))
        uow.commit()
    except IntegrityError:  # registered by someone else between our check and our insert
        uow.rollback()
        raise OrganisationError([_duplicate(facts.credit_code, facts.name)]) from None
    return view(org)


def _find(uow: UnitOfWork, key: int | str) -> Organisation:
    org = None
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit() and len(key) < 18):
        org = uow.organisations.get(int(key))
    elif isinstance(key, str):
        org = uow.organisations.by_credit_code(key.strip().upper())
    if org is None:
        raise OrganisationNotFound(key)
    return org


def get(uow: UnitOfWork, key: int | str) -> OrganisationView:
    """By id (digits) or by credit code."""
    return view(_find(uow, key))


def list_organisations(
    uow: UnitOfWork, *, kind: str | None = None, city: str | None = None, offset: int = 0, limit: int = 100
) -> OrganisationPage:
    items = uow.organisations.list(kind=kind, city=city, offset=offset, limit=limit)
    total = uow.organisations.count(kind=kind, city=city)
    return OrganisationPage(total=total, offset=offset, items=[view(o) for o in items])


def case_start(uow: UnitOfWork, key: int | str) -> CaseStart:
    """The applicant and products of a new calculator case, from the organisation's profile.

    Products get ids ``p<product id>`` (stable: events of a saved case may refer to them).
    """
    org = _find(uow, key)
    return CaseStart(
        applicant=Applicant(
            kind=OrganisationKind(org.kind).applicant_kind,
            name=org.name,
            credit_code=org.credit_code,
            province=org.province,
            city=org.city,
            district=org.district,
        ),
        products=[
            Product(id=f"p{p.id}", name=p.name, type=p.type, registration_class=p.registration_class)
            for p in org.products
        ],
    )


# -- import ---------------------------------------------------------------------------------------

HEADERS = {
    "name": ("名称", "机构名称", "单位名称", "name"),
    "credit_code": ("统一社会信用代码", "信用代码", "credit_code"),
    "kind": ("类型", "机构类型", "kind"),
    "province": ("省", "省份", "province"),
    "city": ("市", "城市", "所在市", "city"),
    "district": ("区", "区县", "所在区", "district"),
    "products": ("产品", "products"),
}
REQUIRED = ("name", "credit_code", "kind")
KIND_WORDS = {label: kind.value for kind, label in ORGANISATION_KIND_LABELS.items()} | {"协会": "association"}


def _header_map(header: list[str]) -> tuple[dict[int, str], list[str]]:
    aliases = {alias.strip().lower(): field for field, names in HEADERS.items() for alias in names}
    columns: dict[int, str] = {}
    for i, title in enumerate(header):
        field = aliases.get((title or "").strip().lower())
        if field is not None and field not in columns.values():
            columns[i] = field
    missing = [HEADERS[f][0] for f in REQUIRED if f not in columns.values()]
    return columns, missing


def _products(cell: str) -> list[dict[str, Any]]:
    """``名称|类型|注册分类`` entries separated by ``;`` (full-width ``；`` and ``｜`` too)."""
    out = []
    text = cell.replace("；", ";").replace("｜", "|").replace("\n", ";")
    for entry in filter(None, (e.strip() for e in text.split(";"))):
        parts = [p.strip() for p in entry.split("|")]
        out.append(
            {
                "name": parts[0],
                "type": parts[1] if len(parts) > 1 else "",
                "registration_class": (parts[2] if len(parts) > 2 else "") or None,
            }
        )
    return out


def _facts_from_row(values: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {k: v for k, v in values.items() if k != "products"}
    data["kind"] = KIND_WORDS.get(data.get("kind", ""), data.get("kind", ""))
    data["products"] = _products(values.get("products", ""))
    for key in ("province", "city", "district"):
        data[key] = data.get(key) or None
    if not data.get("province"):
        data.pop("province", None)  # the default: 福建省
    return data


def _cells_to_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_table(path: Path, content: bytes | None = None) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of a CSV or XLSX file; line 1 is the header."""
    suffix = path.suffix.lower()
    data = content if content is not None else path.read_bytes()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - a file that is not a workbook
            raise OrganisationError(
                [f"{path.name}：无法作为 XLSX 文件读取（{type(exc).__name__}）"]
            ) from None
        read = 0
        try:
            # rows are read as they are asked for: a damaged sheet shows only part-way through
            for read, row in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
                yield read, [_cells_to_text(v) for v in row]
        except Exception as exc:  # noqa: BLE001 - a damaged sheet inside a readable workbook
            raise OrganisationError(
                [f"{path.name} 第{read + 1}行起：无法作为 XLSX 文件读取（{type(exc).__name__}）"]
            ) from None
        finally:
            book.close()
        return
    if suffix != ".csv":
        raise OrganisationError([f"{path.name}：只能导入 .csv 或 .xlsx 文件"])
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise OrganisationError([f"{path.name}：无法识别文件编码（应为 UTF-8 或 GB18030）"])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for cells in reader:
            yield reader.line_num, [c.strip() for c in cells]
    except csv.Error:  # a cell longer than the csv module's limit, or a quote left open to the end
        raise OrganisationError(
            [f"{path.name} 第{reader.line_num}行：无法作为 CSV 文件读取（某一格内容过长，或引号没有成对）"]
        ) from None


def import_rows(
    uow: UnitOfWork, table: Iterable[tuple[int, list[str]]], *, file: str, all_or_nothing: bool
) -> ImportReport:
    """Check every row, then write the good ones in one transaction (or none, if asked and any is bad)."""
    rows = iter(table)
    first = next(rows, None)
    if first is None:
        raise OrganisationError([f"{file}：文件是空的"])
    columns, missing = _header_map(first[1])
    if missing:
        raise OrganisationError([f"{file} 第{first[0]}行（表头）：缺少列 {'、'.join(missing)}"])

    types = product_types()
    problems: list[ImportProblem] = []
    good: list[tuple[int, OrganisationFacts]] = []
    seen: dict[str, int] = {}
    count = 0
    for line, cells in rows:
        if not any(cells):
            continue
        count += 1
        if count > MAX_IMPORT_ROWS:
            raise OrganisationError([f"{file}：一次最多导入 {MAX_IMPORT_ROWS} 行，请分批导入"])
        values = {field: cells[i] if i < len(cells) else "" for i, field in columns.items()}
        try:
            facts = check(_facts_from_row(values), types)
        except OrganisationError as exc:
            problems.append(ImportProblem(line=line, message="；".join(_columns_named(exc.problems))))
            continue
        if facts.credit_code in seen:
            problems.append(
                ImportProblem(
                    line=line,
                    message=f"统一社会信用代码 {facts.credit_code} 与第{seen[facts.credit_code]}行重复",
                )
            )
            continue
        seen[facts.credit_code] = line
        good.append((line, facts))

    existing = uow.organisations.existing_codes(f.credit_code for _, f in good)
    for line, facts in good:
        if facts.credit_code in existing:
            problems.append(
                ImportProblem(line=line, message=_duplicate(facts.credit_code, existing[facts.credit_code]))
            )
    good = [(line, f) for line, f in good if f.credit_code not in existing]
    problems.sort(key=lambda p: p.line)

    imported = 0
    if good and not (all_or_nothing and problems):
        for _, facts in good:
            uow.session.add(_row(facts))
        try:
            uow.commit()
        except IntegrityError:  # a code registered by someone else while we were importing
            uow.rollback()
            raise OrganisationError(
                [f"{file}：导入期间有相同统一社会信用代码的机构被登记，未导入任何一行，请重试"]
            ) from None
        imported = len(good)
    return ImportReport(
        file=file, rows=count, imported=imported, all_or_nothing=all_or_nothing, problems=problems
    )


COLUMN_WORDS = {
    "name": "名称",
    "credit_code": "统一社会信用代码",
    "kind": "类型",
    "province": "省",
    "city": "市",
    "district": "区",
    "products": "产品",
}


def _columns_named(problems: list[str]) -> list[str]:
    """Field paths (``products[0].type``) as the file's column names (``产品第1项.type``)."""
    named = []
    for text in problems:
        field, sep, rest = text.partition("：")
        if sep and field.startswith("products["):
            index, _, sub = field[len("products[") :].partition("]")
            sub_word = {".type": "类型", ".name": "名称", ".registration_class": "注册分类"}.get(sub, sub)
            field = f"产品第{int(index) + 1}项的{sub_word}" if index.isdigit() else field
        elif sep:
            field = COLUMN_WORDS.get(field, field)
        named.append(f"{field}{sep}{rest}" if sep else text)
    return named


def import_file(
    uow: UnitOfWork, path: Path, *, all_or_nothing: bool = False, content: bytes | None = None
) -> ImportReport:
    """Import organisations from a CSV (UTF-8 or GB18030) or XLSX file (its first sheet).

    Columns (header row, Chinese or English): 名称, 统一社会信用代码, 类型 (企业/医疗机构/平台/行业协会),
    省 (default 福建省), 市, 区, 产品 (``名称|类型|注册分类`` entries separated by ``;``).
    """
    return import_rows(uow, read_table(path, content), file=path.name, all_or_nothing=all_or_nothing)


def _divisions():
    """China's divisions with the catalogue's zones, of the settings' policies folder (cached)."""
    from biopolicy.rules.loader import default_policies_dir
    from biopolicy.rules.places import divisions_of
    from biopolicy.settings import get_settings

    return divisions_of(get_settings().policies or default_policies_dir())
