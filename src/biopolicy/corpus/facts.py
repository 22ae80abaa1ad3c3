"""Facts stated in a clause: money, rates, counts and time limits. Being written (see issue 2)."""

from biopolicy.domain import Fact


def extract_facts(text: str) -> list[Fact]:
    """Every figure stated in ``text`` with its position. Placeholder until the extractor lands."""
    raise NotImplementedError("extract_facts is being written")
