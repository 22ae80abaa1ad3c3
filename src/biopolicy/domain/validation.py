"""Pydantic validation errors in plain Chinese, each naming the field and what is expected."""

from __future__ import annotations

from pydantic import ValidationError

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
    problems: list[str] = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not _is_union_branch(p))
        where = field_path(((prefix,) if prefix else ()) + loc)
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
        problems.append(f"{where}：{text}")
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
