"""Full-text search over clauses that works for Chinese.

Chinese has no spaces, and jieba's segmentation of a query need not match its segmentation of a
clause (伦理 vs 医学伦理 / 伦理审查). So every clause is indexed three ways, as separate terms:

- ``b:`` character bigrams of every CJK run: 伦理 matches inside 医学伦理 and 伦理审查 whatever
  jieba made of them;
- ``u:`` single CJK characters, so a one-character query (药) still finds something;
- ``w:`` jieba words (search mode, so 临床试验 also yields 临床 and 试验) and Latin/digit runs
  (gmp, car, 30), which reward a match on a whole word over a match across a word boundary.

A query is split into *concepts*: whitespace-separated parts, each segmented by jieba, with runs
of single characters glued back together (jieba splits words it does not know, 挂网 -> 挂 + 网).
A concept of two or more characters is looked up by its bigrams plus its whole word; a single
character by itself.

Ranking is BM25 (k1 = 1.2, b = 0.75) with the title counted ``TITLE_WEIGHT`` times (BM25F-style,
before saturation), an idf damped for terms found in every document, and three adjustments:

- coverage: the score is multiplied by the square of the share of the query's concepts the clause
  contains, so a clause with both 临床试验 and 奖励 beats one with only 奖励 said many times;
- phrase: a clause containing a query part of three or more characters verbatim (临床试验奖励,
  not only 临床试验 and 奖励 apart) gets up to ``PHRASE_BONUS``;
- specificity: a clause whose text repeats a child's text (a measure made of its paragraphs; the
  loader's sections are headings only, but a section made of its measures is treated alike) is
  multiplied by ``CONTAINER_DAMPING``, and is left out altogether when one of its descendants
  matches every concept it matches: the more specific clause stands for it. A container whose
  matches are spread over several children (term A in one paragraph, term B in another) matches
  more than any child and stays. Indexing only leaf text was the alternative; it loses exactly
  that spread case, so full text is indexed and the container damped instead;
- kind: interpretations (政策解读) and covering notices restate operative clauses, so they weigh
  ``KIND_WEIGHT`` (0.7): the measure itself comes first, the commentary still shows;
- floor: hits under ``RELATIVE_FLOOR`` (5%) of the best score are dropped; they match a fragment
  of the query (工作 for 工作日) when other clauses match all of it.

Synonyms (corpus/synonyms.py, ``policies/_catalogue/synonyms.yaml``): a clause also gets one
``s:<group>`` term per variant of a group it contains (三期, Ⅲ期, III期 and 3期 are one term), and a
query's variant is a concept looked up by that term alone, so any way of writing it finds every
other; its snippet marks whichever variant the clause uses.

All per-term BM25 weights are computed at build time, so a query is a few dictionary look-ups and
additions over the matching clauses, plus one snippet per returned hit. What a build computes can
be saved and loaded again (``state()`` / ``from_state()``; ``corpus/index_cache.py`` keeps it on
disk), and jieba is imported and its dictionary loaded only when text is segmented: a process
that never searches never pays for it.
"""

from __future__ import annotations

import heapq
import html
import logging
import marshal
import math
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from biopolicy.domain import Clause, ClauseKind, SearchHit

if TYPE_CHECKING:
    from biopolicy.corpus.synonyms import Synonyms

__all__ = ["MAX_QUERY_LENGTH", "QueryError", "SearchIndex", "normalise", "concepts", "index_terms"]

MAX_QUERY_LENGTH = 200

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 2.0  # a title occurrence counts as this many extra occurrences
WORD_WEIGHT = 0.5  # a whole-word match on top of its bigrams
PHRASE_BONUS = 1.5  # the query part appears verbatim in the clause
CONTAINER_DAMPING = 0.5  # a clause whose text repeats its children's
RELATIVE_FLOOR = 0.05  # hits scoring under this share of the best one are left out
# Commentary and covering text restate the operative clauses; a user citing a policy wants the
# measure itself first, so these kinds weigh less (they are still found, and found alone).
KIND_WEIGHT = {ClauseKind.interpretation: 0.7, ClauseKind.notice: 0.7}
SNIPPET_CHARS = 120
SNIPPET_LEAD = 20  # characters shown before the first match in a snippet

# Single-character function words dropped from a query that has other concepts: they would
# otherwise count towards coverage and match almost every clause.
STOP_CHARS = frozenset("的了和与及或等在对为是将并由于其之把被")

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[0-9a-z]+")
_CJK_RUN = re.compile(rf"[{_CJK}]+")
_IS_CJK = re.compile(rf"^[{_CJK}]+$")


class QueryError(ValueError):
    """A query that cannot be run; the message is Chinese and meant for the user."""


# --- text analysis -------------------------------------------------------------------------


_jieba: ModuleType | None = None
_jieba_cache_dir: Path | None = None
DICTIONARY_CHUNK = 20_000  # entries per piece of the saved dictionary


def use_jieba_cache_dir(cache_dir: Path | None) -> None:
    """Keep jieba's dictionary in ``cache_dir``, saved by us in pieces (see ``_load_dictionary``),
    rather than jieba's own ``jieba.cache`` in the system temporary folder, which other users
    share and a cleaner may empty. Takes effect if called before the dictionary is loaded."""
    global _jieba_cache_dir
    _jieba_cache_dir = cache_dir


def _segmenter() -> ModuleType:
    """jieba with its dictionary loaded: imported on first use (about 0.1 s), its dictionary read
    on first use (about 1 s; 3 s the first time, from jieba's dict.txt)."""
    global _jieba
    if _jieba is None:
        import jieba

        # jieba logs "Building prefix dict ..." at DEBUG on initialisation; keep start-up quiet.
        jieba.setLogLevel(logging.WARNING)
        _jieba = jieba
    if not _jieba.dt.initialized:
        if _jieba_cache_dir is None:
            _jieba.initialize()  # jieba's own cache, in the system temporary folder
        else:
            _load_dictionary(_jieba, _jieba_cache_dir)
    return _jieba


def _load_dictionary(jieba: ModuleType, cache_dir: Path) -> None:
    """Load jieba's prefix dictionary (half a million words) from ``cache_dir``, building and
    saving it from jieba's dict.txt when missing or damaged.

    Saved in pieces of ``DICTIONARY_CHUNK`` entries, each unmarshalled on its own: one
    ``marshal.load`` of the whole (what ``jieba.initialize`` does) holds the interpreter lock for
    a second or more, during which a web server's other threads cannot answer anything.
    """
    from biopolicy.corpus import cachefile

    tokenizer = jieba.dt
    path = cache_dir / "jieba-dictionary.bin"
    key = f"jieba {jieba.__version__} {tokenizer.dictionary or 'dict.txt'} chunk {DICTIONARY_CHUNK}"
    with tokenizer.lock:  # jieba's own lock: a cut in another thread waits for this
        if tokenizer.initialized:
            return
        saved = cachefile.read(path, b"jieba-dictionary", key)
        freq: dict[str, int] | None = None
        if isinstance(saved, list) and len(saved) == 2 and isinstance(saved[0], int):
            total, pieces = saved
            freq = {}
            try:
                for piece in pieces:
                    freq.update(marshal.loads(piece))
            except (EOFError, ValueError, TypeError):
                freq = None
        if freq is None:
            freq, total = tokenizer.gen_pfdict(tokenizer.get_dict_file())
            items = list(freq.items())
            pieces = [
                marshal.dumps(dict(items[i : i + DICTIONARY_CHUNK]))
                for i in range(0, len(items), DICTIONARY_CHUNK)
            ]
            cachefile.write(path, b"jieba-dictionary", key, [total, pieces])
        tokenizer.FREQ, tokenizer.total = freq, total
        tokenizer.initialized = True


def _init_jieba() -> None:
    _segmenter()


def _normalise_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch).lower()
    # Keep one character for one character so that offsets in the normalised text are offsets in
    # the original text (needed to cut and highlight snippets).
    return folded if len(folded) == 1 else ch


def normalise(text: str) -> str:
    """Full-width to half-width, lower case; same length as ``text``."""
    if text.isascii():
        return text.lower()
    return "".join(_normalise_char(ch) for ch in text)


def index_terms(text: str) -> Counter[str]:
    """Every indexed term of an already normalised text with its frequency."""
    terms: Counter[str] = Counter()
    for run in _RUN.findall(text):
        if not _IS_CJK.match(run):
            terms["w:" + run] += 1
            continue
        terms.update("u:" + ch for ch in run)
        terms.update("b:" + run[i : i + 2] for i in range(len(run) - 1))
        terms.update("w:" + w for w in _segmenter().cut_for_search(run) if len(w) > 1)
    return terms


@dataclass(frozen=True)
class Concept:
    """One thing the user asked for: a word, a phrase or a character, with its index terms."""

    text: str
    terms: tuple[tuple[str, float], ...]  # (term, weight in the concept's score)
    parts: tuple[str, ...]  # the terms that count towards coverage (bigrams, or the one term)
    variants: tuple[str, ...] = ()  # a synonym group's ways of writing it, marked in snippets


def _concept(text: str) -> Concept:
    if not _IS_CJK.match(text):
        return Concept(text, (("w:" + text, 1.0),), ("w:" + text,))
    if len(text) == 1:
        return Concept(text, (("u:" + text, 1.0),), ("u:" + text,))
    bigrams = tuple(dict.fromkeys("b:" + text[i : i + 2] for i in range(len(text) - 1)))
    share = 1.0 / len(bigrams)
    return Concept(text, (*((b, share) for b in bigrams), ("w:" + text, WORD_WEIGHT)), bigrams)


def _split_cjk(run: str) -> list[str]:
    # Glue runs of single characters back together: jieba splits what it does not know
    # (挂网 -> 挂, 网), and two characters side by side in a query are meant together.
    pieces: list[str] = []
    singles = ""
    for word in _segmenter().lcut(run):
        if len(word) == 1:
            singles += word
            continue
        if singles:
            pieces.append(singles)
            singles = ""
        pieces.append(word)
    if singles:
        pieces.append(singles)
    return pieces


def concepts(query: str, synonyms: Synonyms | None = None) -> list[Concept]:
    """The concepts of a query, in order, without duplicates or (if others remain) stop characters.
    A variant of a synonym group is one concept, looked up by its group's term."""
    folded = normalise(query)
    found: list[Concept] = []
    if synonyms is not None:
        pieces, last = [], 0
        for start, end, gid in synonyms.find(folded):
            term = "s:" + gid
            if all(c.parts != (term,) for c in found):
                found.append(Concept(folded[start:end], ((term, 1.0),), (term,), synonyms.variants(gid)))
            pieces.append(folded[last:start])
            last = end
        pieces.append(folded[last:])
        folded = " ".join(pieces)
    texts: list[str] = []
    for run in _RUN.findall(folded):
        texts.extend(_split_cjk(run) if _IS_CJK.match(run) else [run])
    unique = list(dict.fromkeys(texts))
    content = [t for t in unique if t not in STOP_CHARS]
    return found + [_concept(t) for t in (content or (unique if not found else []))]


def _phrases(query: str) -> list[str]:
    """Query parts (split on whitespace and punctuation) worth a bonus when found verbatim.

    Only parts of three characters or more: their bigrams can all match without being next to
    each other (临床 … 试验), and an unsegmented 临床试验奖励 is more than its two words apart.
    """
    return [p for p in dict.fromkeys(_RUN.findall(normalise(query))) if len(p) > 2]


# --- the index -----------------------------------------------------------------------------


@dataclass
class _Doc:
    clause: Clause
    norm: str  # normalised text, same length as clause.text
    norm_title: str
    prior: float  # container damping times kind weight
    ancestors: tuple[int, ...]  # indexes of the clause's ancestors present in the index
    container: bool  # has at least one child in the index


class SearchIndex:
    """BM25 over clause text and title, built once, queried many times."""

    def __init__(self, clauses: Iterable[Clause], synonyms: Synonyms | None = None) -> None:
        _init_jieba()
        self._synonyms = synonyms
        self._set(_prepare(list(clauses)), None)

    def _set(self, docs: list[_Doc], postings: dict[str, list[tuple[int, float]]] | None) -> None:
        self._docs = docs
        self._position = {d.clause.id: i for i, d in enumerate(docs)}
        # Flat per-clause lists: the query loop reads these for hundreds of clauses.
        self._doc_of = [d.clause.doc_id for d in docs]
        self._prior = [d.prior for d in docs]
        self._postings = _build_postings(docs, self._synonyms) if postings is None else postings

    def __len__(self) -> int:
        return len(self._docs)

    def warm(self) -> None:
        """Load jieba's dictionary now rather than on the first query."""
        _init_jieba()

    def state(self) -> dict[str, Any]:
        """What the build computed, as plain lists, dicts, strings and numbers (for a cache file).
        Clauses are not in it: ``from_state`` is given them again."""
        return {
            "clauses": [d.clause.id for d in self._docs],
            "docs": [[d.norm, d.norm_title, d.prior, list(d.ancestors), d.container] for d in self._docs],
            "postings": self._postings,
        }

    @classmethod
    def from_state(
        cls, clauses: Iterable[Clause], state: dict[str, Any], synonyms: Synonyms | None = None
    ) -> SearchIndex:
        """The index ``state()`` described, over the same clauses in the same order; ValueError
        when the state does not fit them (then build the index instead)."""
        clauses = list(clauses)
        if state["clauses"] != [c.id for c in clauses] or len(state["docs"]) != len(clauses):
            raise ValueError("saved search index is for other clauses")
        n = len(clauses)
        docs = []
        for c, (norm, norm_title, prior, ancestors, container) in zip(clauses, state["docs"], strict=True):
            if len(norm) != len(c.text) or not all(0 <= a < n for a in ancestors):
                raise ValueError("saved search index does not fit its clauses")
            docs.append(_Doc(c, norm, norm_title, float(prior), tuple(ancestors), bool(container)))
        postings = state["postings"]
        if not all(0 <= i < n for plist in postings.values() for i, _ in plist):
            raise ValueError("saved search index refers to a clause it does not have")
        index = cls.__new__(cls)
        index._synonyms = synonyms
        index._set(docs, postings)
        return index

    def search(self, query: str, limit: int = 20, doc_id: str | None = None) -> list[SearchHit]:
        """Clauses matching ``query``, best first; ``doc_id`` keeps one document's clauses."""
        _validate(query, limit)
        wanted = concepts(query, self._synonyms)
        if not wanted:
            return []  # only punctuation: nothing to look for
        raw, coverage = self._candidates(wanted, None if doc_id is None else {doc_id})
        prior = self._prior
        base = {i: r * coverage[i] * coverage[i] * prior[i] for i, r in raw.items()}
        kept = _drop_redundant_containers(self._docs, coverage)
        kept.sort(key=lambda i: (-base[i], i))
        ranked = self._top(kept, base, _phrases(query), limit)
        floor = ranked[0][1] * RELATIVE_FLOOR if ranked else 0.0
        return [self._hit(i, score, wanted) for i, score in ranked if score >= floor]

    def search_page(
        self,
        query: str,
        offset: int,
        limit: int,
        doc_ids: Iterable[str] | None = None,
        clause_ids: Iterable[str] | None = None,
    ) -> tuple[int, list[SearchHit]]:
        """(how many clauses match, the ``limit`` best from ``offset`` on); ``doc_ids`` /
        ``clause_ids``: only clauses of these documents / with these ids."""
        _validate(query, limit)
        if offset < 0:
            raise QueryError(f"起始位置不能为负数，收到 {offset}")
        wanted = concepts(query, self._synonyms)
        if not wanted:
            return 0, []  # only punctuation: nothing to look for
        allowed = None
        if clause_ids is not None:
            allowed = {self._position[c] for c in clause_ids if c in self._position}
        raw, coverage = self._candidates(wanted, None if doc_ids is None else set(doc_ids), allowed)
        prior = self._prior
        base = {i: r * coverage[i] * coverage[i] * prior[i] for i, r in raw.items()}
        kept = _drop_redundant_containers(self._docs, coverage)
        kept.sort(key=lambda i: (-base[i], i))
        # every kept clause ranked: to count them and to reach any page (a query is fast enough)
        ranked = self._top(kept, base, _phrases(query), max(len(kept), 1))
        floor = ranked[0][1] * RELATIVE_FLOOR if ranked else 0.0
        ranked = [(i, score) for i, score in ranked if score >= floor]
        page = ranked[offset : offset + limit]
        return len(ranked), [self._hit(i, score, wanted) for i, score in page]

    def _top(
        self, kept: list[int], base: dict[int, float], phrases: list[str], limit: int
    ) -> list[tuple[int, float]]:
        """The ``limit`` best (clause, score) pairs, best first, ``kept`` being sorted by base score.

        The phrase bonus (a substring search per clause) is only worked out while a clause could
        still enter the top: once base x PHRASE_BONUS is below the worst score kept, none can.
        """
        if not phrases:
            return [(i, base[i]) for i in kept[:limit]]
        heap: list[tuple[float, int]] = []  # (score, -index): the root is the worst kept
        for i in kept:
            if len(heap) == limit and base[i] * PHRASE_BONUS < heap[0][0]:
                break
            item = (base[i] * self._bonus(i, phrases), -i)
            if len(heap) < limit:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)
        return [(-neg, score) for score, neg in sorted(heap, reverse=True)]

    def _candidates(
        self, wanted: list[Concept], doc_ids: set[str] | None, allowed: set[int] | None = None
    ) -> tuple[dict[int, float], dict[int, float]]:
        """BM25 sum and coverage of every clause matching at least one term.

        Coverage is the mean over concepts of the share of each concept's parts the clause
        contains: 伦理审查 against a text with 伦理 and 审查 apart covers 2 of its 3 bigrams.
        """
        raw: dict[int, float] = defaultdict(float)
        coverage: dict[int, float] = defaultdict(float)
        in_doc = self._doc_of
        per_concept = 1.0 / len(wanted)
        for concept in wanted:
            share = per_concept / len(concept.parts)
            for term, weight in concept.terms:
                counts = term in concept.parts
                for i, impact in self._postings.get(term, ()):
                    if doc_ids is not None and in_doc[i] not in doc_ids:
                        continue
                    if allowed is not None and i not in allowed:
                        continue
                    raw[i] += weight * impact
                    if counts:
                        coverage[i] += share
        return raw, coverage

    def _bonus(self, i: int, phrases: list[str]) -> float:
        doc = self._docs[i]
        verbatim = sum(p in doc.norm or p in doc.norm_title for p in phrases)
        return 1.0 + (PHRASE_BONUS - 1) * verbatim / len(phrases)

    def _hit(self, i: int, score: float, wanted: list[Concept]) -> SearchHit:
        clause = self._docs[i].clause
        return SearchHit(
            doc_id=clause.doc_id,
            clause_id=clause.id,
            score=round(score, 6),
            snippet=snippet(clause.text, wanted, norm=self._docs[i].norm),
        )


def _validate(query: str, limit: int) -> None:
    if not query or not query.strip():
        raise QueryError("查询词不能为空")
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryError(f"查询词最长{MAX_QUERY_LENGTH}个字符，收到 {len(query)} 个")
    if limit < 1:
        raise QueryError(f"返回条数 limit 必须是正整数，收到 {limit}")


def _prepare(clauses: list[Clause]) -> list[_Doc]:
    position = {c.id: i for i, c in enumerate(clauses)}
    children: dict[str, list[Clause]] = defaultdict(list)
    for c in clauses:
        if c.parent_id in position:
            children[c.parent_id].append(c)
    docs = []
    for c in clauses:
        kids = children.get(c.id, [])
        # A container is damped only when it really repeats a child's text; a heading-only
        # section matched on its own words is a good answer and keeps its full score.
        repeats = any(k.text.strip() and k.text.strip() in c.text for k in kids)
        docs.append(
            _Doc(
                clause=c,
                norm=normalise(c.text),
                norm_title=normalise(c.title or ""),
                prior=(CONTAINER_DAMPING if repeats else 1.0) * KIND_WEIGHT.get(c.kind, 1.0),
                ancestors=_ancestors(c, clauses, position),
                container=bool(kids),
            )
        )
    return docs


def _ancestors(clause: Clause, clauses: list[Clause], position: dict[str, int]) -> tuple[int, ...]:
    chain: list[int] = []
    parent = clause.parent_id
    while parent in position and position[parent] not in chain:
        chain.append(position[parent])
        parent = clauses[position[parent]].parent_id
    return tuple(chain)


def _build_postings(docs: list[_Doc], synonyms: Synonyms | None = None) -> dict[str, list[tuple[int, float]]]:
    """term -> [(clause index, BM25 weight of the term in that clause)], weights precomputed."""
    tfs: list[Counter[str]] = []
    for d in docs:
        tf = index_terms(d.norm)
        title_terms = index_terms(d.norm_title)
        if synonyms is not None:
            tf.update(synonyms.terms(d.norm))
            title_terms.update(synonyms.terms(d.norm_title))
        for term, n in title_terms.items():
            tf[term] += TITLE_WEIGHT * n
        tfs.append(tf)
    n_clauses = len(docs)
    avg_len = sum(len(d.norm) for d in docs) / n_clauses if n_clauses else 1.0
    clause_df: Counter[str] = Counter()
    doc_sets: dict[str, set[str]] = defaultdict(set)
    for d, tf in zip(docs, tfs, strict=True):
        clause_df.update(tf.keys())
        for term in tf:
            doc_sets[term].add(d.clause.doc_id)
    n_documents = len({d.clause.doc_id for d in docs})
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for i, (d, tf) in enumerate(zip(docs, tfs, strict=True)):
        norm_len = 1 - B + B * len(d.norm) / (avg_len or 1.0)
        for term, n in tf.items():
            weight = _idf(clause_df[term], n_clauses) * _spread(len(doc_sets[term]), n_documents)
            postings[term].append((i, weight * n * (K1 + 1) / (n + K1 * norm_len)))
    return dict(postings)


def _idf(df: int, n: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _spread(in_documents: int, n_documents: int) -> float:
    """1 for a term found in one document, falling smoothly to 0.5 for one found in all.

    Clause-level idf alone misses that a term every policy uses (生物医药, 企业) says nothing about
    which policy a question is about, even when it is rare within each one.
    """
    if n_documents <= 1:
        return 1.0
    lo, hi = math.log(1 + 1), math.log(1 + n_documents)
    return 0.5 + 0.5 * (math.log(1 + n_documents / in_documents) - lo) / (hi - lo)


def _drop_redundant_containers(docs: list[_Doc], coverage: dict[int, float]) -> list[int]:
    """Leave out a container when a descendant matches at least as much of the query."""
    best_below: dict[int, float] = {}
    for i, cov in coverage.items():
        for a in docs[i].ancestors:  # empty for top-level clauses: most of them
            if cov > best_below.get(a, -1.0):
                best_below[a] = cov
    if not best_below:
        return list(coverage)
    return [
        i for i, cov in coverage.items() if not (docs[i].container and best_below.get(i, -1.0) >= cov - 1e-9)
    ]


# --- snippets ------------------------------------------------------------------------------


def _spans(norm: str, wanted: list[Concept]) -> list[tuple[int, int, int]]:
    """(start, end, concept number) of every match; a concept not found whole is marked by its
    bigrams, so a partial match is still visible."""
    spans: list[tuple[int, int, int]] = []
    for k, concept in enumerate(wanted):
        pieces = list(concept.variants) or [concept.text]
        if (
            not concept.variants
            and concept.text not in norm
            and len(concept.text) > 2
            and _IS_CJK.match(concept.text)
        ):
            pieces = [concept.text[i : i + 2] for i in range(len(concept.text) - 1)]
        for piece in pieces:
            at = norm.find(piece)
            while at >= 0:
                spans.append((at, at + len(piece), k))
                at = norm.find(piece, at + 1)
    return sorted(spans)


def _merge(spans: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end, _ in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _window(length: int, spans: list[tuple[int, int, int]]) -> tuple[int, int]:
    """The earliest SNIPPET_CHARS window that shows the most distinct concepts.

    Earliest rather than densest: the start of a clause is where its subject is named, and it
    lets the scan stop at the first window that shows every concept.
    """
    if length <= SNIPPET_CHARS or not spans:
        return 0, min(length, SNIPPET_CHARS)
    all_concepts = len({k for _, _, k in spans})
    starts = [s for s, _, _ in spans]
    best, best_seen = 0, -1
    for start in starts:
        lo = max(0, min(start - SNIPPET_LEAD, length - SNIPPET_CHARS))
        hi = lo + SNIPPET_CHARS
        inside = spans[bisect_left(starts, lo) : bisect_right(starts, hi)]
        seen = len({k for s, e, k in inside if e <= hi})
        if seen > best_seen:
            best, best_seen = lo, seen
            if seen == all_concepts:
                break
    return best, best + SNIPPET_CHARS


def snippet(text: str, wanted: list[Concept], norm: str | None = None) -> str:
    """An HTML-escaped excerpt of ``text`` around the best match, matches in <mark>, … where cut."""
    norm = normalise(text) if norm is None else norm
    spans = _spans(norm, wanted)
    lo, hi = _window(len(text), spans)
    out: list[str] = ["…"] if lo > 0 else []
    pos = lo
    for start, end in _merge([sp for sp in spans if sp[0] < hi and sp[1] > lo]):
        start, end = max(start, lo), min(end, hi)
        out.append(_plain(text[pos:start]))
        out.append(f"<mark>{_plain(text[start:end])}</mark>")
        pos = end
    out.append(_plain(text[pos:hi]))
    if hi < len(text):
        out.append("…")
    return "".join(out)


_NEEDS_ESCAPE = re.compile(r"[&<>\"']")


def _plain(text: str) -> str:
    text = text.replace("\n", " ")
    # Most clause text has nothing to escape; skip html.escape's five passes then.
    return html.escape(text, quote=True) if _NEEDS_ESCAPE.search(text) else text
