"""The library commands through click's test runner, over the fake corpus."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from biopolicy.cli import COMMANDS, cli
from biopolicy.cli.library import fact_value, snippet_text
from biopolicy.domain import Fact, FactBound, FactKind, LoadError
from biopolicy.services.library import Library
from biopolicy.web.app import create_app


@pytest.fixture
def run(fake_library):
    """Run ``biopolicy <args>`` against the fake library; stdout and stderr are kept apart."""

    def invoke(*args: str, library: Library = fake_library):
        return CliRunner().invoke(cli, list(args), obj=library)

    return invoke


@pytest.fixture
def api(fake_library):
    with TestClient(create_app(fake_library)) as client:
        yield client


# --- documents -------------------------------------------------------------------------------


def test_documents_prints_a_table_in_chinese(run):
    result = run("documents")
    assert result.exit_code == 0, result.output
    for heading in ("编号", "标题", "文号", "发布日期", "有效期"):
        assert heading in result.stdout
    assert "demo-a" in result.stdout
    assert "演示政策甲" in result.stdout
    assert "至 2026-11-19" in result.stdout
    assert result.stderr == ""


def test_documents_warns_about_load_errors_and_exits_1(run, fake_corpus):
    broken = fake_corpus.model_copy(
        update={"errors": [LoadError(path="policies/x/source.txt", message="无法解析")]}
    )
    result = run("documents", library=Library.from_corpus(broken))
    assert result.exit_code == 1
    assert "演示政策甲" in result.stdout  # the others are still listed
    assert "1 份文件未能载入" in result.stderr
    assert "policies/x/source.txt：无法解析" in result.stderr


# --- show ------------------------------------------------------------------------------------


def test_show_clause_prints_text_label_title_units_and_facts(run):
    result = run("show", "demo-a/m1")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "demo-a/m1" in out
    assert "1. 支持新药研发" in out
    assert "补足至1000万元" in out
    assert "责任单位：市科技局、市财政局" in out
    assert "最高 500万元" in out
    assert "下级条款：demo-a/m1/p1、demo-a/m1/p2" in out


def test_show_document_prints_metadata_and_outline(run):
    result = run("show", "demo-a")
    assert result.exit_code == 0, result.output
    assert "文号：演工信规〔2023〕1号" in result.stdout
    assert "demo-a/m1/p2" in result.stdout


def test_show_document_full_prints_its_text(run):
    assert "为加快生物医药产业发展" in run("show", "demo-a", "--full").stdout


def test_show_unknown_id_exits_1_with_message(run):
    result = run("show", "demo-a/m99")
    assert result.exit_code == 1
    assert result.stderr.strip() == "错误：未找到文件或条款：demo-a/m99"
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_not_found_mentions_documents_that_failed_to_load(run, fake_corpus):
    broken = fake_corpus.model_copy(
        update={"errors": [LoadError(path="policies/x/source.txt", message="无法解析")]}
    )
    result = run("show", "x/m1", library=Library.from_corpus(broken))
    assert result.exit_code == 1
    assert "1 份文件未能载入" in result.stderr


# --- search ----------------------------------------------------------------------------------


def test_search_prints_ranked_hits_with_snippets(run):
    result = run("search", "伦理")
    assert result.exit_code == 0, result.output
    assert "1. demo-b/m1" in result.stdout
    assert "伦理审查<时限>" in result.stdout  # unescaped for the terminal, no <mark> left
    assert "<mark>" not in result.stdout


def test_search_without_hits_says_so(run):
    result = run("search", "伦理", "--doc", "demo-a")
    assert result.exit_code == 0
    assert "没有找到" in result.stdout


@pytest.mark.parametrize("query", ["", "   ", "药" * 201])
def test_bad_query_exits_2_with_message(run, query):
    result = run("search", query)
    assert result.exit_code == 2
    assert result.stderr.startswith("错误：查询词")
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "伦理", "--limit", "0"], "--limit 的取值无效：须在 1 到 100 之间"),
        (["search", "伦理", "--limit", "101"], "--limit 的取值无效"),
        (["search", "伦理", "--limit", "many"], "须为 1 到 100 之间的整数"),
        (["search"], "缺少参数 QUERY"),
        (["search", "伦理", "--limt", "3"], "没有选项 --limt；您是否想用 --limit"),
        (["nonsense"], "没有命令 nonsense"),
    ],
)
def test_bad_usage_exits_2_in_chinese(run, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "--help" in result.stderr


def test_search_with_unknown_document_exits_1(run):
    result = run("search", "伦理", "--doc", "demo-z")
    assert result.exit_code == 1
    assert "未找到文件或条款：demo-z" in result.stderr


def test_search_limit_bounds_are_accepted(run):
    assert run("search", "补足", "--limit", "1").exit_code == 0
    assert run("search", "补足", "--limit", "100").exit_code == 0


# --- --json is the API's JSON ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "url", "params"),
    [
        (["documents"], "/api/v1/documents", {}),
        (["show", "demo-a"], "/api/v1/documents/demo-a", {}),
        (["show", "demo-a/m1"], "/api/v1/clauses/demo-a/m1", {}),
        (["show", "demo-a/m1/p2"], "/api/v1/clauses/demo-a/m1/p2", {}),
        (["search", "伦理"], "/api/v1/search", {"q": "伦理"}),
        (
            ["search", "补足", "--limit", "1", "--doc", "demo-a"],
            "/api/v1/search",
            {"q": "补足", "limit": 1, "doc": "demo-a"},
        ),
    ],
)
def test_json_equals_the_api(run, api, args, url, params):
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == api.get(url, params=params).json()


def test_json_keeps_chinese_readable(run):
    assert "演示政策甲" in run("documents", "--json").stdout


# --- errors that are ours, and structure -----------------------------------------------------


class _BrokenLibrary(Library):
    def clause(self, clause_id):
        raise RuntimeError("index corrupted")


def test_unexpected_error_exits_3_without_a_stack_trace(run, fake_corpus):
    result = run("show", "demo-a/m1", library=_BrokenLibrary.from_corpus(fake_corpus))
    assert result.exit_code == 3
    assert "内部错误" in result.stderr
    assert "BIOPOLICY_DEBUG" in result.stderr
    assert "Traceback" not in result.output


def test_debug_shows_the_error_itself(run, fake_corpus, monkeypatch):
    monkeypatch.setenv("BIOPOLICY_DEBUG", "1")
    result = run("show", "demo-a/m1", library=_BrokenLibrary.from_corpus(fake_corpus))
    assert isinstance(result.exception, RuntimeError)


def test_adding_a_command_is_one_registration(run, monkeypatch):
    @click.command()
    def hello() -> None:
        click.echo("你好")

    import sys
    import types

    module = types.ModuleType("biopolicy_test_commands")
    module.hello = hello
    monkeypatch.setitem(sys.modules, "biopolicy_test_commands", module)
    monkeypatch.setitem(COMMANDS, "hello", "biopolicy_test_commands:hello")
    assert run("hello").stdout == "你好\n"
    assert "hello" in run("--help").stdout


def test_help_lists_the_library_commands(run):
    out = run("--help").stdout
    for name in ("documents", "show", "search"):
        assert name in out


# --- rendering helpers -----------------------------------------------------------------------


def test_snippet_marks_become_bold_and_entities_are_unescaped():
    text = snippet_text("医学<mark>伦理</mark>审查&lt;时限&gt;")
    assert text.plain == "医学伦理审查<时限>"
    assert [(s.start, s.end, str(s.style)) for s in text.spans] == [(2, 4, "bold")]


@pytest.mark.parametrize(
    ("value", "value_to", "unit", "bound", "shown"),
    [
        ("10000000", None, "元", FactBound.exact, "1000万元（10,000,000元）"),
        ("5000000", None, "元", FactBound.max, "最高 500万元（5,000,000元）"),
        ("2000000", "10000000", "元", FactBound.exact, "200万元（2,000,000元）～1000万元（10,000,000元）"),
        ("5000", None, "元", FactBound.exact, "5,000元"),
        ("40", None, "%", FactBound.min, "不少于 40%"),
    ],
)
def test_fact_values_read_as_written(value, value_to, unit, bound, shown):
    from decimal import Decimal

    fact = Fact(
        kind=FactKind.money if unit == "元" else FactKind.percent,
        value=Decimal(value),
        value_to=Decimal(value_to) if value_to else None,
        unit=unit,
        bound=bound,
        text="x",
        start=0,
        end=1,
    )
    assert fact_value(fact) == shown


# --- the real corpus -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_api():
    with TestClient(create_app()) as client:
        yield client


def run_real(*args: str):
    return CliRunner().invoke(cli, list(args))  # no obj: the command loads the process's own Library


def test_real_documents_table(real_library):
    result = run_real("documents")
    assert result.exit_code == 0, result.output
    assert "闽工信规〔2023〕7号" in result.stdout
    assert result.stderr == ""


def test_real_show_measure(real_library):
    out = run_real("show", "xm-2023/m16").stdout
    assert "补足至1000万元" in out
    assert "责任单位：" in out
    assert "1000万元" in out


def test_real_search_ranks_the_ethics_measure_first(real_library):
    out = run_real("search", "伦理", "--limit", "3").stdout
    assert out.index("xm-2025-1/m6") < min(
        (out.index(i) for i in ("xm-2023/", "fj-2023-7/", "fz-plan/") if i in out), default=len(out)
    )
    assert " 1. xm-2025-1/m6" in out


@pytest.mark.parametrize(
    ("args", "url", "params"),
    [
        (["documents"], "/api/v1/documents", {}),
        (["show", "fj-2023-7"], "/api/v1/documents/fj-2023-7", {}),
        (["show", "xm-2023/m16"], "/api/v1/clauses/xm-2023/m16", {}),
        (["search", "伦理"], "/api/v1/search", {"q": "伦理"}),
    ],
)
def test_real_json_equals_the_api(real_api, args, url, params):
    result = run_real(*args, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == real_api.get(url, params=params).json()


def test_console_entry_point_reports_not_found_without_a_trace():
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", "from biopolicy.cli import main; main()", "show", "xm-2023/m99"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == "错误：未找到文件或条款：xm-2023/m99"
    assert "Traceback" not in proc.stderr


# --- docs/cli.md covers every command --------------------------------------------------------

CLI_DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_and_option_is_documented(name):
    text = CLI_DOC.read_text(encoding="utf-8")
    assert f"### `biopolicy {name}" in text, f"biopolicy {name} is not in docs/cli.md"
    command = cli.get_command(click.Context(cli), name)
    for param in command.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("-"):
                assert opt in text, f"{name} {opt} is not in docs/cli.md"
