"""Responsible units (责任单位) named at the end of a measure or of one of its paragraphs."""

from __future__ import annotations

import re

_LABELLED = re.compile(r"[（(]?责任单位[：:](?P<body>[^）)]*)[）)]?")
# 003 五 ends with a bare "（市卫健委）": a trailing parenthesis that holds only unit names.
_TRAILING = re.compile(r"[（(](?P<body>[^（）()]{2,80})[）)]\s*$")
_UNIT_SUFFIX = re.compile(r"(?:局|委|厅|办|政府|管委会|海关|部门|部|院|公司|中心|委员会|区)$")
_SEPARATORS = re.compile(r"[、，,；;]")
_DUTY_PHRASE = "按职责分工落实"


def split_units(body: str) -> list[str]:
    """ "省工信厅、科技厅，各设区市人民政府" → names as written; drops "按职责分工落实"."""
    names: list[str] = []
    for part in _SEPARATORS.split(body.replace(_DUTY_PHRASE, "")):
        name = re.sub(r"\s+", "", part)
        if name and name not in names:
            names.append(name)
    return names


def responsible_units(text: str) -> list[str]:
    """Every unit named by a 责任单位 line in ``text``, in order, each once."""
    names: list[str] = []
    for match in _LABELLED.finditer(text):
        names.extend(n for n in split_units(match.group("body")) if n not in names)
    if names:
        return names
    trailing = _TRAILING.search(text)
    if trailing:
        candidates = split_units(trailing.group("body"))
        if candidates and all(_UNIT_SUFFIX.search(c) for c in candidates):
            return candidates
    return []
