"""Every sentence of policy content a user can read is written as a policy officer writes it (issue 15
§1): no "读作" (a legal analyst's word) in any YAML value under policies/: measure, target, catalogue,
duty, time-limit and routing notes, and the names of the worked examples shown on measure pages.
YAML comments are for authors and are not read here."""

from __future__ import annotations

from pathlib import Path

import yaml

POLICIES = Path(__file__).resolve().parents[2] / "policies"
ANALYST_WORDS = ("读作",)


def _strings(value, where: str):
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{where}[{i}]")


def test_no_policy_text_a_user_reads_says_du_zuo():
    found = [
        f"{path.relative_to(POLICIES)}{where}: {text[:60]}"
        for path in sorted(POLICIES.rglob("*.yaml"))
        for where, text in _strings(yaml.safe_load(path.read_text(encoding="utf-8")), "")
        if any(w in text for w in ANALYST_WORDS)
    ]
    assert not found, "\n".join(found)


def test_the_check_reads_values_and_not_comments(tmp_path):
    sample = "# “某词”读作某义（作者注释）\nnotes:\n  - text: “某词”读作某义\n"
    values = [t for _, t in _strings(yaml.safe_load(sample), "")]
    assert values == ["“某词”读作某义"]  # the comment is not a value; the note is
