"""Load the policy library: every policies/<doc-id>/source.txt with its document.yaml.

A document that cannot be read (empty, not UTF-8, a bad document.yaml) becomes a LoadError
with a message in Chinese; the other documents still load.
"""

from __future__ import annotations

import logging
import os
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from biopolicy.corpus import facts as facts_module
from biopolicy.corpus.layout import paragraphs
from biopolicy.corpus.metadata import cited_numbers, in_force, issue_date, own_number, signatories
from biopolicy.corpus.parse import Draft, ParseResult, parse
from biopolicy.corpus.repair import is_mojibake_corrupt, repair_mojibake
from biopolicy.domain import Clause, ClauseKind, Corpus, Document, Fact, LoadError

# libyaml's loader when PyYAML has it (same safe constructors, about 10x faster than the
# pure-Python one: the rule files are most of the start-up of a command that assesses).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

log = logging.getLogger(__name__)

SOURCE = "source.txt"
SPEC = "document.yaml"
ENV_VAR = "BIOPOLICY_POLICIES"


class DocumentError(Exception):
    """A document the user must fix; the message (Chinese) says what is wrong and where."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


class DocumentSpec(BaseModel):
    """document.yaml: provenance, how to parse, and what the text does not state plainly."""

    model_config = ConfigDict(extra="forbid")

    source_file: str  # the seed file name as received
    structure: Literal["official", "interpretation", "plan"] = "official"
    layout: Literal["wrapped", "lines"] = "wrapped"
    running_heads: list[str] = []  # lines dropped wherever they land (after mojibake repair)
    title: str | None = None  # overrides the title read from the text
    number: str | None = None  # the 文号 where the text does not print it on a line of its own
    superseded_by: str | None = None  # the document (id or 文号) that replaced this one: archived, kept
    short_name: str | None = None  # how a user names it in one line: 厦门市2023年若干措施
    issuers: list[str] | None = None  # overrides the signature block
    issued: date | None = None
    in_force_from: date | None = None
    in_force_to: date | None = None
    in_force_note: str | None = None
    notes: str | None = None


def default_policies_dir() -> Path:
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    # src/biopolicy/corpus/loader.py → the repository root holds policies/ (editable install).
    return Path(__file__).resolve().parents[3] / "policies"


def _display(path: Path) -> str:
    """policies/<doc>/source.txt: short enough to read, precise enough to find."""
    return "/".join(path.parts[-3:])


def read_source(path: Path) -> str:
    shown = _display(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DocumentError(shown, f"{shown} 无法读取：{e.strerror or e}") from e
    if not data.strip():
        raise DocumentError(shown, f"{shown} 是空文件，没有可解析的文本")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DocumentError(shown, f"{shown} 不是 UTF-8 编码的文本：第 {e.start + 1} 字节无法解码") from e


def read_spec(folder: Path) -> DocumentSpec:
    path = folder / SPEC
    shown = _display(path)
    if not path.exists():
        return DocumentSpec(source_file=SOURCE)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise DocumentError(shown, f"{shown} 不是有效的 YAML：{e}") from e
    if not isinstance(raw, dict):
        raise DocumentError(shown, f"{shown} 应为“键: 值”的映射，实际是 {type(raw).__name__}")
    try:
        return DocumentSpec.model_validate(raw)
    except ValidationError as e:
        problems = "；".join(
            f"{'.'.join(map(str, err['loc'])) or '(整体)'}：{err['msg']}" for err in e.errors()
        )
        raise DocumentError(shown, f"{shown} 内容有误：{problems}") from e


def clause_facts(text: str) -> list[Fact]:
    """Facts come from the extractor in corpus.facts; until it lands a clause has none."""
    try:
        return facts_module.extract_facts(text)
    except NotImplementedError:
        return []


def load_document(folder: Path) -> Document:
    """Read, repair, parse and describe one document folder. Raises DocumentError."""
    spec = read_spec(folder)
    raw = read_source(folder / SOURCE)
    repairs: list[str] = []
    text = raw
    if is_mojibake_corrupt(raw):
        fixed = repair_mojibake(raw)
        text = fixed.text
        repairs.extend(fixed.describe())
    laid = paragraphs(text, spec.layout, tuple(spec.running_heads))
    repairs.extend(laid.describe())
    parsed = parse(laid.paragraphs, spec.structure)
    doc_id = folder.name
    clauses = [_clause(doc_id, d, order, raw) for order, d in enumerate(parsed.drafts)]
    return _document(doc_id, spec, raw, "\n".join(p.text for p in laid.paragraphs), parsed, clauses, repairs)


def _clause(doc_id: str, draft: Draft, order: int, raw: str) -> Clause:
    body = draft.body
    return Clause(
        id=f"{doc_id}/{draft.local}",
        doc_id=doc_id,
        parent_id=f"{doc_id}/{draft.parent}" if draft.parent else None,
        kind=draft.kind,
        label=draft.label,
        title=draft.title,
        text=body,
        raw_text=raw[draft.paras[0].start : draft.paras[-1].end] if draft.paras else "",
        responsible_units=draft.responsible_units,
        facts=clause_facts(body),
        order=order,
    )


def _document(
    doc_id: str,
    spec: DocumentSpec,
    raw: str,
    text: str,
    parsed: ParseResult,
    clauses: list[Clause],
    repairs: list[str],
) -> Document:
    notice = next((d for d in parsed.drafts if d.local == "notice"), None)
    number = spec.number or own_number(notice)
    issued = spec.issued or issue_date(notice)
    closing = "\n".join(c.text for c in clauses if c.kind is ClauseKind.closing and c.parent_id is None)
    window = in_force(closing, issued)
    return Document(
        id=doc_id,
        title=spec.title or parsed.title or doc_id,
        short_name=spec.short_name,
        number=number,
        issuers=spec.issuers if spec.issuers is not None else signatories(notice),
        issued=issued,
        in_force_from=spec.in_force_from or window.start,
        in_force_to=spec.in_force_to or window.end,
        in_force_note=spec.in_force_note or window.note,
        cites=cited_numbers(text, number),
        source_file=spec.source_file,
        repairs=repairs,
        warnings=parsed.warnings,
        superseded_by=spec.superseded_by,
        text=text,
        raw_text=raw,
        clauses=clauses,
    )


def load_corpus(policies_dir: Path | None = None) -> Corpus:
    """Every subfolder of ``policies_dir`` with a source.txt is a document."""
    root = Path(policies_dir) if policies_dir is not None else default_policies_dir()
    corpus = Corpus()
    if not root.is_dir():
        corpus.errors.append(LoadError(path=str(root), message=f"找不到政策目录 {root}"))
        return corpus
    for folder in sorted(p for p in root.iterdir() if (p / SOURCE).is_file()):
        try:
            doc = load_document(folder)
        except DocumentError as e:
            corpus.errors.append(LoadError(path=e.path, message=e.message))
            continue
        except Exception as e:  # a bug of ours: log it with context, report it, load the rest
            log.exception("failed to load policy document %s", folder)
            shown = _display(folder / SOURCE)
            corpus.errors.append(
                LoadError(path=shown, message=f"{shown} 解析时发生内部错误：{type(e).__name__}: {e}")
            )
            continue
        corpus.documents[doc.id] = doc
    return corpus
