"""One settings object for the whole process, read from the environment (prefix ``BIOPOLICY_``).

Every setting is documented in docs/operations.md. Services, storage, the web app and the CLI read
``get_settings()``; tests build their own ``Settings(...)`` and pass it in.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BIOPOLICY_", extra="ignore")

    # where the policies live (content, reviewed like code)
    policies: Path | None = Field(default=None, description="政策文件夹；默认为仓库的 policies/")
    # where the process keeps what it writes: the SQLite file, uploaded evidence, caches
    data_dir: Path = Field(default=REPO_ROOT / "data", description="数据文件夹")
    # the database; default: a SQLite file in data_dir
    database_url: str | None = Field(default=None, description="数据库地址（SQLAlchemy URL）")
    # signs session cookies and CSRF tokens; must be set in production
    secret_key: str = Field(default="dev-only-change-me", description="会话签名密钥")
    # host names the app answers to (Host header); links are never built from the Host header
    trusted_hosts: list[str] = Field(
        default_factory=lambda: ["127.0.0.1", "localhost", "testserver"],
        description="允许的主机名（Host 请求头）",
    )
    # the public address links are built from
    base_url: str = Field(default="http://127.0.0.1:8000", description="对外地址")
    # limits at the doors
    max_body_bytes: int = Field(default=1_000_000, description="请求体上限（字节）")
    max_events: int = Field(default=2_000, description="一个测算案例的成果（事件）上限")
    # the web app scans subscriptions once at start-up, in the background (services/subscriptions.py)
    scan_on_start: bool = Field(default=True, description="启动时在后台扫描订阅并发送通知")
    # one evidence file (PDF, PNG, JPEG) an applicant uploads; the upload route alone may carry a body
    # this large (plus the form's few fields), every other route keeps max_body_bytes
    evidence_max_bytes: int = Field(default=10_485_760, description="单个证明材料文件上限（字节）")
    # the 公示 objection period when a batch does not say (issue 10: default 5 working days)
    notice_working_days: int = Field(default=5, description="公示异议期默认工作日数")

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'biopolicy.sqlite3'}"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def evidence_dir(self) -> Path:
        """Uploaded evidence, by checksum: outside the web root (nothing serves this folder directly)."""
        return self.data_dir / "evidence"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
