"""Every named case of every ``<doc>/tests.yaml`` of the policies folder the settings name.

The folder is ``BIOPOLICY_POLICIES`` (the settings' ``policies``), else the repository's; the runner
is ``biopolicy.services.checks.check_case``, the same one ``biopolicy check`` uses.
"""

from __future__ import annotations

import pytest

from biopolicy.services.calculator import get_calculator
from biopolicy.services.checks import check_case, policy_cases


def _cases():
    for path, case in policy_cases():
        yield pytest.param(case, id=f"{path.parent.name}: {case.get('name')}")


def test_no_document_is_skipped():
    assert get_calculator().skipped == {}


@pytest.mark.parametrize("spec", list(_cases()))
def test_policy_case(spec):
    problems = check_case(get_calculator(), spec)
    assert not problems, "\n".join(problems)
