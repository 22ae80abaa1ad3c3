"""extract_facts on real sentences of the five sources, on edge cases, and on any text.

Sentences are copied from policies/*/source.txt with line breaks joined and layout spaces between
digits and units removed, as the repair delivers them; the 002 (xm-2023) ones are repaired by hand
(袁→，尧→、遥→。曰→；院→：野/冶→“/” 叶/曳→《/》 渊/冤→（/） 也/页→〔/〕 要→— 耀→～ 玉/域/芋→Ⅰ/Ⅱ/Ⅲ).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import repository_documents

from biopolicy.corpus.facts import extract_facts
from biopolicy.domain import FactBound, FactKind

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policies"

M, P, C, D, R = FactKind.money, FactKind.percent, FactKind.count, FactKind.duration, FactKind.ratio
EXACT, MAX, MIN, APPROX = FactBound.exact, FactBound.max, FactBound.min, FactBound.approx


@dataclass(frozen=True)
class E:
    """An expected fact; positions are found in the sentence, in order, from ``text``."""

    kind: FactKind
    value: str
    unit: str
    text: str
    bound: FactBound = EXACT
    value_to: str | None = None


def check(sentence: str, expected: list[E]) -> None:
    facts = extract_facts(sentence)
    got = [(f.kind, f.value, f.value_to, f.unit, f.bound, f.text) for f in facts]
    want = [
        (
            e.kind,
            Decimal(e.value),
            None if e.value_to is None else Decimal(e.value_to),
            e.unit,
            e.bound,
            e.text,
        )
        for e in expected
    ]
    assert got == want
    cursor = 0
    for fact, e in zip(facts, expected, strict=True):
        start = sentence.index(e.text, cursor)
        assert (fact.start, fact.end) == (start, start + len(e.text))
        assert sentence[fact.start : fact.end] == fact.text
        cursor = fact.end


# --- fj-2023-7 (000) ----------------------------------------------------------------------------

FJ_2023_7 = [
    pytest.param(
        "沿海地区以厦门市为重心打造1个生物医药产业龙头集聚地，内陆地区以三明市为重心打造1个重要生产基地，"
        "带动一批生物医药园区专业化、集聚化、特色化发展。到2025年，打造5个左右特色生物医药产业集群，"
        "全省医药工业营业收入力争达到1200亿元。",
        [
            E(C, "1", "个", "1个"),
            E(C, "1", "个", "1个"),
            E(C, "5", "个", "5个", APPROX),
            E(M, "120000000000", "元", "1200亿元", MIN),
        ],
        id="000-m1-layout-targets",
    ),
    pytest.param(
        "积极培育优势龙头企业，支持兼并重组，壮大产业规模，对企业年营业收入首次超100亿元的，"
        "省级财政给予一次性300万元资金奖励。",
        [E(M, "10000000000", "元", "100亿元", MIN), E(M, "3000000", "元", "300万元")],
        id="000-m2-first-over-10bn",
    ),
    pytest.param(
        "根据平台建设任务和绩效目标，对符合条件的每个平台每年最高给予1000万元资助。",
        [E(M, "10000000", "元", "1000万元", MAX)],
        id="000-m4-platform",
    ),
    pytest.param(
        "加快培育引进行业龙头医药合同研发机构（CRO）、合同生产机构（CMO）、合同研发生产机构（CDMO）等在我省布局落地，"
        "推动建设5个以上产业应用基础服务平台，推进研发、生产服务能力建设。",
        [E(C, "5", "个", "5个", MIN)],
        id="000-m5-five-or-more",
    ),
    pytest.param(
        "（其中CMO、CDMO平台需取得受托生产品种对应生产范围的生产许可），可按规定申请补助资金，最高给予5000万元资金补助。",
        [E(M, "50000000", "元", "5000万元", MAX)],
        id="000-m5-subsidy",
    ),
    pytest.param(
        "医疗机构在承接药物或医疗器械临床试验项目时，其伦理委员会每月至少应召开1次会议，加快临床试验伦理审查进度。",
        [E(C, "1", "次", "1次", MIN)],
        id="000-m8-ethics-monthly",
    ),
    pytest.param(
        "对在省内转化的创新药或改良型新药完成Ⅰ、Ⅱ、Ⅲ期临床试验的，可按阶段申请研发奖励资金，"
        "符合条件的创新药、改良型新药分别给予最高3000万元、1500万元资金奖励。",
        [E(M, "30000000", "元", "3000万元", MAX), E(M, "15000000", "元", "1500万元", MAX)],
        id="000-m9-clinical",
    ),
    pytest.param(
        "对取得药品注册批件和生产许可证的1类创新药，2类、3类化学药和中药，取得医疗器械注册证和生产许可证的第三类医疗器械，"
        "首次在我省实现产业化的生产企业可按不同类别申请产业化奖励资金，符合条件的最高给予600万元资金奖励。",
        [E(M, "6000000", "元", "600万元", MAX)],
        id="000-m9-industrialisation",
    ),
    pytest.param(
        "对新获得原料药批准通知书的原料药项目，并在省内首次实现产业化的，每个品种给予一次性100万元奖励。",
        [E(M, "1000000", "元", "100万元")],
        id="000-m10-api",
    ),
    pytest.param(
        "三级公立医疗机构应设立每月1—2次的“医药企业接待日”，倾听并解答医药企业提出的问题。",
        [E(C, "1", "次", "1—2次", value_to="2")],
        id="000-m12-reception-day",
    ),
    pytest.param(
        "全省二级以上公立医疗机构应不定期召开药事管理与药物治疗学委员会会议及医疗器械管理相关会议，"
        "原则上此类会议每季度应召开1次，每年不少于4次。",
        [E(C, "1", "次", "1次"), E(C, "4", "次", "4次", MIN)],
        id="000-m15-pharmacy-committee",
    ),
    pytest.param(
        "对省行业协会组织生物医药企业参加境内知名专业展会的，参展费用予以不少于50%比例补助。",
        [E(P, "50", "%", "50%", MIN)],
        id="000-m16-exhibitions",
    ),
    pytest.param(
        "本措施执行至2025年12月31日。厦门市执行本措施所需财政资金由厦门市人民政府负责解决。",
        [],
        id="000-closing-date",
    ),
]

# --- xm-2023 (002), repaired by hand --------------------------------------------------------

XM_2023 = [
    pytest.param(
        "对在本市转化的创新药（1类生物制品、化学药、中药及天然药物）完成临床前研究的，按照研发投入最高不超过40%的标准，"
        "给予最高不超过400万元的奖励；完成Ⅰ、Ⅱ、Ⅲ期临床试验的，按照研发投入最高不超过40%的标准，"
        "分别给予最高不超过1000万元、2000万元、3000万元的奖励；完成境外临床研究的，按照其研发投入最高不超过40%的标准，"
        "给予最高不超过300万元的奖励。",
        [
            E(P, "40", "%", "40%", MAX),
            E(M, "4000000", "元", "400万元", MAX),
            E(P, "40", "%", "40%", MAX),
            E(M, "10000000", "元", "1000万元", MAX),
            E(M, "20000000", "元", "2000万元", MAX),
            E(M, "30000000", "元", "3000万元", MAX),
            E(P, "40", "%", "40%", MAX),
            E(M, "3000000", "元", "300万元", MAX),
        ],
        id="002-1-innovative-drug",
    ),
    pytest.param(
        "对在本市转化的改良型新药（2类生物制品、化学药、中药及天然药物）以及古代经典名方中药复方制剂完成临床前研究的，"
        "按照研发投入最高不超过20%的标准，给予最高不超过100万元的奖励；完成Ⅰ、Ⅱ、Ⅲ期临床试验的，"
        "按照研发投入最高不超过20%的标准，分别给予最高不超过300万元、800万元、1500万元的奖励；"
        "完成境外临床研究的，按照研发投入最高不超过20%的标准，给予最高不超过200万元的奖励。",
        [
            E(P, "20", "%", "20%", MAX),
            E(M, "1000000", "元", "100万元", MAX),
            E(P, "20", "%", "20%", MAX),
            E(M, "3000000", "元", "300万元", MAX),
            E(M, "8000000", "元", "800万元", MAX),
            E(M, "15000000", "元", "1500万元", MAX),
            E(P, "20", "%", "20%", MAX),
            E(M, "2000000", "元", "200万元", MAX),
        ],
        id="002-1-improved-drug",
    ),
    pytest.param(
        "单个企业享受上述政策每年支持额度最高不超过1亿元。",
        [E(M, "100000000", "元", "1亿元", MAX)],
        id="002-1-cap-per-year",
    ),
    pytest.param(
        "对国内首家通过、前三个通过和通过（含视同通过）仿制药质量和疗效一致性评价的品种，"
        "分别按最高不超过评价成本的40%、30%和20%的标准给予最高不超过300万的一次性奖励，"
        "单个企业每年支持额度最高不超过1000万元。",
        [
            E(P, "40", "%", "40%", MAX),
            E(P, "30", "%", "30%", MAX),
            E(P, "20", "%", "20%", MAX),
            E(M, "3000000", "元", "300万", MAX),
            E(M, "10000000", "元", "1000万元", MAX),
        ],
        id="002-1-consistency-evaluation",
    ),
    pytest.param(
        "对取得创新药（含1类生物制品、化学药、中药）、改良型新药（含2类生物制品、化学药、中药）、"
        "仿制药（含3类、4类生物制品、化学药）药品注册证书并首次实现产业化，累计销售收入达到100万元的，"
        "按照类别每个品种分别给予1000万元、500万元、300万元奖励，单个企业每年支持额度最高不超过3000万元。",
        [
            E(M, "1000000", "元", "100万元", MIN),
            E(M, "10000000", "元", "1000万元"),
            E(M, "5000000", "元", "500万元"),
            E(M, "3000000", "元", "300万元"),
            E(M, "30000000", "元", "3000万元", MAX),
        ],
        id="002-2-drug-industrialisation",
    ),
    pytest.param(
        "对第二类、第三类医疗器械取得注册证书且该产品首次在本市实现产业化，累计销售收入达到50万元的，"
        "按照类别每个品种分别给予40万元、100万元奖励，单个企业支持额度每年最高不超过500万元。"
        "对进入国家创新医疗器械特别审查程序获得产品注册证的三类医疗器械首次在本市实现产业化的，"
        "每个品种给予200万元一次性奖励，对其中的重大项目，经评审，每个品种给予最高不超过600万元奖励。"
        "对保健食品、特殊化妆品和特殊医学用途配方食品取得注册证书并在本市首次实现产业化的，每个品种分别给予60万元一次性奖励。",
        [
            E(M, "500000", "元", "50万元", MIN),
            E(M, "400000", "元", "40万元"),
            E(M, "1000000", "元", "100万元"),
            E(M, "5000000", "元", "500万元", MAX),
            E(M, "2000000", "元", "200万元"),
            E(M, "6000000", "元", "600万元", MAX),
            E(M, "600000", "元", "60万元"),
        ],
        id="002-2-device-industrialisation",
    ),
    pytest.param(
        "对取得境外ICH成员国注册批件或通过世界卫生组织预认证（WHO PQ）的创新药、改良型新药，"
        "按照类别每个品种分别给予300万元、150万元一次性奖励，单个企业每年最高不超过600万元。"
        "对首次取得欧盟、美国、英国、日本、澳大利亚、巴西、俄罗斯国际注册或国际认证的医疗器械产品，"
        "对应国内第二类、第三类医疗器械的单个注册单元分别给予30万元、50万元一次性奖励，单个企业每年最高不超过500万元。",
        [
            E(M, "3000000", "元", "300万元"),
            E(M, "1500000", "元", "150万元"),
            E(M, "6000000", "元", "600万元", MAX),
            E(M, "300000", "元", "30万元"),
            E(M, "500000", "元", "50万元"),
            E(M, "5000000", "元", "500万元", MAX),
        ],
        id="002-3-overseas-registration",
    ),
    pytest.param(
        "对承担生物医药类国家重大新药创制、国家重点研发计划等国家重大专项的企业，按照国家实际资助1:1的比例予以配套，"
        "国家、省、市项目资助总金额不超过项目总投入。",
        [E(R, "1", "比例", "1:1")],
        id="002-4-matching",
    ),
    pytest.param(
        "对购买生物医药重大科技成果在本市实现产业化的企业，按不超过实际支付技术交易额的30%予以补助，最高不超过300万元。",
        [E(P, "30", "%", "30%", MAX), E(M, "3000000", "元", "300万元", MAX)],
        id="002-8-technology-purchase",
    ),
    pytest.param(
        "对在本市新增建设的生物医药合同研发机构（CRO）、合同生产机构（CMO）、合同研发生产机构（CDMO）等产业应用基础平台，"
        "按照不超过固定资产投资40%的标准，给予最高不超过5000万元补助。",
        [E(P, "40", "%", "40%", MAX), E(M, "50000000", "元", "5000万元", MAX)],
        id="002-10-platforms",
    ),
    pytest.param(
        "生物医药企业按照药品上市许可持有人制度、医疗器械注册人制度受托生产的，"
        "对受托生产方（委托双方须非关联且无投资关系）生产的单个品种，按照不超过年度新增实际合同交易金额10%的标准，"
        "最高不超过500万元的资助。单个企业每年资助最高不超过1000万元。",
        [
            E(P, "10", "%", "10%", MAX),
            E(M, "5000000", "元", "500万元", MAX),
            E(M, "10000000", "元", "1000万元", MAX),
        ],
        id="002-10-contract-manufacturing",
    ),
    pytest.param(
        "对年度营业收入2000万元以上的生物医药合同研发机构(CRO)向非关联且无投资关系的生物医药企业或机构提供服务的，"
        "按照不超过实际提供服务金额10%的标准给予奖励，单个企业最高不超过500万元。",
        [
            E(M, "20000000", "元", "2000万元", MIN),
            E(P, "10", "%", "10%", MAX),
            E(M, "5000000", "元", "500万元", MAX),
        ],
        id="002-10-cro",
    ),
    pytest.param(
        "对医疗机构每新增1个药物临床试验（GCP）专业学科，给予20万元奖励，每个医疗机构每年最高不超过100万元。",
        [E(C, "1", "个", "1个"), E(M, "200000", "元", "20万元"), E(M, "1000000", "元", "100万元", MAX)],
        id="002-15-gcp-specialty",
    ),
    pytest.param(
        "支持医疗机构服务生物医药产业，对医疗机构开展的临床试验，符合条件的按实际服务收入10%的标准给予奖励，"
        "每个医疗机构最高不超过200万元。",
        [E(P, "10", "%", "10%"), E(M, "2000000", "元", "200万元", MAX)],
        id="002-15-clinical-service",
    ),
    pytest.param(
        "对通过验收的市级临床医学研究中心给予200万元补助，对评估优秀的给予150万元支持；"
        "对通过验收的省级临床医学研究中心给予200万元补助（与市级中心不重复享受），对评估优秀的给予150万元支持；"
        "对取得资质并完成建设的国家临床医学研究中心福建省分中心给予400万元补助，对评估优秀的给予200万元支持；"
        "对取得国家临床医学研究中心资质的，给予补足至1000万元。",
        [
            E(M, "2000000", "元", "200万元"),
            E(M, "1500000", "元", "150万元"),
            E(M, "2000000", "元", "200万元"),
            E(M, "1500000", "元", "150万元"),
            E(M, "4000000", "元", "400万元"),
            E(M, "2000000", "元", "200万元"),
            E(M, "10000000", "元", "1000万元"),
        ],
        id="002-16-research-centres",
    ),
    pytest.param(
        "制定厦门市生物医药产业高端人才评定标准，针对生物医药企业近3年引进的研发、生产及管理人才，"
        "经审核确认的给予最高80万元补贴，按40%、30%、30%的比例分3年发放。",
        [
            E(D, "3", "年", "3年"),
            E(M, "800000", "元", "80万元", MAX),
            E(P, "40", "%", "40%"),
            E(P, "30", "%", "30%"),
            E(P, "30", "%", "30%"),
            E(D, "3", "年", "3年"),
        ],
        id="002-20-talent",
    ),
    pytest.param(
        "一是提高对创新药、改良型新药临床研究奖励上限，其中对创新药和改良型新药完成Ⅰ、Ⅱ、Ⅲ期临床试验的合计奖励上限"
        "由原来的3000万元、1400万元提高到6000万元、2600万元。",
        [
            E(M, "30000000", "元", "3000万元"),
            E(M, "14000000", "元", "1400万元"),
            E(M, "60000000", "元", "6000万元"),
            E(M, "26000000", "元", "2600万元"),
        ],
        id="002-interpretation-caps",
    ),
    pytest.param(
        "四是鼓励医疗机构服务生物医药产业，奖励标准由临床试验实际服务收入的5%提升至10%。"
        "五是支持临床医学研究中心建设，对经认定市级、省级和国家级临床医学研究中心给予（200～1000）万元的梯次奖励。",
        [
            E(P, "5", "%", "5%"),
            E(P, "10", "%", "10%"),
            E(M, "2000000", "元", "（200～1000）万元", value_to="10000000"),
        ],
        id="002-interpretation-range",
    ),
    pytest.param(
        "厦门市于2015年出台首个生物医药产业政策，并于2018年、2020年两次进行修订。"
        "政策修订工作于2021年启动，先后3次通过厦门市科学技术局官网面向社会广泛征求意见和建议。",
        [E(C, "2", "次", "两次"), E(C, "3", "次", "3次")],
        id="002-interpretation-history",
    ),
    pytest.param(
        "《若干措施》从提升研发创新能力、壮大产业发展能级、优化产业生态环境、加强组织保障服务4个方面提出24条具体政策措施：",
        [E(C, "4", "个", "4个"), E(C, "24", "条", "24条")],
        id="002-interpretation-counts",
    ),
    pytest.param(
        "根据福建省人民政府印发的《福建省加快生物医药产业高质量发展的实施方案的通知》（闽政〔2022〕10号）、"
        "《关于进一步落实福建省加快生物医药产业高质量发展的实施方案的若干措施》（闽工信规〔2023〕7号）等规定，"
        "《若干措施》适用范围为厦门市辖区内，自2023年11月20日起施行，有效期至2026年12月31日。",
        [],
        id="002-document-numbers-and-dates",
    ),
]

# --- xm-2025-1 (003) ----------------------------------------------------------------------------

XM_2025_1 = [
    pytest.param(
        "对根据公共服务需要进行设备更新的平台，按规定给予新增设备投入30%，最高500万元补助。",
        [E(P, "30", "%", "30%"), E(M, "5000000", "元", "500万元", MAX)],
        id="003-2-equipment",
    ),
    pytest.param(
        "医疗机构每季度至少召开一次药事管理、医疗器械相关委员会工作会。建立市新优药械产品目录，"
        "对纳入新版“国家医保药品目录”的创新药、省市新优药械和经典中药产品，自相关目录公布后1个月内召开药事会。",
        [E(C, "1", "次", "一次", MIN), E(D, "1", "个月", "1个月", MAX)],
        id="003-13-pharmacy-meetings",
    ),
    pytest.param(
        "建立医院使用新优药械的评估反馈和奖励补助机制，按照年度使用新优药械总金额的5%对医疗机构进行奖励，"
        "每家医疗机构每年最高奖励100万元。",
        [E(P, "5", "%", "5%"), E(M, "1000000", "元", "100万元", MAX)],
        id="003-15-hospital-reward",
    ),
    pytest.param(
        "发挥总规模超过100亿元科创风投基金群、科技创新专项增信子基金作用，支持生物医药企业获得各类融资。",
        [E(M, "10000000000", "元", "100亿元", MIN)],
        id="003-16-fund",
    ),
    pytest.param(
        "本措施自2025年4月29日施行，有效期至2026年12月31日。厦科规〔2025〕1号",
        [],
        id="003-closing-dates",
    ),
]

# --- fj-yj-2025-30 (004) ------------------------------------------------------------------------

FJ_YJ_2025_30 = [
    pytest.param(
        "加快药品上市后重大变更审评审批进程，将需要核查检验补充申请的技术审评用时由200个工作日缩短至60个工作日。",
        [E(D, "200", "工作日", "200个工作日"), E(D, "60", "工作日", "60个工作日")],
        id="004-9-review-time",
    ),
    pytest.param(
        "将药品注册检验、生物制品批签发和进口药品通关检验每批次用量从全项检验用量的3倍减为2倍；"
        "将药品补充申请注册检验时限由60个工作日缩短为30个工作日；"
        "将省内新药注册检验和仿制药一致性评价复核检验时限，较法定检验时限缩短20个工作日。"
        "对列入创新、优先、应急产品审批程序的医疗器械，启动加急检验程序，较法定检验时限压缩20%以上。",
        [
            E(R, "3", "倍", "3倍"),
            E(R, "2", "倍", "2倍"),
            E(D, "60", "工作日", "60个工作日"),
            E(D, "30", "工作日", "30个工作日"),
            E(D, "20", "工作日", "20个工作日"),
            E(P, "20", "%", "20%", MIN),
        ],
        id="004-11-testing",
    ),
    pytest.param(
        "大力推进省食品药品质量检验研究院厦门分院建设，推进新版GB9706系列标准检验能力扩项。",
        [],
        id="004-11-standard-number",
    ),
    pytest.param(
        "为深入贯彻落实国务院办公厅《关于全面深化药品医疗器械监管改革促进医药产业高质量发展的意见》（国办发〔2024〕53号），"
        "力争到2030年建成与我省医药创新和产业发展相适应的监管体系。加强2025年版《中国药典》政策解读。",
        [],
        id="004-document-number-years",
    ),
]

# --- fz-plan (001) ------------------------------------------------------------------------------

FZ_PLAN = [
    pytest.param(
        "2021年全球生物医药市场收入预计为1.39万亿美元，2025年将进一步攀升至1.71万亿美元。"
        "其中，美国等产业大国强国生物医药相关产业总产值约占GDP的15%—20%。",
        [
            E(M, "1390000000000", "美元", "1.39万亿美元"),
            E(M, "1710000000000", "美元", "1.71万亿美元"),
            E(P, "15", "%", "15%—20%", APPROX, value_to="20"),
        ],
        id="001-global-market",
    ),
    pytest.param(
        "2021年医药工业增加值累计同比增长23.1%，增速较上年同期提升15.3个百分点，高于全部工业整体增速13.5个百分点；"
        "实现营业收入33707.5亿元，累计同比增长18.7%，较上年同期提升11.4个百分点，增速创近5年来新高。",
        [
            E(P, "23.1", "%", "23.1%"),
            E(P, "15.3", "百分点", "15.3个百分点"),
            E(P, "13.5", "百分点", "13.5个百分点"),
            E(M, "3370750000000", "元", "33707.5亿元"),
            E(P, "18.7", "%", "18.7%"),
            E(P, "11.4", "百分点", "11.4个百分点"),
            E(D, "5", "年", "5年"),
        ],
        id="001-china-industry",
    ),
    pytest.param(
        "2020年全球研发支出超过2000亿美元，2025年预计将达到3000亿美元左右。",
        [E(M, "200000000000", "美元", "2000亿美元", MIN), E(M, "300000000000", "美元", "3000亿美元", APPROX)],
        id="001-rd-spending",
    ),
    pytest.param(
        "2021年全市医药工业企业实现营业收入122.4亿元，较上年增长15.1%，占福建省的14.4%，位居全省第二位。"
        "全市规模以上医药工业企业40家，占全省医药工业规上企业数量的14.2%。",
        [
            E(M, "12240000000", "元", "122.4亿元"),
            E(P, "15.1", "%", "15.1%"),
            E(P, "14.4", "%", "14.4%"),
            E(C, "40", "家", "40家"),
            E(P, "14.2", "%", "14.2%"),
        ],
        id="001-fuzhou-industry",
    ),
    pytest.param(
        "截至2021年底，全省已累计布局建设20个国家级重大科技基础设施，其中我市建有13个，占全省65%。"
        "拥有工程院院士、科学院院士、国家百千万人才工程等91位研发型高层次人才。",
        [
            E(C, "20", "个", "20个"),
            E(C, "13", "个", "13个"),
            E(P, "65", "%", "65%"),
            E(C, "91", "位", "91位"),
        ],
        id="001-innovation-resources",
    ),
    pytest.param(
        "全市生物医药与健康产业产值突破500亿元；全市生物医药规上企业达到60家；新增国产药品品种5个，"
        "新增上市二、三类医疗器械品种50个，新增药物临床试验数量10个；"
        "新增通过（含视同通过）仿制药质量和疗效一致性评价的品种达到30个。",
        [
            E(M, "50000000000", "元", "500亿元", MIN),
            E(C, "60", "家", "60家", MIN),
            E(C, "5", "个", "5个"),
            E(C, "50", "个", "50个"),
            E(C, "10", "个", "10个"),
            E(C, "30", "个", "30个", MIN),
        ],
        id="001-targets",
    ),
    pytest.param(
        "约80%的上市企业、90%的国家一类新药来自核心的产业集聚区。TOP50制药企业有80%以上应用“AI+生物医药”融合创新。",
        [E(P, "80", "%", "80%", APPROX), E(P, "90", "%", "90%"), E(P, "80", "%", "80%", MIN)],
        id="001-shares",
    ),
    pytest.param(
        "是福州市“十四五”时期重点发展的新兴产业。《福州市国民经济和社会发展第十四个五年规划和二○三五年远景目标纲要》"
        "（榕政〔2021〕4号）。尤其是1、2类新药基本空白。“好年华 聚福州”人才政策“1+1+N”体系。",
        [],
        id="001-not-facts",
    ),
]


@pytest.mark.parametrize(("sentence", "expected"), FJ_2023_7 + XM_2023 + XM_2025_1 + FJ_YJ_2025_30 + FZ_PLAN)
def test_real_sentences(sentence: str, expected: list[E]) -> None:
    check(sentence, expected)


# --- edge cases ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        pytest.param("给予300万元", [E(M, "3000000", "元", "300万元")], id="plain-money"),
        pytest.param("最高不超过1000万元", [E(M, "10000000", "元", "1000万元", MAX)], id="cap"),
        pytest.param("给予 300 万元", [E(M, "3000000", "元", "300 万元")], id="layout-spaces-tolerated"),
        pytest.param(
            "最高不\n超过300万元", [E(M, "3000000", "元", "300万元", MAX)], id="qualifier-split-by-newline"
        ),
        pytest.param(
            "分别给予30、50万元奖励",
            [E(M, "300000", "元", "30"), E(M, "500000", "元", "50万元")],
            id="shared-unit",
        ),
        pytest.param("补助5千元", [E(M, "5000", "元", "5千元")], id="thousand-yuan"),
        pytest.param("奖励1,000万元", [E(M, "10000000", "元", "1,000万元")], id="thousands-separator"),
        pytest.param("约５０％", [E(P, "50", "%", "５０％", APPROX)], id="full-width-digits"),
        pytest.param("不超过10%以内", [E(P, "10", "%", "10%", MAX)], id="redundant-bound"),
        pytest.param("收入不足500万元的", [E(M, "5000000", "元", "500万元", MAX)], id="below"),
        pytest.param("引进100余家企业", [E(C, "100", "家", "100余家", MIN)], id="more-than"),
        pytest.param("30日内办结", [E(D, "30", "日", "30日", MAX)], id="days-within"),
        pytest.param("3年内", [E(D, "3", "年", "3年", MAX)], id="years-within"),
        pytest.param("按2:1配套", [E(R, "2", "比例", "2:1")], id="ratio-two-to-one"),
        pytest.param("每年召开两次", [E(C, "2", "次", "两次")], id="chinese-two"),
        pytest.param("每年至少开展十二次", [E(C, "12", "次", "十二次", MIN)], id="chinese-twelve"),
        pytest.param("第3次会议", [], id="ordinal"),
        pytest.param("实施“一次评估、分批进口”", [], id="slogan-not-count"),
        pytest.param("探索临床样本二次使用", [], id="second-use-not-count"),
        pytest.param("一次性奖励、一批企业、一体化、第一、一是、二、三类", [], id="chinese-words"),
        pytest.param("2023年9月4日印发", [], id="date"),
        pytest.param("2020-2025年", [], id="year-range"),
        pytest.param("5万平方米", [], id="area-not-money"),
        pytest.param("世界500强", [], id="ranking-not-count"),
        pytest.param("Ⅰ、Ⅱ、Ⅲ期临床试验，1类创新药", [], id="categories"),
    ],
)
def test_edge_cases(sentence: str, expected: list[E]) -> None:
    check(sentence, expected)


def test_values_are_decimals_without_float_noise() -> None:
    [fact] = extract_facts("1.39万亿美元")
    assert isinstance(fact.value, Decimal)
    assert str(fact.value) == "1390000000000"
    [fact] = extract_facts("增长0.1%")
    assert str(fact.value) == "0.1"


def test_threshold_readings_are_documented_bounds() -> None:
    # 以上 and 达到 include the number, 超 and 超过 exclude it; all are floors (min).
    readings = {
        f.text: f.bound for f in extract_facts("年度营业收入2000万元以上；首次超100亿元；达到50万元；超过20%")
    }
    assert readings == {"2000万元": MIN, "100亿元": MIN, "50万元": MIN, "20%": MIN}


# --- properties ---------------------------------------------------------------------------------

_TOKENS = [
    *"0123456789０１２.、，。；：:（）()—～-% \n",
    *"一两二三十第每月季度年次个家条位",
    "万元", "亿元", "万", "亿", "美元", "个工作日", "个月", "工作日", "日内", "倍", "个百分点",
    "最高不超过", "不超过", "不少于", "至少", "以上", "以内", "左右", "约", "超", "达到", "每季度",
    "一次性", "类", "期", "号", "〔2024〕", "GB", "％", "1:1", "（200～1000）",
]  # fmt: skip


def _assert_well_formed(text: str) -> None:
    facts = extract_facts(text)
    previous_end = 0
    for fact in facts:
        assert fact.text == text[fact.start : fact.end]
        assert previous_end <= fact.start < fact.end
        previous_end = fact.end
        if fact.kind is FactKind.money:
            assert fact.value >= 0
            assert fact.value_to is None or fact.value_to >= 0


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=40).map("".join))
def test_any_token_soup_gives_well_formed_facts(text: str) -> None:
    _assert_well_formed(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_gives_well_formed_facts(text: str) -> None:
    _assert_well_formed(text)


# --- completeness on the sources ----------------------------------------------------------------

# Good enough for this test: in xm-2023 every one of these characters is mapped back, even where
# it is an ordinary character (要求, 医院); that only changes words, never a figure.
_MOJIBAKE = str.maketrans(
    {
        "袁": "，", "尧": "、", "遥": "。", "曰": "；", "院": "：", "野": "“", "冶": "”", "叶": "《", "曳": "》",
        "渊": "（", "冤": "）", "也": "〔", "页": "〕", "要": "—", "耀": "～", "玉": "Ⅰ", "域": "Ⅱ", "芋": "Ⅲ",
    }
)  # fmt: skip
_FIGURE_WITH_UNIT = re.compile(r"\d+(?:\.\d+)?\s*(?:万元|亿元|万|%|个工作日)")


def _prepared_source(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.parent.name == "xm-2023":
        text = text.translate(_MOJIBAKE)
    text = re.sub(r"(\d)\s+(?=[万亿%个元倍次家条年])", r"\1", text)
    return re.sub(r"([万亿])\s+(?=元)", r"\1", text)


SOURCES = sorted(POLICIES.glob("*/source.txt"))


def test_every_document_has_its_source() -> None:
    assert [p.parent.name for p in SOURCES] == repository_documents()


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_every_amount_rate_and_time_limit_in_the_sources_is_a_fact(path: Path) -> None:
    text = _prepared_source(path)
    facts = extract_facts(text)
    spans = [(f.start, f.end) for f in facts]
    missing = [
        m.group()
        for m in _FIGURE_WITH_UNIT.finditer(text)
        if not any(start <= m.start() and m.end() <= end for start, end in spans)
    ]
    assert missing == []
    _assert_well_formed(text)


def test_whole_corpus_is_fast() -> None:
    texts = [_prepared_source(p) for p in SOURCES]
    extract_facts(texts[0])  # warm up
    started = time.perf_counter()
    for text in texts:
        extract_facts(text)
    # about 10 ms here; the bound leaves room for slow CI machines
    assert time.perf_counter() - started < 0.5
