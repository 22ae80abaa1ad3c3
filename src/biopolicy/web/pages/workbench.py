"""工作台 (``GET /workbench``): every page the reader's roles open, grouped, each with one line on what
it is for. The list is derived from web/access.py POLICY: every GET page there (not the API, not a
page of one item, not a file) is either described in ``PAGES`` or listed in ``NOT_ON_WORKBENCH`` with
the reason; tests/web/test_workbench.py fails for a page in neither, so a new page cannot be forgotten.
Pages whose service decides by more than a role (whose hospital, which department) are left out for
readers they would refuse (services/workbench.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from biopolicy.services import workbench
from biopolicy.services.database import unit_of_work
from biopolicy.web.access import API_PREFIX, POLICY
from biopolicy.web.pages.render import render
from biopolicy.web.session import client_ip, database_url_of

router = APIRouter()


@dataclass(frozen=True)
class Page:
    group: str
    title: str
    purpose: str


GROUPS = ("申报与兑现", "政策与测算", "产品与企业服务", "医疗机构与目录", "目标与评估", "监督", "我的账号")

PAGES: dict[str, Page] = {
    "/applications/mine": Page("申报与兑现", "我的申报", "本单位提出的兑现申报，进度、补充材料和拨付情况"),
    "/applications/worklist": Page("申报与兑现", "待审清单", "本部门待受理、待核定的申报，按提交先后排列"),
    "/applications/payments": Page(
        "申报与兑现", "待支付", "已核定、待拨付的资金：公示、信用核查、分期和预算排队"
    ),
    "/applications": Page("申报与兑现", "全部申报", "所有单位的申报，可按单位、状态、措施筛选"),
    "/budgets": Page("申报与兑现", "预算", "各措施年度预算的已承诺、已支付、余额和排队项目"),
    "/proposals": Page("申报与兑现", "免申即享", "按部门数据直接测算的拟兑现项目，由单位确认或更正"),
    "/cases": Page("政策与测算", "我的测算", "本单位保存的测算，可修改事实、重新测算、对比版本"),
    "/cases/new": Page("政策与测算", "新建测算", "填写本单位情况，保存一份新的测算"),
    "/calculator": Page("政策与测算", "政策计算器", "不登录也能用：填写情况，看可享受哪些支持、各多少"),
    "/documents": Page("政策与测算", "政策文件", "福建省、厦门市、福州市生物医药政策原文，逐条可查"),
    "/search": Page("政策与测算", "条款检索", "按关键词查找政策条款"),
    "/measures": Page("政策与测算", "支持措施", "每项支持措施的条件、金额、上限和申报指南"),
    "/overview": Page("政策与测算", "政策总览", "各项措施按领域、层级汇总一览"),
    "/simulate": Page("政策与测算", "费用测算", "各措施每年需要多少资金，与预算和改革方案对比"),
    "/products": Page(
        "产品与企业服务", "产品与办理时限", "产品的审评审批进度、办理时限、可申请的支持和所属目录"
    ),
    "/watchlist": Page("产品与企业服务", "在研在审清单", "全省在审产品的每个环节，逾期的在前"),
    "/watchlist/mine": Page("产品与企业服务", "我服务的产品", "分配给我跟踪服务的产品及其进度"),
    "/requests": Page("产品与企业服务", "企业诉求", "企业提出的问题，按类别交部门限时答复，逾期提请统筹协调"),
    "/duties": Page("医疗机构与目录", "会议义务", "本院药事会等会议的履行情况，登记会议和纪要"),
    "/duties/overview": Page("医疗机构与目录", "医院履职总览", "各医院会议义务的履行情况，未履行的在前"),
    "/catalogues": Page("医疗机构与目录", "目录", "新优药械等目录的各版本和收录产品"),
    "/ethics": Page("医疗机构与目录", "伦理审查结果互认", "伦理审查批件登记及其他机构的互认情况"),
    "/targets": Page("目标与评估", "目标进度", "政策目标的实际值和进度"),
    "/evaluation": Page("目标与评估", "年度评估", "按年汇总的申报、核定、拨付、时限和诉求情况，可导出"),
    "/audit": Page("监督", "审计记录", "谁在何时改了什么，逐条可查，链式校验防篡改"),
    "/notifications": Page("我的账号", "我的通知", "与您有关的办理进度和提醒"),
    "/subscriptions": Page("我的账号", "我的订阅", "关注的政策文件和措施，有变化时通知您"),
    "/account/password": Page("我的账号", "修改密码", "修改登录密码"),
}

# GET pages deliberately not on the workbench, and why
NOT_ON_WORKBENCH: dict[str, str] = {
    "/": "首页：站点标题即可回到",
    "/workbench": "工作台本身",
    "/login": "登录页：已登录的人不需要",
    "/calculator/result": "测算器的结果页：从测算器进入",
    "/simulate/stream": "费用测算的进度：由费用测算页调用",
    "/openapi.json": "接口说明（机器读取）",
    "/docs": "接口文档：页脚有链接",
    "/redoc": "接口文档的另一种版式",
    "/static": "样式和脚本文件",
    "/docs-assets": "接口文档的样式和脚本文件",
    "/favicon.ico": "站点图标",
}


def page_paths() -> list[str]:
    """Every GET page of POLICY that could be on a workbench: not the API, not one item's page (a
    path with a parameter), not a file (a last segment with a dot), not deliberately left out."""
    out = []
    for path, methods in POLICY.items():
        last = path.rstrip("/").rsplit("/", 1)[-1]
        if "GET" not in methods or path.startswith(API_PREFIX) or "{" in path or "." in last:
            continue
        if path not in NOT_ON_WORKBENCH:
            out.append(path)
    return out


@dataclass(frozen=True)
class Entry:
    path: str
    title: str
    purpose: str


def entries_for(principal, refused: set[str]) -> list[tuple[str, list[Entry]]]:  # noqa: ANN001
    """The reader's pages, by group in ``GROUPS`` order; a page without words goes under 其他."""
    groups: dict[str, list[Entry]] = {}
    for path in page_paths():
        rule = POLICY[path]["GET"]
        if not rule.allows(principal) or path in refused:
            continue
        page = PAGES.get(path, Page("其他", path, ""))
        groups.setdefault(page.group, []).append(Entry(path, page.title, page.purpose))
    order = [*GROUPS, "其他"]
    return [(g, groups[g]) for g in order if g in groups]


@router.get("/workbench", response_class=HTMLResponse)
def workbench_page(request: Request) -> Response:
    principal = request.state.principal
    with unit_of_work(principal.actor, client_ip(request), database_url_of(request), read_only=True) as uow:
        refused = workbench.refused_pages(uow, principal)
    return render(request, "workbench.html", title="工作台", groups=entries_for(principal, refused))
