"""Regenerate the reference files under docs/ from the models and the rules::

    python -m biopolicy.services.reference            # docs/schemas, docs/examples, the catalogue section
    python -m biopolicy.services.reference OUTDIR     # only the three schemas, into OUTDIR

What each file holds is made in ``biopolicy.rules.jsonschema``; the example assessments are what
the calculator answers today, so the command that writes them is a service.
"""

from __future__ import annotations

import sys
from pathlib import Path

from biopolicy.rules.jsonschema import (
    REGENERATE,
    docs_dir,
    write_catalogue_section,
    write_examples,
    write_schemas,
)
from biopolicy.rules.loader import load_catalogue
from biopolicy.services.calculator import get_calculator


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0].startswith("-")):
        print(f"用法：{REGENERATE} [OUTDIR]（省略 OUTDIR 时重新生成 docs/ 下全部生成文件）", file=sys.stderr)
        return 2
    catalogue = load_catalogue()
    if args:
        written = write_schemas(Path(args[0]), catalogue)
    else:
        docs = docs_dir()
        written = write_schemas(docs / "schemas", catalogue)
        written += write_examples(docs / "examples", get_calculator())
        written.append(write_catalogue_section(docs / "rule-authoring.md", catalogue))
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
