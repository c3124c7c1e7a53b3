"""Writes 村干部名册.xls, a legacy Excel 97-2003 workbook laid out as a street
office prints it (a cover sheet, title lines, a merged title, a header with a
padded cell, a footer), for the loader's tests. weiquan's generator writes
xlsx only (no maintained Rust crate writes BIFF8), so this one file is made
with xlwt (PyPI) and committed: `python3 make_xls.py`."""
import xlwt

wb = xlwt.Workbook(encoding="utf-8")
cover = wb.add_sheet("封面")
cover.write(0, 0, "XX街道村干部名册（2025年度）")
cover.write(1, 0, "填表说明：本表由各村报账员填写。")
ws = wb.add_sheet("名册")
ws.write_merge(0, 0, 0, 5, "XX街道2025年度村干部名册")
ws.write(1, 0, "填报单位（盖章）：XX街道办事处")
for j, h in enumerate(["序号", "村代码", "姓　名", "身份证\n号码", "职务", "联系电话"]):
    ws.write(2, j, h)
rows = [
    ("370102001001", "张伟", "37010219800101004X", "书记", "13800000001"),
    ("370102001001", "李娜", "370102198503030024", "主任", "13800000002"),
]
for i, r in enumerate(rows):
    ws.write(3 + i, 0, i + 1)
    ws.write(3 + i, 1, r[0])
    for j, v in enumerate(r[1:]):
        ws.write(3 + i, 2 + j, v)
ws.write(5, 0, "合　计（2人）")
ws.write(6, 0, "制表人：王某某")
ws.write(6, 3, "审核人：李某某")
wb.save("村干部名册.xls")
