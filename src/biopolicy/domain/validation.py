"""Pydantic validation errors in plain Chinese, each naming the field and what is expected."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: the field's path (``events[0].date``) and what is expected."""

    loc: tuple[str | int, ...]  # ("events", 0, "date"); () for the input as a whole
    message: str

    @property
    def path(self) -> str:
        """The location as one reads it: ``events[0].date``, "（整体）" for the whole input."""
        return field_path(self.loc)

    def __str__(self) -> str:
        return f"{self.path}：{self.message}"


class FieldError(ValueError):
    """A value refused, naming its field; reads "field：message" where only a string is wanted."""

    def __init__(self, field: str | tuple[str | int, ...], message: str):
        loc = (field,) if isinstance(field, str) else field
        self.problem = Problem(loc, message)
        super().__init__(str(self.problem))


MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段（请检查拼写）",
    "date_from_datetime_parsing": "应为 YYYY-MM-DD 格式的日期",
    "date_parsing": "应为 YYYY-MM-DD 格式的日期",
    "date_type": "应为 YYYY-MM-DD 格式的日期",
    "string_type": "应为文本",
    "string_too_short": "不能为空",
    "string_too_long": "不能超过 {max_length} 个字符",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "decimal_parsing": "应为数字",
    "too_short": "至少应有 {min_length} 项",
}


def field_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after", "function-before", "function-wrap") or str(part).startswith(
            ("function-", "union[", "tagged-union")
        ):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out or "（整体）"


def describe(exc: ValidationError, prefix: str = "") -> list[str]:
    return [str(p) for p in problems_of(exc, prefix)]


def problems_of(exc: ValidationError, prefix: str = "") -> list[Problem]:
    problems: list[Problem] = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not _is_union_branch(p))
        where = ((prefix,) if prefix else ()) + tuple(
            p
            for p in loc
            if not (isinstance(p, str) and p.startswith(("function-", "union[", "tagged-union")))
        )
        kind = err["type"]
        if kind == "enum":
            expected = err.get("ctx", {}).get("expected", "")
            text = f"应为 {expected} 之一，收到 {err.get('input')!r}"
        elif kind == "value_error":
            text = str(err.get("ctx", {}).get("error", err["msg"]))
        else:
            text = MESSAGES.get(kind, err["msg"]).format(**err.get("ctx", {}))
            if kind not in ("missing",) and "input" in err and not isinstance(err["input"], dict | list):
                text += f"，收到 {err['input']!r}"
        problems.append(Problem(where, text))
    return list(dict.fromkeys(problems))


def _is_union_branch(part: object) -> bool:
    return isinstance(part, str) and part in (
        "All",
        "AnyOf",
        "Not",
        "CategoryRef",
        "Compare",
        "AmountTable",
        "AmountSpec",
    )
