"""Registration classes: how a product's class is written, and which class includes which.

The classes themselves are data (``registration_classes`` in the event catalogue, per product type).
Here: reading what a user writes ("Ⅲ", "III类", "第三类", "3" for a device; "1类", "一类", "2.1" for
a drug) into the catalogue's value, or refusing it with the accepted values listed; and the rule
that a class includes its sub-classes ("1" includes "1.1", "1.2", ...).
"""

from __future__ import annotations

import re
import unicodedata

CHINESE_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5"}
ROMAN = {"I": "1", "II": "2", "III": "3"}
DIGIT_TO_ROMAN = {v: k for k, v in ROMAN.items()}
_DOTTED = re.compile(r"^\d+(\.\d+)*$")


def includes(general: str, specific: str) -> bool:
    """Whether class ``general`` includes class ``specific``: itself, or one of its sub-classes."""
    return specific == general or specific.startswith(general + ".")


def normalise_class(raw: object, classes: dict[str, str], type_label: str) -> str:
    """The catalogue's value for what was written, or ValueError saying what is accepted (in Chinese).

    ``classes`` are the product type's registration classes (value -> label). Roman numerals are
    device notation: they are read for devices and diagnostic reagents only (classes I, II, III).
    """
    written = str(raw)
    if not classes:
        raise ValueError(f"{type_label}没有注册分类，请不要填写（收到“{written}”）")
    text = unicodedata.normalize("NFKC", written).strip().upper().replace(" ", "")
    text = text.replace("。", ".")
    text = text.removeprefix("第").removesuffix("医疗器械").removesuffix("类")
    roman_classes = set(classes) <= set(ROMAN)
    if text in ROMAN:
        text = text if roman_classes else ""
    else:
        text = "".join(CHINESE_DIGITS.get(ch, ch) for ch in text)
        if roman_classes and text in DIGIT_TO_ROMAN:
            text = DIGIT_TO_ROMAN[text]
        elif not _DOTTED.match(text):
            text = ""
    if text in classes:
        return text
    accepted = "、".join(f"{value}（{label}）" for value, label in classes.items())
    raise ValueError(f"“{written}”不是{type_label}的注册分类，应为 {accepted} 之一")
