"""Saved cases: save, history, re-assess and compare, who may see them, the version check; both databases."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.services.test_organisations import FACTS, code

from biopolicy.services import accounts, cases
from biopolicy.services import organisations as orgs
from biopolicy.services.calculator import get_calculator
from biopolicy.services.cases import CaseForbidden, VersionConflict
from biopolicy.storage.models import AuditLog
from biopolicy.storage.uow import UnitOfWork

CASE = json.loads(
    (Path(__file__).parents[2] / "docs/examples/xm-enterprise-phase2-talent.case.json").read_text()
)
PASSWORD = "correct-horse-42"


@pytest.fixture
def people(database):
    """Staff of organisations A and B, a reviewer, an auditor, an administrator: login -> Principal."""
    with UnitOfWork(database, actor="test") as uow:
        a = orgs.create(uow, FACTS)
        b = orgs.create(uow, {**FACTS, "name": "乙公司", "credit_code": code(2)})
    specs = {
        "a1": (a.id, [("applicant", "")]),
        "a2": (a.id, [("applicant", "")]),
        "b1": (b.id, [("applicant", "")]),
        "rev": (None, [("reviewer", "市科技局")]),
        "aud": (None, [("auditor", "")]),
        "adm": (None, [("administrator", "")]),
    }
    out = {}
    for login, (org, roles) in specs.items():
        with UnitOfWork(database, actor="test") as uow:
            accounts.create_user(
                uow, f"u-{login}", login.upper(), password=PASSWORD, organisation=org, roles=roles
            )
            out[login] = accounts.authenticate(uow, f"u-{login}", PASSWORD)
    return out


def save(database, who, case=CASE, title="海沧研发"):
    with UnitOfWork(database, actor=who.actor) as uow:
        return cases.save_case(uow, who, get_calculator(), copy.deepcopy(case), title)


def test_save_gives_a_short_stable_id_and_version_one_with_its_rules_version(database, people):
    saved = save(database, people["a1"])
    assert len(saved.id) == 10 and set(saved.id) <= set(cases.ID_ALPHABET)
    assert saved.latest == 1 and saved.versions[0].rules_version == get_calculator().rules.version
    summary = saved.versions[0].summary
    assert summary["rules_version"] == get_calculator().rules.version
    assert summary["measures"] and all("kind" in m and "amount" in m for m in summary["measures"].values())
    with UnitOfWork(database) as uow:
        again = cases.get_case(uow, people["a2"], saved.id)  # a colleague of the same organisation
    assert again.case == CASE and again.title == "海沧研发"


def test_cases_are_seen_by_own_staff_auditor_and_administrator_only(database, people):
    saved = save(database, people["a1"])
    with UnitOfWork(database) as uow:
        for login in ("a1", "a2", "aud", "adm"):
            assert cases.get_case(uow, people[login], saved.id).id == saved.id
        for login in ("b1", "rev"):
            with pytest.raises(CaseForbidden):
                cases.get_case(uow, people[login], saved.id)
        assert [c.id for c in cases.list_cases(uow, people["a2"]).items] == [saved.id]
        assert cases.list_cases(uow, people["b1"]).items == []
        assert cases.list_cases(uow, people["aud"]).total == 1
        with pytest.raises(CaseForbidden):
            cases.list_cases(uow, people["rev"])
        with pytest.raises(CaseForbidden):
            cases.list_cases(uow, people["b1"], organisation_id=saved.organisation_id)


def test_only_own_staff_save_or_add_versions(database, people):
    saved = save(database, people["a1"])
    for login in ("aud", "adm", "rev"):
        with pytest.raises(CaseForbidden):
            save(database, people[login])
        with UnitOfWork(database) as uow, pytest.raises(CaseForbidden):
            cases.add_version(uow, people[login], get_calculator(), saved.id, base=1)


def test_a_new_version_keeps_the_history_and_the_comparison_shows_what_changed(database, people):
    saved = save(database, people["a1"])
    changed = copy.deepcopy(CASE)
    changed["events"] = [e for e in changed["events"] if e["type"] != "talent_recruited"]
    with UnitOfWork(database) as uow:
        v2 = cases.add_version(uow, people["a2"], get_calculator(), saved.id, base=1, case=changed)
    assert [v.n for v in v2.versions] == [2, 1] and v2.versions[0].created_by == "A2"
    with UnitOfWork(database) as uow:
        diff = cases.compare(uow, people["aud"], saved.id)
    assert (diff.before.n, diff.after.n) == (1, 2)
    gone = [r for r in diff.changed if r.after_kind is None]
    assert gone and all(r.before_kind is not None for r in gone)
    kept = [r for r in diff.rows if not r.changed]
    assert all(r.before_amount == r.after_amount for r in kept)


def test_reassessing_under_the_same_rules_changes_nothing(database, people):
    saved = save(database, people["a1"])
    with UnitOfWork(database) as uow:
        v2 = cases.add_version(uow, people["a1"], get_calculator(), saved.id, base=1)
    assert v2.latest == 2 and v2.case == CASE
    with UnitOfWork(database) as uow:
        assert cases.compare(uow, people["a1"], saved.id).changed == []


def test_saving_over_a_version_someone_saved_since_is_refused_and_nothing_written(database, people):
    saved = save(database, people["a1"])
    with UnitOfWork(database) as uow:
        cases.add_version(uow, people["a2"], get_calculator(), saved.id, base=1)
    with UnitOfWork(database) as uow, pytest.raises(VersionConflict) as err:
        cases.add_version(uow, people["a1"], get_calculator(), saved.id, base=1)
    assert "已被A2于" in str(err.value) and "第 2 版" in str(err.value) and "未保存" in str(err.value)
    with UnitOfWork(database) as uow:
        assert cases.get_case(uow, people["a1"], saved.id).latest == 2


def test_saves_are_in_the_audit_trail_under_the_organisation(database, people):
    saved = save(database, people["a1"])
    with database.sessions() as s:
        rows = s.scalars(
            select(AuditLog).where(AuditLog.entity.in_(["saved_case", "saved_case_version"]))
        ).all()
    assert {r.entity for r in rows} == {"saved_case", "saved_case_version"}
    assert {r.organisation_id for r in rows} == {saved.organisation_id}
    assert {r.actor for r in rows} == {people["a1"].actor}


def test_a_bad_case_is_refused_with_the_field_named(database, people):
    from biopolicy.domain.case import CaseError

    bad = copy.deepcopy(CASE)
    bad["events"][0]["rd_investment"] = "-1"
    with pytest.raises(CaseError) as err:
        save(database, people["a1"], bad)
    assert "rd_investment" in str(err.value)
    with UnitOfWork(database) as uow:
        assert cases.list_cases(uow, people["a1"]).total == 0


def test_a_new_case_starts_from_the_organisation_profile(database, people):
    with UnitOfWork(database) as uow:
        start = cases.case_for_new(uow, people["a1"], "2026-12-01")
    assert start["applicant"]["name"] == FACTS["name"] and start["applicant"]["district"] == "海沧区"
    assert [p["name"] for p in start["products"]] == ["某单抗", "某试剂"] and start["events"] == []
    get_calculator().assess(start)  # a case the calculator accepts as it is
    with UnitOfWork(database) as uow, pytest.raises(CaseForbidden):
        cases.case_for_new(uow, people["aud"], "2026-12-01")
