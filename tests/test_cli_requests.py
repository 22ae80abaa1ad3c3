"""biopolicy requests escalate (idempotent, audited) and biopolicy targets import (problems by line)."""

from __future__ import annotations

import json
from datetime import date

from click.testing import CliRunner
from tests.services.test_organisations import FACTS

from biopolicy.cli import cli
from biopolicy.services import accounts
from biopolicy.services import organisations as orgs
from biopolicy.services import requests as rq
from biopolicy.services.database import unit_of_work


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_escalate_once_on_the_day_after_the_deadline(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("BIOPOLICY_DATA_DIR", str(tmp_path))
    with unit_of_work("test", url=database_url) as uow:
        org = orgs.create(uow, FACTS).id
    with unit_of_work("test", url=database_url) as uow:
        accounts.create_user(
            uow, "applicant-a", "甲", password="correct-horse-42", organisation=org, roles=[("applicant", "")]
        )
        who = accounts.authenticate(uow, "applicant-a", "correct-horse-42")
    with unit_of_work("test", url=database_url) as uow:  # due Tue 2025-10-14 (National Day in between)
        view = rq.file_request(
            uow, who, {"category": "医保", "title": "t", "text": "x"}, date(2025, 9, 30), "k"
        )
    on_time = run("requests", "escalate", "--on", "2025-10-14", "--database-url", database_url)
    assert on_time.exit_code == 0 and "没有新的逾期未答复诉求" in on_time.output
    late = run("requests", "escalate", "--on", "2025-10-15", "--database-url", database_url)
    assert late.exit_code == 0 and f"编号 {view.id}" in late.output and "提请市科技局统筹协调" in late.output
    again = run("requests", "escalate", "--on", "2025-10-16", "--database-url", database_url, "--json")
    assert json.loads(again.output) == {"today": "2025-10-16", "escalated": [], "already": 1}
    bad = run("requests", "escalate", "--on", "十月", "--database-url", database_url)
    assert bad.exit_code == 2 and "不是日期" in bad.output


def test_targets_import_lists_bad_lines(database_url, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(
        "目标,年份,实际值,来源\nfj-2023-7/m1-revenue,2022,950,公报\n无此目标,2022,1,x\n", encoding="utf-8"
    )
    result = run("targets", "import", str(path), "--database-url", database_url)
    assert result.exit_code == 1 and "第3行" in result.output and "导入 1 行" in result.output
