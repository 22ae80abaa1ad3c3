"""Every audited kind of record has a Chinese name on the auditor's page: a model added later with an
``__audit_entity__`` and no word in services/audit.py ENTITY_WORDS fails here (it would read 其他记录)."""

from __future__ import annotations

import re

from biopolicy.services.audit import ENTITY_WORDS
from biopolicy.storage.models import Audited, Base


def audited_entities() -> set[str]:
    return {
        mapper.class_.__audit_entity__
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, Audited)
    }


def test_every_audited_model_has_a_chinese_name() -> None:
    entities = audited_entities()
    # today's tables are among them: the walk really sees every model module
    assert {
        "evidence",
        "objection",
        "budget",
        "catalogue_version",
        "enterprise_request",
        "subscription",
    } <= entities
    missing = sorted(entities - ENTITY_WORDS.keys())
    assert missing == [], f"审计记录类型没有中文名称：{missing}"


def test_the_names_are_chinese_and_distinct() -> None:
    for entity in audited_entities():
        assert re.search(r"[\u4e00-\u9fff]", ENTITY_WORDS[entity]), entity
    words = [ENTITY_WORDS[e] for e in audited_entities()]
    assert len(words) == len(set(words)), "两类记录同名，审计员分不清"
