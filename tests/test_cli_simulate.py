"""``biopolicy simulate``: measures by their Chinese titles (never their codes), help in Chinese,
--json unchanged."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

from click.testing import CliRunner

from biopolicy.cli import cli
from biopolicy.cli.common import measure_names
from biopolicy.services.calculator import get_calculator

MEASURE_ID = re.compile(r"\b[a-z]{2}-\d{4}(?:-\d+)?/m\d+")  # xm-2023/m1-clinical, fj-2023-7/m9-clinical


def test_the_table_names_measures_by_title_and_json_keeps_the_ids():
    runner = CliRunner()
    table = runner.invoke(cli, ["simulate", "--years", "2025", "--seed", "1"])
    assert table.exit_code == 0, table.output
    assert "费用测算（2025年，现行规则；" in table.output
    rows = [line for line in table.output.splitlines() if line.startswith("  ") and "：现行" in line]
    assert rows and not any(MEASURE_ID.search(line) for line in rows)
    titles = {m.title for m in get_calculator().rules.measures.values()}
    assert all(line.strip().split("：现行")[0] in titles for line in rows)
    data = json.loads(runner.invoke(cli, ["simulate", "--years", "2025", "--seed", "1", "--json"]).output)
    measures = get_calculator().rules.measures
    assert data["rows"] and all(r["measure_id"] in measures for r in data["rows"])
    assert not any(mid in table.output for mid in measures)


def test_a_repeated_title_gets_its_documents_short_name():
    def measure(mid: str, title: str) -> SimpleNamespace:
        return SimpleNamespace(id=mid, title=title, doc_id=mid.split("/")[0])

    measures = [
        measure("xm-2023/m1", "研发奖励"),
        measure("fz-2024/m1", "研发奖励"),
        measure("xm-2023/m2", "平台补助"),
    ]
    short = {"xm-2023": "厦门市2023年若干措施", "fz-2024": "福州市2024年若干措施"}
    calculator = SimpleNamespace(
        rules=SimpleNamespace(measures={m.id: m for m in measures}),
        names=SimpleNamespace(document=short.__getitem__),
    )
    assert measure_names(calculator) == {
        "xm-2023/m1": "研发奖励（厦门市2023年若干措施）",
        "fz-2024/m1": "研发奖励（福州市2024年若干措施）",
        "xm-2023/m2": "平台补助",
    }


def test_help_and_errors_are_chinese():
    runner = CliRunner()
    text = " ".join(runner.invoke(cli, ["simulate", "--help"]).output.split())
    assert "用法：cli simulate [选项]" in text and "选项：" in text
    assert (
        "--reform 文件" in text and "--seed 整数" in text and "--years 年份" in text and "[默认：0]" in text
    )
    for english in ("Usage", "Options", "Show this message", "FILE", "INTEGER", "TEXT", "default:"):
        assert english not in text
    seed = runner.invoke(cli, ["simulate", "--seed", "x"])
    assert (
        seed.exit_code == 2 and "--seed 的取值无效：须为 0 到 4294967295 之间的整数，收到 'x'" in seed.output
    )
    years = runner.invoke(cli, ["simulate", "--years", "2027-2024"])
    assert years.exit_code == 2 and "测算年份（--years）的起止年份应从小到大" in years.output


def test_the_top_level_help_is_chinese():
    text = CliRunner().invoke(cli, ["--help"]).output
    assert "用法：cli [选项] 命令 [参数]..." in text
    assert "选项：" in text and "命令：" in text and "显示版本号并退出。" in text
    for english in ("Usage", "Options:", "Commands:", "Show the version", "Show this message"):
        assert english not in text
