"""People and roles: users, roles, log-in with lock-out, sessions, password change; on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from tests.services.test_organisations import FACTS

from biopolicy.services import accounts
from biopolicy.services import organisations as orgs
from biopolicy.services.accounts import AccountError, LoginFailed, Role, SessionExpired
from biopolicy.storage.models import AuditLog, LoginSession, User
from biopolicy.storage.uow import UnitOfWork

PASSWORD = "correct-horse-42"
T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def org(database):
    with UnitOfWork(database, actor="test") as uow:
        return orgs.create(uow, FACTS)


@pytest.fixture
def staff(database, org):
    with UnitOfWork(database, actor="test") as uow:
        user, _ = accounts.create_user(
            uow, "zhang", "张三", password=PASSWORD, organisation=org.id, roles=[("applicant", "")]
        )
    return user


def login(database, name="zhang", password=PASSWORD, now=None):
    with UnitOfWork(database, actor="test") as uow:
        return accounts.authenticate(uow, name, password, now=now)


def test_create_user_with_roles_and_log_in(database, staff, org):
    assert staff.organisation_id == org.id and [r.role for r in staff.roles] == [Role.applicant]
    principal = login(database)
    assert principal.has("applicant") and not principal.has("auditor")
    assert principal.organisation_name == FACTS["name"]


def test_password_hash_is_argon2_and_never_in_the_audit_trail(database, staff):
    with database.sessions() as s:
        hashed = s.scalar(select(User.password_hash).where(User.login == "zhang"))
        assert hashed.startswith("$argon2id$")
        rows = s.scalars(select(AuditLog).where(AuditLog.entity == "user")).all()
    assert rows and all("password_hash" not in (r.after or {}) for r in rows)
    assert all(hashed not in str(r.before) + str(r.after) for r in rows)


def test_a_weak_password_is_refused_in_chinese_and_nothing_is_written(database, org):
    for weak, words in (
        ("short1", "至少需要 10 个字符"),
        ("1234567890123", "不能全是数字"),
        ("li.si.login", "不能与登录名相同"),
    ):
        with UnitOfWork(database) as uow, pytest.raises(AccountError) as err:
            accounts.create_user(uow, "li.si.login", "李四", password=weak, organisation=org.id)
        assert words in str(err.value)
    with UnitOfWork(database) as uow:
        assert uow.users.by_login("li.si.login") is None
    # ten characters, not all digits, not the login: accepted (the other side of each threshold)
    with UnitOfWork(database) as uow:
        accounts.create_user(uow, "li.si.login", "李四", password="abcdefghi1", organisation=org.id)


def test_wrong_password_and_unknown_login_give_the_same_answer(database, staff):
    with pytest.raises(LoginFailed) as unknown:
        login(database, name="nobody")
    with pytest.raises(LoginFailed) as wrong:
        login(database, password="wrong-password")
    assert str(unknown.value) == "登录名或密码不正确"
    assert str(wrong.value).startswith("登录名或密码不正确") and "再错 4 次" in str(wrong.value)


def test_five_failures_lock_for_fifteen_minutes_saying_until_when(database, staff):
    for i in range(4):
        with pytest.raises(LoginFailed):
            login(database, password="wrong", now=T0 + dt.timedelta(seconds=i))
    with pytest.raises(LoginFailed) as fifth:
        login(database, password="wrong", now=T0 + dt.timedelta(seconds=4))
    assert fifth.value.locked_until == T0 + dt.timedelta(seconds=4, minutes=15)
    assert "已锁定 15 分钟" in str(fifth.value) and "2026-12-01 16:15（北京时间）" in str(fifth.value)
    # the right password does not open a locked account…
    with pytest.raises(LoginFailed) as locked:
        login(database, now=T0 + dt.timedelta(minutes=15))
    assert "已锁定" in str(locked.value)
    # …until the lock ends
    assert login(database, now=T0 + dt.timedelta(minutes=15, seconds=5)).login == "zhang"


def test_four_failures_then_success_resets_the_count(database, staff):
    for _ in range(4):
        with pytest.raises(LoginFailed):
            login(database, password="wrong", now=T0)
    login(database, now=T0)
    with pytest.raises(LoginFailed) as again:
        login(database, password="wrong", now=T0)
    assert "再错 4 次" in str(again.value)


def test_sessions_expire_when_idle_and_at_their_absolute_end(database, staff):
    principal = login(database)
    with UnitOfWork(database) as uow:
        started = accounts.start_session(uow, principal, "127.0.0.1", now=T0)
    with UnitOfWork(database) as uow:
        active = accounts.resume_session(uow, started.token, now=T0 + accounts.IDLE - dt.timedelta(seconds=1))
        assert active.principal.login == "zhang" and active.csrf_token == started.csrf_token
    # used within the idle time, again and again, up to the absolute end
    t = T0
    while t + accounts.IDLE < T0 + accounts.ABSOLUTE:
        t += accounts.IDLE - dt.timedelta(minutes=1)
        with UnitOfWork(database) as uow:
            accounts.resume_session(
                uow, started.token, now=min(t, T0 + accounts.ABSOLUTE - dt.timedelta(seconds=1))
            )
    with UnitOfWork(database) as uow, pytest.raises(SessionExpired):
        accounts.resume_session(uow, started.token, now=T0 + accounts.ABSOLUTE)
    # idle: another session left alone for IDLE
    with UnitOfWork(database) as uow:
        other = accounts.start_session(uow, principal, now=T0)
    with UnitOfWork(database) as uow, pytest.raises(SessionExpired):
        accounts.resume_session(uow, other.token, now=T0 + accounts.IDLE)
    with database.sessions() as s:
        assert s.scalars(select(LoginSession)).all() == []  # expired sessions are removed


def test_log_out_ends_the_session_and_the_table_keeps_only_a_hash(database, staff):
    with UnitOfWork(database) as uow:
        started = accounts.start_session(uow, login(database))
    with database.sessions() as s:
        row = s.scalars(select(LoginSession)).one()
        assert row.id != started.token and len(row.id) == 64
    with UnitOfWork(database) as uow:
        accounts.end_session(uow, started.token)
    with UnitOfWork(database) as uow, pytest.raises(SessionExpired):
        accounts.resume_session(uow, started.token)


def test_change_password_checks_the_current_one_and_ends_other_sessions(database, staff):
    principal = login(database)
    with UnitOfWork(database) as uow:
        mine = accounts.start_session(uow, principal)
        other = accounts.start_session(uow, principal)
    with UnitOfWork(database) as uow, pytest.raises(AccountError) as err:
        accounts.change_password(uow, principal.user_id, "not-it-at-all", "a-new-password-1")
    assert "当前密码：不正确" in str(err.value)
    with UnitOfWork(database) as uow, pytest.raises(AccountError) as weak:
        accounts.change_password(uow, principal.user_id, PASSWORD, "zhang")
    assert "至少需要 10 个字符" in str(weak.value) and "不能与登录名相同" in str(weak.value)
    with UnitOfWork(database) as uow:
        accounts.change_password(
            uow, principal.user_id, PASSWORD, "a-new-password-1", keep_session=mine.token
        )
    with UnitOfWork(database) as uow:
        accounts.resume_session(uow, mine.token)
        with pytest.raises(SessionExpired):
            accounts.resume_session(uow, other.token)
    with pytest.raises(LoginFailed):
        login(database)
    assert login(database, password="a-new-password-1").login == "zhang"


def test_reset_password_gives_a_one_time_password_to_change(database, staff):
    with UnitOfWork(database) as uow:
        one_time = accounts.reset_password(uow, "zhang")
    assert len(one_time) == 12 and not accounts.password_problems(one_time)
    principal = login(database, password=one_time)
    assert principal.must_change_password


def test_roles_reviewer_needs_a_known_department_applicant_an_organisation(database, staff):
    known = ["市科技局", "省药监局"]
    with UnitOfWork(database) as uow:
        accounts.create_user(uow, "reviewer1", "王审核", password=PASSWORD)
        with pytest.raises(AccountError) as none:
            accounts.assign_role(uow, "reviewer1", "reviewer", "", known)
        assert "须指定责任单位" in str(none.value)
        with pytest.raises(AccountError) as unknown:
            accounts.assign_role(uow, "reviewer1", "reviewer", "市宇宙局", known)
        assert "不是政策条款中的责任单位" in str(unknown.value)
        with pytest.raises(AccountError) as applicant:
            accounts.assign_role(uow, "reviewer1", "applicant")
        assert "须属于一个机构" in str(applicant.value)
        with pytest.raises(AccountError) as bad:
            accounts.assign_role(uow, "reviewer1", "king")
        assert "角色：应为" in str(bad.value)
        view = accounts.assign_role(uow, "reviewer1", "reviewer", "市科技局", known)
    assert [(r.role, r.department) for r in view.roles] == [(Role.reviewer, "市科技局")]
    with UnitOfWork(database) as uow, pytest.raises(AccountError) as twice:
        accounts.assign_role(uow, "reviewer1", "reviewer", "市科技局", known)
    assert "已是审核人员（市科技局）" in str(twice.value)


def test_departments_come_from_the_clauses_with_their_level(real_library):
    names = accounts.departments(real_library.corpus)
    for expected in ("市科技局", "市财政局", "省工信厅", "省药监局", "市卫健委", "市市场监管局"):
        assert expected in names
    assert "卫健委" not in names and "市场监管局" not in names  # abbreviations take the level before them
