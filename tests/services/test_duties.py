"""Hospitals' duties through the services, on SQLite and PostgreSQL: the profile and the records a
hospital keeps (refused whole when wrong), compliance for the hospital and for the health commission,
catalogue publications opening the one-month duty, and who may see what."""

from __future__ import annotations

import io
from datetime import date

import pytest
from argon2 import PasswordHasher
from openpyxl import load_workbook
from sqlalchemy import func, select
from tests.services.test_organisations import FACTS, code

from biopolicy.services import accounts, duties
from biopolicy.services import catalogues as cats
from biopolicy.services import organisations as orgs
from biopolicy.services.duties import DutyError, DutyForbidden, Upload
from biopolicy.storage.duty_models import DutyRecord
from biopolicy.storage.models import AuditLog, Product
from biopolicy.storage.uow import UnitOfWork

PASSWORD = "correct-horse-42"
PDF = b"%PDF-1.4\n%minutes\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
XM_QUARTERLY = "xm-2025-1/m13-pharmacy-quarterly"
XM_CATALOGUE = "xm-2025-1/m13-catalogue-meeting"
HOSPITAL = {
    "name": "厦门某医院",
    "credit_code": code(3),
    "kind": "medical_institution",
    "city": "厦门市",
    "district": "思明区",
    "products": [],
}


@pytest.fixture
def world(database, real_library, tmp_path, monkeypatch):
    # seven people per test: a cheap argon2 keeps the fixture fast (the hashing is tested elsewhere)
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    ids = {}
    with UnitOfWork(database, actor="test") as uow:
        ids["H"] = orgs.create(uow, HOSPITAL).id
    with UnitOfWork(database, actor="test") as uow:
        ids["H2"] = orgs.create(uow, {**HOSPITAL, "name": "厦门另一医院", "credit_code": code(4)}).id
    with UnitOfWork(database, actor="test") as uow:
        ids["A"] = orgs.create(uow, FACTS).id
    people = {
        "staff": ("H", [("applicant", "")]),
        "staff-2": ("H2", [("applicant", "")]),
        "enterprise": ("A", [("applicant", "")]),
        "commission": (None, [("reviewer", "市卫健委")]),
        "city-reviewer": (None, [("reviewer", "市科技局")]),
        "auditor": (None, [("auditor", "")]),
        "admin": (None, [("administrator", "")]),
    }
    who = {}
    for login, (org, roles) in people.items():
        with UnitOfWork(database, actor="test") as uow:
            accounts.create_user(uow, login, login, password=PASSWORD,
                                 organisation=ids[org] if org else None, roles=roles)  # fmt: skip
            who[login] = accounts.authenticate(uow, login, PASSWORD)
    return database, ids, who, real_library.corpus, tmp_path


def record(world, who="staff", org="H", today=date(2026, 6, 30), upload=None, key=None, limit=None, **data):
    database, ids, people, _, data_dir = world
    with UnitOfWork(database, actor="test") as uow:
        return duties.add_record(
            uow, people[who], ids[org], data, upload, today=today, data_dir=data_dir,
            key=key or f"{who}-{data.get('kind')}-{data.get('held_on')}", max_file_bytes=limit,
        )  # fmt: skip


def refused(world, **kw) -> list[str]:
    with pytest.raises(DutyError) as exc:
        record(world, **kw)
    return exc.value.problems


def count(database, model=DutyRecord) -> int:
    with database.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def view(world, who="staff", org=None, on=date(2026, 6, 30), **kw):
    database, ids, people, corpus, _ = world
    with UnitOfWork(database, actor="test", read_only=True) as uow:
        return duties.hospital_compliance(uow, people[who], corpus, ids[org] if org else None, on=on, **kw)


def period(v, obligation, label):
    found = [p for p in v.periods if p.obligation == obligation and p.period == label]
    assert len(found) == 1, [(p.obligation, p.period) for p in v.periods]
    return found[0]


# -- records -----------------------------------------------------------------------------------


def test_a_meeting_with_its_minutes_is_stored_by_sha256_under_records_and_audited(world):
    database, _, _, _, data_dir = world
    trail = count(database, AuditLog)
    got = record(world, kind="pharmacy_committee", held_on="2026-06-30", notes="二季度药事会",
                 upload=Upload("纪要.pdf", PDF))  # fmt: skip
    assert got["replayed"] is False and got["file_type"] == "pdf" and got["file_size"] == len(PDF)
    stored = list((data_dir / "records").iterdir())
    assert [p.name for p in stored] == [f"{got['file_sha256']}.pdf"] and stored[0].read_bytes() == PDF
    assert count(database) == 1 and count(database, AuditLog) > trail
    again = record(world, kind="pharmacy_committee", held_on="2026-06-30", notes="二季度药事会",
                   upload=Upload("纪要.pdf", PDF))  # fmt: skip
    assert again["replayed"] is True and again["id"] == got["id"] and count(database) == 1


def test_a_meeting_dated_tomorrow_is_refused_and_today_is_accepted(world):
    problems = refused(world, kind="ethics_committee", held_on="2026-07-01")
    assert problems == ["held_on：日期 2026-07-01 晚于今天（2026-06-30），不能登记尚未举行的会议或接待日"]
    assert count(world[0]) == 0
    assert record(world, kind="ethics_committee", held_on="2026-06-30")["held_on"] == "2026-06-30"


def test_a_second_record_of_the_same_kind_and_day_is_refused_another_kind_is_not(world):
    record(world, kind="pharmacy_committee", held_on="2026-05-10")
    problems = refused(world, kind="pharmacy_committee", held_on="2026-05-10", key="other-key")
    assert problems == [
        "held_on：本机构 2026-05-10 的药事管理与药物治疗学委员会会议已登记过，同一类型同一天只能登记一次"
    ]
    record(world, kind="device_committee", held_on="2026-05-10")
    assert count(world[0]) == 2


def test_a_file_that_is_not_pdf_png_or_jpeg_is_refused_and_nothing_is_written(world):
    problems = refused(world, kind="reception_day", held_on="2026-05-10",
                       upload=Upload("签到表.docx", b"PK\x03\x04 word"))  # fmt: skip
    assert problems == [
        "file：文件“签到表.docx”不是 PDF、PNG 或 JPEG 文件；会议纪要或签到表请上传 PDF、PNG 或 JPEG"
    ]
    assert count(world[0]) == 0 and not (world[4] / "records").exists()
    got = record(world, kind="reception_day", held_on="2026-05-10", upload=Upload("签到表.png", PNG))
    assert got["file_type"] == "png"


def test_a_file_of_exactly_the_size_limit_is_accepted_and_one_byte_more_refused(world):
    exact = PDF + b"0" * (1024 * 1024 - len(PDF))
    upload = Upload("a.pdf", exact)
    assert record(world, kind="reception_day", held_on="2026-05-11", upload=upload, limit=1024 * 1024)[
        "file_size"
    ]
    problems = refused(
        world,
        kind="reception_day",
        held_on="2026-05-12",
        upload=Upload("b.pdf", exact + b"0"),
        limit=1024 * 1024,
    )
    assert problems == ["file：文件“b.pdf”大于 1 MB，请压缩后再上传"]
    assert count(world[0]) == 1


def test_an_unknown_kind_and_a_bad_date_are_named(world):
    problems = refused(world, kind="board", held_on="2026-13-01")
    assert problems[0].startswith("kind：会议类型应为 ethics_committee（伦理委员会会议）")
    assert problems[1] == "held_on：日期应为 YYYY-MM-DD 格式，收到“2026-13-01”"


def test_staff_record_for_their_own_hospital_only_and_enterprises_not_at_all(world):
    with pytest.raises(DutyForbidden):
        record(world, who="staff-2", org="H", kind="reception_day", held_on="2026-05-10")
    with pytest.raises(DutyForbidden):
        record(world, who="enterprise", org="H", kind="reception_day", held_on="2026-05-10")
    with pytest.raises(DutyForbidden):
        record(world, who="city-reviewer", org="H", kind="reception_day", held_on="2026-05-10")
    record(world, who="commission", org="H", kind="reception_day", held_on="2026-05-10")
    with pytest.raises(DutyError):  # an enterprise has no hospital duties
        record(world, who="admin", org="A", kind="reception_day", held_on="2026-05-10")


# -- profile ------------------------------------------------------------------------------------


def test_the_profile_is_checked_and_an_unknown_grade_is_named(world):
    database, ids, who, _, _ = world
    with UnitOfWork(database, actor="test") as uow, pytest.raises(DutyError) as exc:
        duties.set_profile(uow, who["staff"], ids["H"], {"grade": "四级", "public": "也许"}, key="p1")
    assert exc.value.problems[0].startswith("grade：医院等级应为 ungraded（未定级）")
    assert exc.value.problems[1] == "public：是否公立应填“是”或“否”（或不填），收到“也许”"
    with UnitOfWork(database, actor="test") as uow:
        got = duties.set_profile(uow, who["staff"], ids["H"], {"grade": "tertiary", "public": "是"}, key="p2")
    assert got["grade_label"] == "三级" and got["public"] is True and got["runs_trials"] is None


# -- compliance ---------------------------------------------------------------------------------


def test_the_hospital_sees_a_quarter_met_by_a_meeting_on_its_last_day_and_the_next_missed(world):
    record(world, kind="pharmacy_committee", held_on="2026-03-31", today=date(2026, 3, 31))
    v = view(world, on=date(2026, 7, 1))
    q1 = period(v, XM_QUARTERLY, "2026年第一季度")
    assert q1.status == "met" and q1.record_dates == [date(2026, 3, 31)] and q1.clauses == ["xm-2025-1/m13"]
    q2 = period(v, XM_QUARTERLY, "2026年第二季度")
    assert q2.status == "missed" and q2.count == 0
    assert v.periods[0].status == "missed"  # missed first
    # the fj-2023-7 duties depend on the grade, which is not filled in: unknown, saying why
    unknown = [p for p in v.periods if p.status == "unknown"]
    assert unknown and "医院等级" in unknown[0].explanation


def test_a_reminder_comes_within_n_working_days_of_the_quarter_end_and_not_before(world):
    # 2026-06-30 (Tue) ends the quarter; 端午 2026-06-19 is off: from Mon 2026-06-15 ten working days
    # are left (16, 17, 18, 22–26, 29, 30), from Fri 2026-06-12 eleven
    inside = view(world, on=date(2026, 6, 15), remind=10)
    assert [r.obligation for r in inside.reminders if r.obligation == XM_QUARTERLY]
    r = next(r for r in inside.reminders if r.obligation == XM_QUARTERLY)
    assert r.working_days_left == 10 and "2026-06-30 截止" in r.message
    outside = view(world, on=date(2026, 6, 12), remind=10)
    assert not [r for r in outside.reminders if r.obligation == XM_QUARTERLY]


def test_the_commission_sees_every_hospital_missed_first_and_others_are_refused(world):
    database, _, people, corpus, _ = world
    record(world, kind="pharmacy_committee", held_on="2026-02-02", today=date(2026, 2, 2))
    with UnitOfWork(database, actor="test", read_only=True) as uow:
        o = duties.commission_overview(uow, people["commission"], corpus, on=date(2026, 4, 1))
    assert [h.hospital for h in o.hospitals] == ["厦门另一医院", "厦门某医院"]  # more missed first
    assert o.periods[0].status == "missed" and o.periods[-1].status in ("met", "unknown")
    assert all(p.status != "not_applicable" for p in o.periods)
    with UnitOfWork(database, actor="test", read_only=True) as uow:
        audit = duties.commission_overview(uow, people["auditor"], corpus, on=date(2026, 4, 1), status="met")
    assert {p.status for p in audit.periods} == {"met"}
    for who in ("staff", "enterprise", "city-reviewer"):
        with UnitOfWork(database, actor="test", read_only=True) as uow, pytest.raises(DutyForbidden):
            duties.commission_overview(uow, people[who], corpus, on=date(2026, 4, 1))
    with pytest.raises(DutyForbidden):
        view(world, who="enterprise")
    with pytest.raises(DutyForbidden):
        view(world, who="staff-2", org="H")


# -- catalogues ---------------------------------------------------------------------------------


def product_of(database, org_id: int, name: str) -> int:
    with database.sessions() as s:
        return s.scalar(select(Product.id).where(Product.organisation_id == org_id, Product.name == name))


def publish(world, label, products, on, today=None):
    database, _, who, corpus, _ = world
    with UnitOfWork(database, actor="test") as uow:
        v = cats.create_version(uow, who["admin"], corpus, "xm-new-products", label, key=f"v-{label}")
    with UnitOfWork(database, actor="test") as uow:
        cats.add_entries(
            uow, who["admin"], corpus, v["id"], [{"product_id": p} for p in products], key=f"e-{label}"
        )
    with UnitOfWork(database, actor="test") as uow:
        return cats.publish(uow, who["admin"], corpus, v["id"], on, today=today or on, key=f"p-{label}")


def test_a_catalogue_published_on_31_january_makes_the_meeting_due_on_28_february_and_missed_on_1_march(
    world,
):
    database, ids, _, _, _ = world
    mab = product_of(database, ids["A"], "某单抗")
    got = publish(world, "2026年第一批", [mab], date(2026, 1, 31))
    assert got["opened"] == [
        {"obligation": XM_CATALOGUE, "title": got["opened"][0]["title"], "clauses": ["xm-2025-1/m13"],
         "due": "2026-02-28", "hospitals": 2}
    ]  # fmt: skip
    assert got["entered"] == [{"organisation_id": ids["A"], "name": FACTS["name"], "products": ["某单抗"]}]
    label = "厦门市新优药械产品目录（2026年第一批） 2026-01-31 公布后1个月内（至 2026-02-28）"
    assert period(view(world, on=date(2026, 2, 28)), XM_CATALOGUE, label).status == "due"
    assert period(view(world, on=date(2026, 3, 1)), XM_CATALOGUE, label).status == "missed"
    record(world, kind="pharmacy_committee", held_on="2026-02-28", today=date(2026, 2, 28))
    assert period(view(world, on=date(2026, 3, 1)), XM_CATALOGUE, label).status == "met"


def test_a_second_version_names_only_the_enterprises_whose_products_newly_entered(world):
    database, ids, _, _, _ = world
    mab, kit = product_of(database, ids["A"], "某单抗"), product_of(database, ids["A"], "某试剂")
    publish(world, "第一批", [mab], date(2026, 1, 5))
    assert publish(world, "第二批", [mab], date(2026, 3, 5))["entered"] == []
    assert publish(world, "第三批", [mab, kit], date(2026, 5, 5))["entered"][0]["products"] == ["某试剂"]
    with UnitOfWork(database, actor="test", read_only=True) as uow:
        on = cats.catalogues_of_product(uow, mab, world[3])
    assert [(m.catalogue_label, m.version) for m in on] == [
        ("厦门市新优药械产品目录", v) for v in ("第三批", "第二批", "第一批")
    ]


def test_an_entry_for_an_unknown_product_a_future_publication_and_non_admins_are_refused(world):
    database, _, who, corpus, _ = world
    with UnitOfWork(database, actor="test") as uow:
        v = cats.create_version(uow, who["admin"], corpus, "xm-new-products", "草稿", key="v")
    with UnitOfWork(database, actor="test") as uow, pytest.raises(cats.CatalogueError) as exc:
        cats.add_entries(uow, who["admin"], corpus, v["id"], [{"product_id": 99999}], key="e")
    assert exc.value.problems == [
        "entries[0].product_id：没有编号为 99999 的产品；请先由企业登记该产品再列入目录"
    ]
    with UnitOfWork(database, actor="test") as uow, pytest.raises(cats.CatalogueError) as exc:
        cats.publish(uow, who["admin"], corpus, v["id"], date(2026, 3, 2), today=date(2026, 3, 1), key="p")
    assert "公布日期 2026-03-02 晚于今天（2026-03-01）" in exc.value.problems[0]
    with UnitOfWork(database, actor="test") as uow, pytest.raises(cats.CatalogueForbidden):
        cats.create_version(uow, who["commission"], corpus, "xm-new-products", "x", key="c")


def test_a_name_catalogue_imports_entries_from_csv_and_names_the_bad_line(world):
    database, _, who, corpus, _ = world
    with UnitOfWork(database, actor="test") as uow:
        v = cats.create_version(uow, who["admin"], corpus, "fj-daodi-herbs", "第一批", key="v")
    csv = "名称,备注\n建泽泻,福九味\n太子参,\n".encode()
    with UnitOfWork(database, actor="test") as uow:
        got = cats.import_entries(uow, who["admin"], corpus, v["id"], "herbs.csv", csv, key="i")
    assert [e["name"] for e in got["entries"]] == ["建泽泻", "太子参"]
    with UnitOfWork(database, actor="test") as uow, pytest.raises(cats.CatalogueError) as exc:
        cats.import_entries(
            uow, who["admin"], corpus, v["id"], "herbs.csv", "名称\n金线莲\n建泽泻\n".encode(), key="j"
        )
    assert exc.value.problems == ["第3行：“建泽泻”已在本版本中"]


def test_publishing_again_with_the_same_key_replays_and_with_another_is_refused(world):
    database, ids, who, corpus, _ = world
    mab = product_of(database, ids["A"], "某单抗")
    first = publish(world, "第一批", [mab], date(2026, 1, 5))
    with UnitOfWork(database, actor="test") as uow:
        again = cats.publish(uow, who["admin"], corpus, first["version"]["id"], date(2026, 1, 5),
                             today=date(2026, 1, 5), key="p-第一批")  # fmt: skip
    assert again["replayed"] is True and again["opened"] == first["opened"]
    with UnitOfWork(database, actor="test") as uow, pytest.raises(cats.CatalogueError) as exc:
        cats.publish(uow, who["admin"], corpus, first["version"]["id"], date(2026, 1, 6),
                     today=date(2026, 1, 6), key="another")  # fmt: skip
    assert exc.value.problems == ["version：该版本已于 2026-01-05 公布，不能再修改；如需更正请新建一个版本"]
    with UnitOfWork(database, actor="test") as uow, pytest.raises(cats.CatalogueError):
        cats.add_entries(uow, who["admin"], corpus, first["version"]["id"], [{"product_id": mab}], key="late")


def test_two_staff_recording_the_same_meeting_at_once_write_it_once(world):
    import threading

    database, ids, who, _, data_dir = world
    results: list[object] = []
    barrier = threading.Barrier(2)

    def one(key: str) -> None:
        barrier.wait()
        try:
            with UnitOfWork(database, actor="test") as uow:
                results.append(duties.add_record(uow, who["staff"], ids["H"], {"kind": "ethics_committee",
                               "held_on": "2026-06-01"}, None, today=date(2026, 6, 30), data_dir=data_dir, key=key))  # fmt: skip
        except DutyError as exc:
            results.append(exc)
        except Exception as exc:  # noqa: BLE001 - SQLite may refuse the second writer as busy
            results.append(exc)

    threads = [threading.Thread(target=one, args=(k,)) for k in ("t1", "t2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert count(database) == 1
    written = [r for r in results if isinstance(r, dict)]
    refused_ = [r for r in results if isinstance(r, DutyError)]
    assert len(written) == 1 and len(refused_) == 1, results
    assert "已登记过" in refused_[0].problems[0]


def test_the_file_limit_is_the_upload_setting_and_is_said_in_mb():
    from biopolicy.settings import Settings

    assert duties.file_limit(Settings(evidence_max_bytes=12_345_678)) == 12_345_678
    assert duties.file_limit() == Settings().evidence_max_bytes == 10 * 1024 * 1024  # not the old 950 KB
    assert duties.size_text(10 * 1024 * 1024) == "10 MB"
    assert duties.size_text(1_000_000) == "0.95 MB"


def test_the_yearly_evaluation_counts_the_duty_periods_of_the_year_from_the_records(world):
    # fj-2023-7 17 / fj-yj-2025-30 （二十四）: the evaluation reports duties met, from the same records.
    # H meets Q1 2026 on its last day; H2 holds nothing; on 2026-06-30 the second quarter still runs.
    from biopolicy.services import evaluation as ev

    database, _, people, _, _ = world
    record(world, kind="pharmacy_committee", held_on="2026-03-31", today=date(2026, 3, 31))
    with UnitOfWork(database, actor="test", read_only=True) as uow:
        e = ev.evaluate(uow, people["commission"], 2026, date(2026, 6, 30))
    c = e.duty_counts
    # Q1: H's pharmacy meeting met; H's device meeting and both of H2's missed; Q2: four periods running
    assert (c["met"], c["missed"], c["due"]) == (1, 3, 4)
    assert "已完成 1" in e.duties and "未完成 3" in e.duties
    with UnitOfWork(database, actor="test", read_only=True) as uow:
        later = ev.evaluate(uow, people["commission"], 2026, date(2026, 7, 1))
    # the day after the quarter: Q2's four periods missed, Q3's four begin
    assert (later.duty_counts["met"], later.duty_counts["missed"], later.duty_counts["due"]) == (1, 7, 4)
    book = load_workbook(io.BytesIO(ev.to_xlsx(later)))
    summary = {r[0]: r[1] for r in book.worksheets[1].iter_rows(values_only=True)}
    assert summary["义务期间：已完成"] == 1 and summary["义务期间：未完成"] == 7
