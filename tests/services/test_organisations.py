"""Organisations: create, get, list, import from CSV and XLSX, and the case they start; on both databases."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from biopolicy.domain.case import Case
from biopolicy.domain.credit_code import check_character
from biopolicy.services import organisations as orgs
from biopolicy.storage.models import AuditLog, Organisation
from biopolicy.storage.uow import UnitOfWork

A = "91350100M000100Y43"  # 福州 enterprise (check 3)
B = "12350000MB0123456W"  # a provincial institution (check W)


def code(n: int) -> str:
    body = f"913502{n:011d}"
    return body + check_character(body)


def new(database, **data):
    with UnitOfWork(database, actor="test") as uow:
        return orgs.create(uow, data)


def count(database, model=Organisation) -> int:
    with database.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


FACTS = {
    "name": "厦门某生物科技有限公司",
    "credit_code": code(1),
    "kind": "enterprise",
    "city": "厦门市",
    "district": "海沧区",
    "products": [
        {"name": "某单抗", "type": "biologic", "registration_class": "1"},
        {"name": "某试剂", "type": "体外诊断试剂", "registration_class": "III"},
    ],
}


def test_create_then_get_by_id_and_by_code(database):
    created = new(database, **FACTS)
    assert created.province == "福建省" and created.kind_label == "企业" and created.version == 1
    assert [(p.type, p.type_label) for p in created.products] == [
        ("biologic", "生物制品"),
        ("ivd", "体外诊断试剂"),
    ]
    with UnitOfWork(database) as uow:
        assert orgs.get(uow, created.id) == created
        assert orgs.get(uow, str(created.id)) == created
        assert orgs.get(uow, created.credit_code.lower()) == created
        with pytest.raises(orgs.OrganisationNotFound, match="没有找到机构"):
            orgs.get(uow, A)


def test_create_is_audited_with_the_actor(database):
    new(database, **FACTS)
    with database.sessions() as s:
        rows = s.scalars(select(AuditLog).order_by(AuditLog.seq)).all()
    assert [(r.action, r.entity, r.actor) for r in rows] == [
        ("insert", "organisation", "test"),
        ("insert", "product", "test"),
        ("insert", "product", "test"),
    ]


def test_a_wrong_check_character_is_refused_and_says_what_it_should_be(database):
    wrong = A[:17] + "4"
    with pytest.raises(orgs.OrganisationError) as err:
        new(database, **(FACTS | {"credit_code": wrong}))
    assert "credit_code：" in str(err.value) and "第18位" in str(err.value) and "应为“3”" in str(err.value)
    assert count(database) == 0 and count(database, AuditLog) == 0


def test_a_duplicate_code_is_refused_and_nothing_is_written(database):
    new(database, **FACTS)
    with pytest.raises(
        orgs.OrganisationError, match=f"统一社会信用代码 {code(1)} 已登记（厦门某生物科技有限公司）"
    ):
        new(database, **(FACTS | {"name": "另一家"}))
    assert count(database) == 1 and count(database, AuditLog) == 3


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"kind": "person"}, "kind："),
        ({"city": "杭州市"}, "city：“杭州市”不是福建省的地级行政区"),
        ({"district": "鼓楼区"}, "district：“鼓楼区”不是"),
        ({"products": [{"name": "x", "type": "vaccine"}]}, "products[0].type：产品类型应为"),
        ({"name": ""}, "name："),
    ],
)
def test_bad_facts_name_their_field(database, change, words):
    with pytest.raises(orgs.OrganisationError, match=words.replace("[", r"\[").replace("]", r"\]")):
        new(database, **(FACTS | change))
    assert count(database) == 0


def test_list_filters_and_pages(database):
    for n in range(5):
        new(database, **(FACTS | {"credit_code": code(n), "name": f"机构{n}", "city": "厦门市" if n % 2 else "福州市",
                                  "district": None, "kind": "enterprise" if n < 3 else "medical_institution"}))  # fmt: skip
    with UnitOfWork(database) as uow:
        page = orgs.list_organisations(uow, limit=2)
        assert page.total == 5 and [o.name for o in page.items] == ["机构0", "机构1"]
        assert orgs.list_organisations(uow, offset=4).items[0].name == "机构4"
        assert orgs.list_organisations(uow, city="厦门市").total == 2
        assert orgs.list_organisations(uow, kind="medical_institution").total == 2


def test_the_profile_starts_a_calculator_case(database):
    created = new(database, **FACTS)
    with UnitOfWork(database) as uow:
        start = orgs.case_start(uow, created.credit_code)
    data = start.model_dump(mode="json")
    assert data["applicant"] == {
        "kind": "enterprise",
        "name": "厦门某生物科技有限公司",
        "credit_code": code(1),
        "province": "福建省",
        "city": "厦门市",
        "district": "海沧区",
    }
    ids = [p.id for p in created.products]
    assert data["products"] == [
        {"id": f"p{ids[0]}", "name": "某单抗", "type": "biologic", "registration_class": "1"},
        {"id": f"p{ids[1]}", "name": "某试剂", "type": "ivd", "registration_class": "III"},
    ]
    case = Case.model_validate(data | {"as_of": date(2026, 1, 1)})
    assert case.product(f"p{ids[0]}").type == "biologic"


# -- import ---------------------------------------------------------------------------------------

HEADER = "名称,统一社会信用代码,类型,市,区,产品"


def csv_file(tmp_path: Path, lines: list[str], encoding: str = "utf-8-sig") -> Path:
    path = tmp_path / "机构.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding=encoding)
    return path


def lines_ok_and_bad() -> list[str]:
    return [
        f"甲公司,{code(1)},企业,厦门市,海沧区,甲药|化学药|1；乙械|device|III",  # line 2
        f"乙医院,{A[:17]}4,医疗机构,福州市,,",  # line 3: wrong check character
        f"丙平台,{code(2)},平台,厦门市,,",  # line 4
        f"丁公司,{code(1)},企业,厦门市,,",  # line 5: same code as line 2
        f"戊协会,{B},行业协会,,,",  # line 6
        "",  # blank: skipped
        f"己公司,{code(3)},企业,杭州市,,",  # line 8: not a Fujian city
    ]


def test_import_reports_bad_rows_by_line_and_imports_the_rest(database, tmp_path):
    path = csv_file(tmp_path, lines_ok_and_bad())
    with UnitOfWork(database, actor="admin") as uow:
        report = orgs.import_file(uow, path, all_or_nothing=False)
    assert report.rows == 6 and report.imported == 3
    assert [p.line for p in report.problems] == [3, 5, 8]
    assert "统一社会信用代码" in report.problems[0].message and "应为“3”" in report.problems[0].message
    assert report.problems[1].message == f"统一社会信用代码 {code(1)} 与第2行重复"
    assert report.problems[2].message.startswith("市：“")
    assert "不是福建省的地级行政区" in report.problems[2].message
    assert str(report.problems[0]).startswith("第3行：")
    assert report.summary == "机构.csv：导入 3 行，3 行有问题未导入（共 6 行）"
    with UnitOfWork(database) as uow:
        first = orgs.get(uow, code(1))
        assert [(p.name, p.type, p.registration_class) for p in first.products] == [
            ("甲药", "chemical", "1"),
            ("乙械", "device", "III"),
        ]
        assert orgs.get(uow, B).kind == "association"


def test_all_or_nothing_imports_none_when_a_row_is_bad(database, tmp_path):
    path = csv_file(tmp_path, lines_ok_and_bad())
    with UnitOfWork(database) as uow:
        report = orgs.import_file(uow, path, all_or_nothing=True)
    assert report.imported == 0 and [p.line for p in report.problems] == [3, 5, 8]
    assert "未导入任何一行" in report.summary
    assert count(database) == 0 and count(database, AuditLog) == 0


def test_all_or_nothing_imports_all_when_every_row_is_good(database, tmp_path):
    path = csv_file(tmp_path, [f"甲公司,{code(1)},企业,厦门市,,", f"乙公司,{code(2)},enterprise,福州市,,"])
    with UnitOfWork(database) as uow:
        report = orgs.import_file(uow, path, all_or_nothing=True)
    assert report.imported == 2 and report.problems == [] and count(database) == 2


def test_a_code_already_registered_is_reported_on_its_line(database, tmp_path):
    new(database, **FACTS)
    path = csv_file(tmp_path, [f"乙公司,{code(2)},企业,厦门市,,", f"甲公司,{code(1)},企业,厦门市,,"])
    with UnitOfWork(database) as uow:
        report = orgs.import_file(uow, path)
    assert report.imported == 1
    assert [str(p) for p in report.problems] == [
        f"第3行：统一社会信用代码 {code(1)} 已登记（厦门某生物科技有限公司），不能重复登记"
    ]


def test_gb18030_csv_as_saved_by_chinese_excel(database, tmp_path):
    path = csv_file(tmp_path, [f"甲公司,{code(1)},企业,厦门市,思明区,"], encoding="gb18030")
    with UnitOfWork(database) as uow:
        assert orgs.import_file(uow, path).imported == 1
        assert orgs.get(uow, code(1)).district == "思明区"


def test_xlsx_lines_are_the_sheet_rows(database, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["统一社会信用代码", "名称", "类型", "市", "产品"])  # columns in any order
    sheet.append([code(1), "甲公司", "企业", "厦门市", "甲药|chemical|2.1"])
    sheet.append([])  # blank row 3
    sheet.append([A[:17] + "X", "乙公司", "企业", "厦门市", None])  # row 4: wrong check
    path = tmp_path / "机构.xlsx"
    book.save(path)
    with UnitOfWork(database) as uow:
        report = orgs.import_file(uow, path)
    assert report.imported == 1 and [p.line for p in report.problems] == [4]
    with UnitOfWork(database) as uow:
        assert orgs.get(uow, code(1)).products[0].registration_class == "2.1"


def test_a_file_without_the_required_columns_is_refused_whole(database, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("名称,市\n甲公司,厦门市\n", encoding="utf-8")
    with (
        UnitOfWork(database) as uow,
        pytest.raises(orgs.OrganisationError, match="第1行（表头）：缺少列 统一社会信用代码、类型"),
    ):
        orgs.import_file(uow, path)


def test_a_csv_it_cannot_read_is_refused_naming_the_line_and_nothing_is_written(database, tmp_path):
    too_long = "甲" * 131_073  # one more than the csv module's limit for one cell
    path = csv_file(
        tmp_path, [f"甲公司,{code(1)},企业,厦门市,,", f'乙公司,{code(2)},企业,厦门市,,"{too_long}"']
    )
    with (
        UnitOfWork(database) as uow,
        pytest.raises(orgs.OrganisationError, match="机构.csv 第3行：无法作为 CSV 文件读取"),
    ):
        orgs.import_file(uow, path)
    assert count(database) == 0
    # a cell at the limit is read
    path = csv_file(tmp_path, [f'甲公司,{code(1)},企业,厦门市,,"{"甲" * 10}"'])
    assert [n for n, _ in orgs.read_table(path)] == [1, 2]


def test_an_xlsx_whose_sheet_is_damaged_is_refused_naming_the_line(database, tmp_path):
    book = Workbook()
    book.active.append(["统一社会信用代码", "名称", "类型", "市"])
    book.active.append([code(1), "甲公司", "企业", "厦门市"])
    good = tmp_path / "good.xlsx"
    book.save(good)
    damaged = tmp_path / "机构.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: data.index(b'<row r="2"')] + b'<row r="2"><c r="A2" t="s"><v>'  # cut off
            dst.writestr(item, data)
    assert [n for n, _ in orgs.read_table(good)] == [1, 2]
    with (
        UnitOfWork(database) as uow,
        pytest.raises(orgs.OrganisationError, match="机构.xlsx 第2行起：无法作为 XLSX 文件读取"),
    ):
        orgs.import_file(uow, damaged)
    assert count(database) == 0


def test_only_csv_and_xlsx(database, tmp_path):
    path = tmp_path / "x.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with UnitOfWork(database) as uow, pytest.raises(orgs.OrganisationError, match="只能导入 .csv 或 .xlsx"):
        orgs.import_file(uow, path)
