"""Catalogues: one versioned mechanism for every list the documents publish.

A catalogue is content (``policies/_catalogues/<code>.yaml``: its name, the clause that creates it,
whether its entries are products of the platform or names). Its versions and entries are data: an
administrator creates a version (a draft), adds entries (one by one, or from a CSV/XLSX file) and
publishes it on a date. Entries of a product catalogue name a product of the platform (an unknown
product is refused); a name catalogue's entries are names (道地药材, 闽医名方, white-listed goods).

Publishing a version:

* opens, for each hospital concerned, the duty to hold a 药事会 within one month (xm-2025-1 十三) when
  the catalogue is one a duty's trigger names: ``publications`` hands every published version to the
  compliance engine, which shows the duty due until the corresponding day a month later;
* returns the enterprises whose products entered (``entered_organisations``: in this version and not
  in the catalogue's previous published version), for the notifications the platform sends.

``catalogues_of_product`` says which published catalogues a product is on (the product page).
A published version is not changed: a correction is a new version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from biopolicy.domain import Corpus
from biopolicy.domain.organisation import OrganisationKind
from biopolicy.engine.compliance import Publication, add_months, applicability
from biopolicy.rules.catalogues import (
    ENTRY_KIND_LABELS,
    CatalogueDefinitions,
    EntryKind,
    load_catalogue_definitions,
)
from biopolicy.services import duties, notifications
from biopolicy.services.accounts import Principal, Role
from biopolicy.services.organisations import OrganisationError, read_table
from biopolicy.storage.duty_models import CatalogueEntry, CatalogueVersion, HospitalProfile
from biopolicy.storage.models import Organisation, Product
from biopolicy.storage.uow import UnitOfWork

MAX_ROWS = 20000
HEADERS: dict[str, tuple[str, ...]] = {
    "product_id": ("产品编号", "product_id"),
    "credit_code": ("统一社会信用代码", "credit_code", "信用代码"),
    "product": ("产品名称", "product"),
    "name": ("名称", "name", "条目"),
    "note": ("备注", "note"),
}


class CatalogueError(ValueError):
    """Input refused, nothing written; ``problems`` are Chinese sentences naming the field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


class CatalogueForbidden(PermissionError):
    pass


class CatalogueNotFound(LookupError):
    pass


_DEFS: dict[int, CatalogueDefinitions] = {}


def definitions(corpus: Corpus) -> CatalogueDefinitions:
    found = _DEFS.get(id(corpus))
    if found is None:
        found = _DEFS[id(corpus)] = load_catalogue_definitions(corpus)
    return found


def _admin(p: Principal) -> None:
    if not p.has(Role.administrator):
        raise CatalogueForbidden("目录的版本与条目由管理员维护")


def _definition(corpus: Corpus, code: str):
    found = definitions(corpus).get(code)
    if found is None:
        raise CatalogueNotFound(f"没有代码为“{code}”的目录")
    return found


def _lock_version(uow: UnitOfWork, version_id: int) -> CatalogueVersion:
    """The version read again under a row lock (PostgreSQL), so two administrators cannot both
    publish it or add to it once published; SQLite's one writer already serialises."""
    q = (
        select(CatalogueVersion)
        .where(CatalogueVersion.id == version_id)
        .execution_options(populate_existing=True)
    )
    if uow.backend == "postgresql":
        q = q.with_for_update()
    row = uow.session.scalar(q)
    if row is None:
        raise CatalogueNotFound(f"没有编号为 {version_id} 的目录版本")
    if row.published_on is not None:
        raise CatalogueError(
            [f"version：该版本已于 {row.published_on.isoformat()} 公布，不能再修改；如需更正请新建一个版本"]
        )
    return row


def _version(uow: UnitOfWork, version_id: int) -> CatalogueVersion:
    row = uow.session.get(CatalogueVersion, version_id)
    if row is None:
        raise CatalogueNotFound(f"没有编号为 {version_id} 的目录版本")
    return row


# -- views ---------------------------------------------------------------------------------------


class EntryView(BaseModel):
    id: int
    name: str
    product_id: int | None
    organisation_id: int | None
    organisation_name: str | None
    note: str


class VersionView(BaseModel):
    id: int
    catalogue: str
    catalogue_label: str
    label: str
    published_on: dt.date | None
    status_label: str
    note: str
    entries: list[EntryView]


class CatalogueView(BaseModel):
    code: str
    label: str
    issuer: str | None
    clauses: list[str]
    citations: list[str]
    excerpt: str
    entries_are: str
    notes: list[str]
    opens_duty: list[str]  # titles of the duties a published version opens
    versions: list[VersionView]


def _entry_view(e: CatalogueEntry, names: Mapping[int, str]) -> EntryView:
    return EntryView(
        id=e.id,
        name=e.name,
        product_id=e.product_id,
        organisation_id=e.organisation_id,
        organisation_name=names.get(e.organisation_id) if e.organisation_id else None,
        note=e.note,
    )


def _org_names(uow: UnitOfWork, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(
        uow.session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all()
    )


def _version_view(
    uow: UnitOfWork, corpus: Corpus, v: CatalogueVersion, with_entries: bool = True
) -> VersionView:
    d = definitions(corpus).get(v.catalogue)
    entries = list(v.entries) if with_entries else []
    names = _org_names(uow, {e.organisation_id for e in entries if e.organisation_id})
    return VersionView(
        id=v.id,
        catalogue=v.catalogue,
        catalogue_label=d.label if d else v.catalogue,
        label=v.label,
        published_on=v.published_on,
        status_label=f"{v.published_on.isoformat()} 公布" if v.published_on else "草稿（未公布）",
        note=v.note,
        entries=[_entry_view(e, names) for e in entries],
    )


def _opens(corpus: Corpus, code: str) -> list[Any]:
    rules = duties.obligations(corpus)
    return [ob for ob in rules.obligations.values() if ob.trigger and code in ob.trigger.catalogues]


def catalogue_list(uow: UnitOfWork, corpus: Corpus) -> list[CatalogueView]:
    versions = list(uow.session.scalars(select(CatalogueVersion).order_by(CatalogueVersion.id.desc())))
    out = []
    for code, d in sorted(definitions(corpus).items(), key=lambda kv: kv[1].label):
        out.append(
            CatalogueView(
                code=code,
                label=d.label,
                issuer=d.issuer,
                clauses=list(d.clauses),
                citations=[duties.cite(corpus, c) for c in d.clauses],
                excerpt=d.excerpt,
                entries_are=ENTRY_KIND_LABELS[d.entries],
                notes=[n.text for n in d.notes],
                opens_duty=[ob.title for ob in _opens(corpus, code)],
                versions=[
                    _version_view(uow, corpus, v, with_entries=False) for v in versions if v.catalogue == code
                ],
            )
        )
    return out


def catalogue(uow: UnitOfWork, corpus: Corpus, code: str) -> CatalogueView:
    d = _definition(corpus, code)
    versions = uow.session.scalars(
        select(CatalogueVersion)
        .where(CatalogueVersion.catalogue == code)
        .order_by(CatalogueVersion.id.desc())
    )
    return CatalogueView(
        code=code,
        label=d.label,
        issuer=d.issuer,
        clauses=list(d.clauses),
        citations=[duties.cite(corpus, c) for c in d.clauses],
        excerpt=d.excerpt,
        entries_are=ENTRY_KIND_LABELS[d.entries],
        notes=[n.text for n in d.notes],
        opens_duty=[ob.title for ob in _opens(corpus, code)],
        versions=[_version_view(uow, corpus, v) for v in versions],
    )


def version(uow: UnitOfWork, corpus: Corpus, version_id: int) -> VersionView:
    return _version_view(uow, corpus, _version(uow, version_id))


def code_of_version(uow: UnitOfWork, version_id: int) -> str | None:
    return uow.session.scalar(select(CatalogueVersion.catalogue).where(CatalogueVersion.id == version_id))


# -- changes -------------------------------------------------------------------------------------


def create_version(
    uow: UnitOfWork, p: Principal, corpus: Corpus, code: str, label: str, note: str = "", *, key: str | None
) -> dict[str, Any]:
    """A draft version of catalogue ``code``; entries are added before it is published."""
    _admin(p)
    _definition(corpus, code)
    label = (label or "").strip()
    problems = []
    if not label or len(label) > 100:
        problems.append("label：请填写版本名称（如“2026年版”“第一批”），不超过 100 字")
    if len(note or "") > 2000:
        problems.append("note：说明不超过 2000 字")
    if problems:
        raise CatalogueError(problems)

    def work() -> dict[str, Any]:
        exists = uow.session.scalar(
            select(CatalogueVersion.id).where(
                CatalogueVersion.catalogue == code, CatalogueVersion.label == label
            )
        )
        if exists is not None:
            raise CatalogueError([f"label：本目录已有名为“{label}”的版本"])
        row = CatalogueVersion(
            catalogue=code, label=label, note=(note or "").strip(), created_by=p.user_id or None
        )
        uow.session.add(row)
        uow.session.flush()
        return _version_view(uow, corpus, row).model_dump(mode="json")

    return duties.once(
        uow, key, "catalogue_version", None, {"code": code, "label": label, "note": note}, work
    )


def _check_entry(
    uow: UnitOfWork,
    kind: EntryKind,
    item: Mapping[str, Any],
    where: str,
    products: Mapping[int, Product] | None = None,
) -> tuple[CatalogueEntry | None, list[str]]:
    note = str(item.get("note") or "").strip()[:500]
    if kind is EntryKind.names:
        name = str(item.get("name") or "").strip()
        if not name or len(name) > 200:
            return None, [f"{where}name：请填写条目名称（不超过 200 字）"]
        if item.get("product_id") not in (None, ""):
            return None, [f"{where}product_id：本目录的条目是名称，不关联产品，请只填 name"]
        return CatalogueEntry(name=name, note=note), []
    raw = item.get("product_id")
    try:
        product_id = int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None, [
            f"{where}product_id：本目录的条目应为平台上登记的产品，请填写产品编号，收到“{raw or ''}”"
        ]
    product = products.get(product_id) if products is not None else uow.session.get(Product, product_id)
    if product is None:
        return None, [f"{where}product_id：没有编号为 {product_id} 的产品；请先由企业登记该产品再列入目录"]
    return CatalogueEntry(
        product_id=product.id, organisation_id=product.organisation_id, name=product.name, note=note
    ), []


def add_entries(
    uow: UnitOfWork,
    p: Principal,
    corpus: Corpus,
    version_id: int,
    items: Sequence[Mapping[str, Any]],
    *,
    key: str | None,
) -> dict[str, Any]:
    """Add entries to a draft version; all or none."""
    _admin(p)
    v = _version(uow, version_id)
    d = _definition(corpus, v.catalogue)
    if not items:
        raise CatalogueError(["entries：请至少填写一个条目"])

    def work() -> dict[str, Any]:
        _lock_version(uow, version_id)
        existing = {(e.product_id, e.name) for e in v.entries}
        problems: list[str] = []
        rows: list[CatalogueEntry] = []
        for i, item in enumerate(items):
            row, found = _check_entry(uow, d.entries, item, f"entries[{i}].")
            problems += found
            if row is not None:
                if (row.product_id, row.name) in existing:
                    problems.append(f"entries[{i}]：“{row.name}”已在本版本中")
                existing.add((row.product_id, row.name))
                rows.append(row)
        if problems:
            raise CatalogueError(problems)
        v.entries.extend(rows)
        uow.session.flush()
        return _version_view(uow, corpus, v).model_dump(mode="json")

    return duties.once(
        uow, key, "catalogue_entries", None, {"version": version_id, "items": list(items)}, work
    )


def _header(cells: list[str]) -> tuple[dict[int, str], list[str]]:
    names = {alias: field for field, aliases in HEADERS.items() for alias in aliases}
    found: dict[int, str] = {}
    unknown = []
    for i, cell in enumerate(cells):
        cell = (cell or "").strip()
        if not cell:
            continue
        if cell in names:
            found[i] = names[cell]
        else:
            unknown.append(cell)
    return found, unknown


def read_entries(uow: UnitOfWork, kind: EntryKind, filename: str, content: bytes) -> list[dict[str, Any]]:
    """The rows of a CSV/XLSX file as entries; a product row names 产品编号, or 统一社会信用代码 and 产品名称."""
    try:
        rows = list(read_table(Path(filename or "entries.csv"), content))
    except OrganisationError as exc:
        raise CatalogueError([f"file：{p}" for p in exc.problems]) from None
    if not rows:
        raise CatalogueError(["file：文件是空的"])
    columns, unknown = _header(rows[0][1])
    if unknown:
        allowed = "、".join(a[0] for a in HEADERS.values())
        raise CatalogueError([f"file：第1行有不认识的列 {'、'.join(unknown)}；可用的列为 {allowed}"])
    if len(rows) - 1 > MAX_ROWS:
        raise CatalogueError([f"file：一次最多导入 {MAX_ROWS} 行"])
    out = []
    problems = []
    for line, cells in rows[1:]:
        values = {columns[i]: c for i, c in enumerate(cells) if i in columns and c}
        if not values:
            continue
        if kind is EntryKind.products and not values.get("product_id"):
            code, name = values.get("credit_code"), values.get("product")
            if not code or not name:
                problems.append(f"第{line}行：请填写产品编号，或统一社会信用代码和产品名称")
                continue
            found = uow.session.scalars(
                select(Product.id)
                .join(Organisation)
                .where(Organisation.credit_code == code, Product.name == name)
            ).all()
            if len(found) != 1:
                problems.append(f"第{line}行：统一社会信用代码 {code} 的企业没有名为“{name}”的产品")
                continue
            values["product_id"] = str(found[0])
        out.append({**values, "line": line})
    if problems:
        raise CatalogueError(problems)
    if not out:
        raise CatalogueError(["file：文件中没有条目"])
    return out


def import_entries(
    uow: UnitOfWork,
    p: Principal,
    corpus: Corpus,
    version_id: int,
    filename: str,
    content: bytes,
    *,
    key: str | None,
) -> dict[str, Any]:
    """Add the entries of a CSV or XLSX file to a draft version; a bad row refuses the whole file."""
    _admin(p)
    v = _version(uow, version_id)
    d = _definition(corpus, v.catalogue)
    items = read_entries(uow, d.entries, filename, content)
    try:
        return add_entries(
            uow, p, corpus, version_id, [{k: x for k, x in i.items() if k != "line"} for i in items], key=key
        )
    except CatalogueError as exc:
        lines = [i["line"] for i in items]

        def by_line(problem: str) -> str:
            head, _, rest = problem.partition("：")
            if head.startswith("entries["):
                n = int(head[len("entries[") : head.index("]")])
                return f"第{lines[n]}行：{rest}"
            return problem

        raise CatalogueError([by_line(x) for x in exc.problems]) from None


class OpenedDuty(BaseModel):
    obligation: str
    title: str
    clauses: list[str]
    due: dt.date
    hospitals: int


class EnteredOrganisation(BaseModel):
    organisation_id: int
    name: str
    products: list[str]


class PublishResult(BaseModel):
    version: VersionView
    opened: list[OpenedDuty]
    entered: list[EnteredOrganisation]


def publish(
    uow: UnitOfWork,
    p: Principal,
    corpus: Corpus,
    version_id: int,
    published_on: dt.date,
    *,
    today: dt.date,
    key: str | None,
) -> dict[str, Any]:
    """Publish a draft version on ``published_on`` (not after today): the duties it opens start that day."""
    _admin(p)
    v = _version(uow, version_id)
    problems = []
    if published_on > today:
        problems.append(
            f"published_on：公布日期 {published_on.isoformat()} 晚于今天（{today.isoformat()}），请在公布后登记"
        )
    if not v.entries:
        problems.append("entries：该版本还没有条目，不能公布")
    if problems:
        raise CatalogueError(problems)

    def work() -> dict[str, Any]:
        _lock_version(uow, version_id)
        same_day = uow.session.scalar(
            select(CatalogueVersion.label).where(
                CatalogueVersion.catalogue == v.catalogue, CatalogueVersion.published_on == published_on
            )
        )
        if same_day is not None:
            raise CatalogueError(
                [f"published_on：本目录 {published_on.isoformat()} 已公布过版本“{same_day}”"]
            )
        v.published_on = published_on
        uow.session.flush()
        tell_publication(uow, corpus, v, p.user_id)
        return PublishResult(
            version=_version_view(uow, corpus, v),
            opened=opened_duties(uow, corpus, v),
            entered=entered_organisations(uow, v),
        ).model_dump(mode="json")

    return duties.once(uow, key, "catalogue_publish", None, {"version": version_id, "on": published_on}, work)


def _bound_hospitals(uow: UnitOfWork, obs: Sequence[Any]) -> dict[str, list[int]]:
    """Per obligation, the hospitals (medical institutions) it applies to, by organisation id."""
    hospitals = list(
        uow.session.scalars(
            select(Organisation).where(Organisation.kind == OrganisationKind.medical_institution.value)
        )
    )
    profiles = {r.organisation_id: r for r in uow.session.scalars(select(HospitalProfile))}
    insts = [(o.id, duties.institution(o, profiles.get(o.id))) for o in hospitals]
    return {ob.id: [oid for oid, i in insts if applicability(i, ob.who)[0] is None] for ob in obs}


def opened_duties(uow: UnitOfWork, corpus: Corpus, v: CatalogueVersion) -> list[OpenedDuty]:
    """The duties a published version opens, with their due day and how many hospitals they concern."""
    if v.published_on is None:
        return []
    obs = _opens(corpus, v.catalogue)
    if not obs:
        return []
    bound = _bound_hospitals(uow, obs)
    return [
        OpenedDuty(
            obligation=ob.id,
            title=ob.title,
            clauses=list(ob.clauses),
            due=add_months(v.published_on, ob.trigger.within_months),
            hospitals=len(bound[ob.id]),
        )
        for ob in obs
    ]


def tell_publication(uow: UnitOfWork, corpus: Corpus, v: CatalogueVersion, actor_id: int | None) -> int:
    """The messages of a publication, in its transaction: the staff of each enterprise whose products
    entered with this version, and the staff of each hospital a duty it opens applies to (what, and by
    when). Returns how many people were told."""
    label = _definition(corpus, v.catalogue).label
    on = v.published_on.isoformat()
    link = f"/catalogues/{v.catalogue}"
    exclude = [actor_id] if actor_id else []
    told = 0
    for org in entered_organisations(uow, v):
        told += notifications.notify(
            uow,
            organisation_id=org.organisation_id,
            kind="catalogue_entered",
            title=f"产品列入{label}",
            body=f"您单位的产品“{'”“'.join(org.products)}”列入{label}（{v.label}），{on} 公布。",
            link=link,
            exclude=exclude,
        )
    obs = _opens(corpus, v.catalogue)
    bound = _bound_hospitals(uow, obs) if obs else {}
    for ob in obs:
        due = add_months(v.published_on, ob.trigger.within_months)
        for hospital in bound[ob.id]:
            told += notifications.notify(
                uow,
                organisation_id=hospital,
                kind="duty_opened",
                title=f"{label}已公布，请按时落实",
                body=f"{label}（{v.label}）已于 {on} 公布：“{ob.title}”，请于 {due.isoformat()} 前完成并登记。",
                link="/duties",
                exclude=exclude,
            )
    return told


def entered_organisations(uow: UnitOfWork, version: CatalogueVersion | int) -> list[EnteredOrganisation]:
    """The enterprises whose products entered with ``version``: on it and not on the catalogue's
    previous published version (all of them for the first). For the notifications to send."""
    v = version if isinstance(version, CatalogueVersion) else _version(uow, version)
    before: set[int] = set()
    if v.published_on is not None:
        prev = uow.session.scalar(
            select(CatalogueVersion)
            .where(
                CatalogueVersion.catalogue == v.catalogue,
                CatalogueVersion.published_on.is_not(None),
                CatalogueVersion.published_on < v.published_on,
            )
            .order_by(CatalogueVersion.published_on.desc())
            .limit(1)
        )
        if prev is not None:
            before = {e.product_id for e in prev.entries if e.product_id}
    by_org: dict[int, list[str]] = {}
    for e in v.entries:
        if e.product_id and e.organisation_id and e.product_id not in before:
            by_org.setdefault(e.organisation_id, []).append(e.name)
    names = _org_names(uow, set(by_org))
    return [
        EnteredOrganisation(organisation_id=o, name=names.get(o, ""), products=ps)
        for o, ps in sorted(by_org.items())
    ]


def publications(uow: UnitOfWork) -> list[Publication]:
    """Every published version, as the compliance engine reads catalogue publications."""
    rows = uow.session.execute(
        select(CatalogueVersion.catalogue, CatalogueVersion.published_on, CatalogueVersion.label).where(
            CatalogueVersion.published_on.is_not(None)
        )
    ).all()
    return [Publication(c, d, label) for c, d, label in rows]


class Membership(BaseModel):
    catalogue: str
    catalogue_label: str
    version: str
    published_on: dt.date
    clauses: list[str]
    citations: list[str]


def catalogues_of_product(
    uow: UnitOfWork, product: Product | int, corpus: Corpus | None = None
) -> list[Membership]:
    """The published catalogue versions a product is on, newest first (the product page)."""
    product_id = product if isinstance(product, int) else product.id
    rows = uow.session.execute(
        select(CatalogueVersion.catalogue, CatalogueVersion.label, CatalogueVersion.published_on)
        .join(CatalogueEntry, CatalogueEntry.version_id == CatalogueVersion.id)
        .where(CatalogueEntry.product_id == product_id, CatalogueVersion.published_on.is_not(None))
        .order_by(CatalogueVersion.published_on.desc())
    ).all()
    if corpus is None:
        from biopolicy.services.library import get_library

        corpus = get_library().corpus
    defs = definitions(corpus)
    out = []
    for code, label, on in rows:
        d = defs.get(code)
        out.append(
            Membership(
                catalogue=code,
                catalogue_label=d.label if d else code,
                version=label,
                published_on=on,
                clauses=list(d.clauses) if d else [],
                citations=[duties.cite(corpus, c) for c in d.clauses] if d else [],
            )
        )
    return out
