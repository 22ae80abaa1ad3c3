"""What every command shares: the Library, JSON output, consoles and Chinese error messages."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any, TypeVar

import click
from pydantic import BaseModel
from rich.console import Console

from biopolicy.services.calculator import Calculator, get_calculator
from biopolicy.services.library import Library, get_library

F = TypeVar("F", bound=Callable[..., Any])


def out() -> Console:
    # Made per call so that it writes to whatever stdout is now (click's test runner swaps it).
    return Console(highlight=False, soft_wrap=True)


def err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def current_calculator() -> Calculator:
    """The Calculator of the Library passed as the context object (tests), else the process's own."""
    ctx = click.get_current_context(silent=True)
    found = ctx.find_object(Library) if ctx is not None else None
    if found is None:
        return get_calculator()
    return Calculator.load(found.corpus)


def current_library() -> Library:
    """The Library passed as the context object (tests), else the process's own."""
    ctx = click.get_current_context(silent=True)
    found = ctx.find_object(Library) if ctx is not None else None
    return found if found is not None else get_library()


def emit_json(model: BaseModel) -> None:
    """Exactly the API's JSON for ``model``, indented for people."""
    click.echo(json.dumps(model.model_dump(mode="json"), ensure_ascii=False, indent=2))


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="输出 JSON（与 /api/v1 接口相同）")(func)


class CliError(click.ClickException):
    """An error with a Chinese message and its own exit code, printed without a stack trace."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"错误：{self.format_message()}", err=True, file=file)


class UsageErrorZh(click.UsageError):
    """A usage error (exit 2) told in Chinese, with where to find the right usage."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"错误：{self.format_message()}", err=True, file=file)
        if self.ctx is not None:
            click.echo(f"用法见：{self.ctx.command_path} --help", err=True, file=file)


_PARAM_KIND = {"argument": "参数", "option": "选项"}


def _param_name(param: click.Parameter | None) -> str:
    if param is None:
        return "参数"
    if isinstance(param, click.Option):
        return "/".join(param.opts)
    return param.metavar or (param.name or "").upper()


def translate_usage_error(exc: click.UsageError) -> click.UsageError:
    """click's usage errors (English) as Chinese ones, keeping exit code 2 and the context."""
    if isinstance(exc, UsageErrorZh | click.exceptions.NoArgsIsHelpError):
        return exc
    if isinstance(exc, click.MissingParameter):
        kind = _PARAM_KIND.get(exc.param_type or "", "参数")
        message = f"缺少{kind} {_param_name(exc.param)}"
    elif isinstance(exc, click.NoSuchOption):
        message = f"没有选项 {exc.option_name}"
        if exc.possibilities:
            message += f"；您是否想用 {'、'.join(exc.possibilities)}"
    elif isinstance(exc, click.BadOptionUsage):
        message = f"选项 {exc.option_name} 用法有误：{exc.message}"
    elif isinstance(exc, click.BadParameter):
        message = f"{_param_name(exc.param)} 的取值无效：{exc.message}"
    else:
        message = f"用法有误：{exc.message}"
    return UsageErrorZh(message, exc.ctx)


# click's own words in help (usage line, section headings, the help and version options, defaults)
SECTIONS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}
PLACEHOLDERS = {
    "OPTIONS": "选项",
    "COMMAND": "命令",
    "ARGS": "参数",
    "INTEGER": "整数",
    "TEXT": "文字",
    "FILE": "文件",
    "PATH": "路径",
    "FLOAT": "数值",
}
_PLACEHOLDER = re.compile(r"\b(" + "|".join(PLACEHOLDERS) + r")\b")
HELP_WORDS = (
    ("Show this message and exit.", "显示本说明并退出。"),
    ("Show the version and exit.", "显示版本号并退出。"),
    ("[default: ", "[默认："),
    ("; default: ", "；默认："),
    ("; required]", "；必填]"),
    ("[required]", "[必填]"),
)


def _placeholders(text: str) -> str:
    return _PLACEHOLDER.sub(lambda m: PLACEHOLDERS[m.group(1)], text)


def _help_words(text: str) -> str:
    for english, chinese in HELP_WORDS:
        text = text.replace(english, chinese)
    return text


class HelpFormatterZh(click.HelpFormatter):
    """click's help with its own words in Chinese: 用法, 选项, 命令, defaults and placeholders."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, _placeholders(args), "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        with super().section(SECTIONS.get(name, name)):
            yield

    def write_dl(self, rows: Sequence[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().write_dl([(_placeholders(a), _help_words(b)) for a, b in rows], *args, **kwargs)


class ChoiceZh(click.ParamType):
    """One of a few codes the user types, each shown beside its Chinese name; complaints in Chinese."""

    name = "取值"

    def __init__(self, words: dict[str, str]) -> None:
        self.words = words

    def listed(self) -> str:
        return "、".join(f"{code}（{word}）" for code, word in self.words.items())

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "|".join(self.words)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        if value in self.words:
            return value
        self.fail(f"须为 {self.listed()}之一，收到“{value}”", param, ctx)


def measure_names(calculator: Calculator) -> dict[str, str]:
    """Each measure as a user names it: its Chinese title, and its document's short name after it
    when another measure has the same title."""
    measures = calculator.rules.measures.values()
    count: dict[str, int] = {}
    for m in measures:
        count[m.title] = count.get(m.title, 0) + 1
    names = calculator.names
    return {
        m.id: m.title if count[m.title] == 1 else f"{m.title}（{names.document(m.doc_id)}）" for m in measures
    }


def load_error_hint(ctx: click.Context | None) -> str:
    """A note that some documents failed to load, when they did: the id may be in one of them."""
    library = ctx.find_object(Library) if ctx is not None else None
    try:
        errors = (library or get_library()).errors()
    except Exception:  # noqa: BLE001 - the hint must never hide the error it annotates
        return ""
    if not errors:
        return ""
    return f"（注意：有 {len(errors)} 份文件未能载入，运行 biopolicy documents 查看）"


class IntRange(click.ParamType):
    """An integer between two bounds, with the complaint in Chinese."""

    name = "整数"

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            self.fail(f"须为 {self.low} 到 {self.high} 之间的整数，收到 {value!r}", param, ctx)
        if not self.low <= number <= self.high:
            self.fail(f"须在 {self.low} 到 {self.high} 之间，收到 {number}", param, ctx)
        return number
