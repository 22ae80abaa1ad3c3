"""People and roles as use cases: log in and out, sessions, password change, users and their roles.

Who someone is comes from an ``IdentityProvider``: today the one implementation is
``PasswordProvider`` (argon2id hashes, lock-out after ``MAX_FAILED`` wrong passwords for
``LOCK_MINUTES``). A government single sign-on (i厦门, 闽政通 法人账号) plugs in as a second
provider: it turns what the SSO hands back after its redirect (a ticket) into one of our users and
never stores a password; nothing external is called here. Whatever the provider, a log-in ends in
``start_session``: a random token (the cookie carries it, signed, see web/session.py), kept server
side as its sha256 with its CSRF token, an idle end (``IDLE``) and an absolute end (``ABSOLUTE``);
nothing is held in process memory, so any worker can serve any request.

Roles (``Role``): applicant (staff of an organisation), reviewer for one responsible department
(a 责任单位 the clauses name, ``departments``), finance, auditor (reads everything, changes nothing),
administrator, service_officer. Problems are Chinese sentences naming the field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from biopolicy.domain.corpus import Corpus, with_levels
from biopolicy.storage.models import LoginSession, RoleAssignment, User, as_utc, utcnow
from biopolicy.storage.uow import UnitOfWork

MAX_FAILED = 5
LOCK_MINUTES = 15
IDLE = dt.timedelta(hours=2)
ABSOLUTE = dt.timedelta(hours=12)
TOUCH_EVERY = dt.timedelta(minutes=5)  # last_seen is written at most this often
MIN_PASSWORD = 10
CHINA = dt.timezone(dt.timedelta(hours=8), "北京时间")

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters
# verified against when the login is unknown, so an unknown login costs as long as a wrong password
_DUMMY_HASH: list[str] = []  # made on first use: an argon2 hash costs a quarter of a second of CPU


def _dummy_hash() -> str:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(_hasher.hash(secrets.token_urlsafe(16)))
    return _DUMMY_HASH[0]


class Role(StrEnum):
    applicant = "applicant"
    reviewer = "reviewer"
    finance = "finance"
    auditor = "auditor"
    administrator = "administrator"
    service_officer = "service_officer"


ROLE_LABELS = {
    Role.applicant: "申报单位工作人员",
    Role.reviewer: "审核人员",
    Role.finance: "财务人员",
    Role.auditor: "审计人员",
    Role.administrator: "管理员",
    Role.service_officer: "服务专员",
}


class AccountError(ValueError):
    """Input refused; ``problems`` are Chinese sentences naming the field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


class LoginFailed(AccountError):
    """Wrong login or password, a locked or inactive account: one Chinese sentence."""

    def __init__(self, message: str, locked_until: dt.datetime | None = None) -> None:
        super().__init__([message])
        self.locked_until = locked_until


class UserNotFound(LookupError):
    def __init__(self, login: str) -> None:
        super().__init__(f"没有找到用户：{login}")


# -- what the use cases return --------------------------------------------------------------------


class RoleView(BaseModel):
    role: Role
    label: str
    department: str = ""


class Principal(BaseModel):
    """Who is asking, with what they may do: what the web's access checks read."""

    user_id: int
    login: str
    display_name: str
    organisation_id: int | None
    organisation_name: str | None
    roles: list[RoleView]
    must_change_password: bool = False

    def has(self, *roles: Role | str) -> bool:
        wanted = {Role(r) for r in roles}
        return any(r.role in wanted for r in self.roles)

    @property
    def actor(self) -> str:
        """How the audit trail names this user."""
        return f"user:{self.user_id}:{self.login}"

    @property
    def departments(self) -> list[str]:
        return [r.department for r in self.roles if r.role == Role.reviewer and r.department]


@dataclass(frozen=True)
class SessionStart:
    token: str  # goes into the cookie (signed); never stored
    csrf_token: str
    expires_at: dt.datetime
    principal: Principal


@dataclass(frozen=True)
class ActiveSession:
    principal: Principal
    csrf_token: str
    token_hash: str


class SessionExpired(LookupError):
    """The session is unknown (logged out, or removed) or past its idle or absolute end."""


def principal_of(user: User) -> Principal:
    return Principal(
        user_id=user.id,
        login=user.login,
        display_name=user.display_name,
        organisation_id=user.organisation_id,
        organisation_name=user.organisation.name if user.organisation is not None else None,
        roles=[
            RoleView(role=Role(r.role), label=ROLE_LABELS[Role(r.role)], department=r.department)
            for r in user.roles
        ],
        must_change_password=user.must_change_password,
    )


def beijing(when: dt.datetime) -> str:
    """``2026-12-01 15:30（北京时间）``: how a time is shown to a user."""
    return as_utc(when).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") + "（北京时间）"


# -- passwords ------------------------------------------------------------------------------------


def password_problems(password: str, login: str | None = None) -> list[str]:
    """Why a new password is refused (Chinese, naming the field); empty when it is acceptable."""
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(f"新密码：至少需要 {MIN_PASSWORD} 个字符，收到 {len(password)} 个")
    if password.isdigit():
        problems.append("新密码：不能全是数字")
    if login and password.strip().lower() == login.strip().lower():
        problems.append("新密码：不能与登录名相同")
    if password != password.strip():
        problems.append("新密码：首尾不能是空格")
    return problems


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def one_time_password() -> str:
    """12 characters from an alphabet without look-alikes (no 0/O, 1/l/I)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(12))
        if not password_problems(candidate):
            return candidate


# -- who is asking: identity providers --------------------------------------------------------------


class IdentityProvider(Protocol):
    """Turns what a person presents into one of our users, or raises ``LoginFailed``.

    ``credentials`` is what the log-in step received: for passwords ``login`` and ``password``; for
    a government SSO it would be the ticket its redirect hands back, checked with the SSO and mapped
    to a user (e.g. by 统一社会信用代码 and the 法人账号's id) — that provider is not built yet.
    Failed attempts and lock-out are the provider's business; it commits what it changes.
    """

    name: str

    def authenticate(
        self, uow: UnitOfWork, credentials: Mapping[str, str], now: dt.datetime | None = None
    ) -> Principal: ...


class PasswordProvider:
    """Log-in name and password, argon2id; ``MAX_FAILED`` wrong in a row lock for ``LOCK_MINUTES``."""

    name = "password"

    def authenticate(
        self, uow: UnitOfWork, credentials: Mapping[str, str], now: dt.datetime | None = None
    ) -> Principal:
        now = now or utcnow()
        login = (credentials.get("login") or "").strip()
        password = credentials.get("password") or ""
        wrong = "登录名或密码不正确"
        user = uow.users.by_login(login) if login else None
        if user is None:
            _verify(_dummy_hash(), password)  # the same time as a wrong password
            raise LoginFailed(wrong)
        if user.locked_until is not None and as_utc(user.locked_until) > now:
            raise LoginFailed(_locked_message(user.locked_until), user.locked_until)
        if not _verify(user.password_hash, password):
            user.failed_attempts += 1
            locked = None
            if user.failed_attempts >= MAX_FAILED:
                locked = now + dt.timedelta(minutes=LOCK_MINUTES)
                user.locked_until = locked
                user.failed_attempts = 0
            uow.commit()
            if locked is not None:
                raise LoginFailed(_locked_message(locked), locked)
            left = MAX_FAILED - user.failed_attempts
            raise LoginFailed(f"{wrong}（再错 {left} 次，账号将被锁定 {LOCK_MINUTES} 分钟）")
        if not user.active:
            raise LoginFailed("此账号已停用，请联系管理员")
        if user.failed_attempts or user.locked_until is not None:
            user.failed_attempts = 0
            user.locked_until = None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        uow.commit()
        return principal_of(user)


def _locked_message(until: dt.datetime) -> str:
    return (
        f"密码连续错误 {MAX_FAILED} 次，账号已锁定 {LOCK_MINUTES} 分钟，"
        f"请于 {beijing(until)} 后再试；忘记密码请联系管理员重置"
    )


PROVIDERS: dict[str, IdentityProvider] = {"password": PasswordProvider()}


def authenticate(
    uow: UnitOfWork,
    login: str,
    password: str,
    now: dt.datetime | None = None,
    provider: IdentityProvider | None = None,
) -> Principal:
    return (provider or PROVIDERS["password"]).authenticate(uow, {"login": login, "password": password}, now)


# -- sessions -------------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", errors="replace")).hexdigest()


def start_session(
    uow: UnitOfWork, principal: Principal, source_ip: str | None = None, now: dt.datetime | None = None
) -> SessionStart:
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = now + ABSOLUTE
    uow.login_sessions.delete_expired(now)
    uow.login_sessions.add(
        LoginSession(
            id=_token_hash(token),
            user_id=principal.user_id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=expires,
            source_ip=source_ip,
        )
    )
    uow.commit()
    return SessionStart(token, csrf, expires, principal)


def resume_session(uow: UnitOfWork, token: str, now: dt.datetime | None = None) -> ActiveSession:
    """The session of ``token``; ``SessionExpired`` when it is unknown, idle too long or too old."""
    now = now or utcnow()
    row = uow.login_sessions.get(_token_hash(token))
    if row is None:
        raise SessionExpired
    if as_utc(row.expires_at) <= now or as_utc(row.last_seen_at) + IDLE <= now:
        uow.login_sessions.delete(row)
        uow.commit()
        raise SessionExpired
    user = uow.users.get(row.user_id)
    if user is None or not user.active:
        raise SessionExpired
    if now - as_utc(row.last_seen_at) >= TOUCH_EVERY:
        row.last_seen_at = now
        uow.commit()
    return ActiveSession(principal_of(user), row.csrf_token, row.id)


def end_session(uow: UnitOfWork, token: str) -> None:
    row = uow.login_sessions.get(_token_hash(token))
    if row is not None:
        uow.login_sessions.delete(row)
        uow.commit()


# -- passwords and users --------------------------------------------------------------------------


def change_password(
    uow: UnitOfWork,
    user_id: int,
    current: str,
    new: str,
    *,
    keep_session: str | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Check the current password and the new one; other sessions of the user end."""
    user = uow.users.get(user_id)
    if user is None:
        raise UserNotFound(str(user_id))
    problems = []
    if not _verify(user.password_hash, current):
        problems.append("当前密码：不正确")
    problems += password_problems(new, user.login)
    if not problems and _verify(user.password_hash, new):
        problems.append("新密码：不能与当前密码相同")
    if problems:
        raise AccountError(problems)
    _set_password(user, new, now)
    uow.login_sessions.delete_for_user(user.id, keep=_token_hash(keep_session) if keep_session else None)
    uow.commit()


def _set_password(user: User, password: str, now: dt.datetime | None, must_change: bool = False) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = now or utcnow()
    user.must_change_password = must_change
    user.failed_attempts = 0
    user.locked_until = None


def reset_password(uow: UnitOfWork, login: str, password: str | None = None) -> str:
    """A new password (given, or a one-time one), to be changed at the next log-in; sessions end."""
    user = uow.users.by_login(login)
    if user is None:
        raise UserNotFound(login)
    if password is not None:
        problems = password_problems(password, login)
        if problems:
            raise AccountError(problems)
    password = password or one_time_password()
    _set_password(user, password, None, must_change=True)
    uow.login_sessions.delete_for_user(user.id)
    uow.commit()
    return password


LOGIN_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{2,63}")


class UserView(BaseModel):
    id: int
    login: str
    display_name: str
    organisation_id: int | None
    organisation_name: str | None
    active: bool
    locked_until: dt.datetime | None
    roles: list[RoleView]


def user_view(user: User) -> UserView:
    p = principal_of(user)
    return UserView(
        id=user.id,
        login=user.login,
        display_name=user.display_name,
        organisation_id=user.organisation_id,
        organisation_name=p.organisation_name,
        active=user.active,
        locked_until=user.locked_until,
        roles=p.roles,
    )


def create_user(
    uow: UnitOfWork,
    login: str,
    display_name: str,
    *,
    password: str | None = None,
    organisation: int | str | None = None,
    roles: Iterable[tuple[Role | str, str]] = (),
    known_departments: Iterable[str] | None = None,
) -> tuple[UserView, str]:
    """A new user (and roles); returns the user and the password (a one-time one when none is given,
    to be changed at the first log-in)."""
    from biopolicy.services.organisations import OrganisationNotFound, _find

    login = login.strip()
    problems = []
    if not LOGIN_PATTERN.fullmatch(login):
        problems.append("登录名：应为 3–64 个字母、数字或 . _ @ -，以字母或数字开头")
    if not display_name.strip():
        problems.append("姓名：不能为空")
    if password is not None:
        problems += password_problems(password, login)
    org_id = None
    if organisation not in (None, ""):
        try:
            org_id = _find(uow, organisation).id  # type: ignore[arg-type]
        except OrganisationNotFound as exc:
            problems.append(f"机构：{exc}")
    checked = [_check_role(role, dept, org_id, known_departments) for role, dept in roles]
    problems += [p for _, _, p in checked if p]
    if not problems and uow.users.by_login(login) is not None:
        problems.append(f"登录名：{login} 已被使用")
    if problems:
        raise AccountError(problems)
    given = password is not None
    password = password or one_time_password()
    user = User(
        login=login,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        organisation_id=org_id,
        password_changed_at=utcnow() if given else None,
        must_change_password=not given,
        roles=[RoleAssignment(role=r.value, department=d) for r, d, _ in checked],
    )
    try:
        uow.users.add(user)
        uow.commit()
    except IntegrityError:
        uow.rollback()
        raise AccountError([f"登录名：{login} 已被使用"]) from None
    return user_view(uow.users.get(user.id) or user), password


def _check_role(
    role: Role | str, department: str, organisation_id: int | None, known: Iterable[str] | None
) -> tuple[Role, str, str | None]:
    try:
        r = Role(role)
    except ValueError:
        allowed = "、".join(f"{x.value}（{ROLE_LABELS[x]}）" for x in Role)
        return Role.applicant, "", f"角色：应为 {allowed} 之一，收到“{role}”"
    department = (department or "").strip()
    if r == Role.reviewer:
        if not department:
            return r, "", "部门：审核人员须指定责任单位（如 市科技局）"
        if known is not None and department not in set(known):
            return (
                r,
                department,
                f"部门：“{department}”不是政策条款中的责任单位（用 biopolicy users departments 查看）",
            )
    elif department:
        return r, "", f"部门：只有审核人员（reviewer）有责任单位，{ROLE_LABELS[r]}不需要"
    if r == Role.applicant and organisation_id is None:
        return r, "", "角色：申报单位工作人员（applicant）须属于一个机构，请先指定机构"
    return r, department, None


def assign_role(
    uow: UnitOfWork,
    login: str,
    role: Role | str,
    department: str = "",
    known_departments: Iterable[str] | None = None,
) -> UserView:
    user = uow.users.by_login(login)
    if user is None:
        raise UserNotFound(login)
    r, dept, problem = _check_role(role, department, user.organisation_id, known_departments)
    if problem:
        raise AccountError([problem])
    if any(a.role == r.value and a.department == dept for a in user.roles):
        raise AccountError([f"角色：{login} 已是{ROLE_LABELS[r]}{'（' + dept + '）' if dept else ''}"])
    user.roles.append(RoleAssignment(role=r.value, department=dept))
    uow.commit()
    return user_view(user)


def revoke_role(uow: UnitOfWork, login: str, role: Role | str, department: str = "") -> UserView:
    user = uow.users.by_login(login)
    if user is None:
        raise UserNotFound(login)
    found = [a for a in user.roles if a.role == str(role) and a.department == (department or "")]
    if not found:
        raise AccountError([f"角色：{login} 没有这个角色"])
    for a in found:
        user.roles.remove(a)
    uow.commit()
    return user_view(user)


def get_user(uow: UnitOfWork, login: str) -> UserView:
    user = uow.users.by_login(login)
    if user is None:
        raise UserNotFound(login)
    return user_view(user)


def list_users(uow: UnitOfWork) -> list[UserView]:
    return [user_view(u) for u in uow.users.list()]


# -- responsible departments ---------------------------------------------------------------------


def departments(corpus: Corpus) -> list[str]:
    """The 责任单位 the clauses name, each with its level (domain/corpus.py ``with_levels``: a name
    written without one after a name with one takes it, “市科技局、财政局” → 市科技局, 市财政局)."""
    found: set[str] = set()
    for doc in corpus.documents.values():
        for clause in doc.clauses:
            found.update(with_levels(clause.responsible_units))
    return sorted(found)
