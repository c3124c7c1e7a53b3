#!/usr/bin/env python3
"""Seed corpora for the fuzz targets (run from fuzz/): small slices of
datasets/demo plus hand-made odd files. Output: corpus/<target>/ (not committed)."""
import csv, io, os, zipfile
from xml.sax.saxutils import escape

DEMO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "datasets", "demo")
# TableKind::ALL order in src/dataset/schema.rs
KINDS = ["村干部名册", "近亲属备案", "户籍人口", "集体资金收支明细", "工程项目合同",
         "补贴救助发放花名册", "村级用工", "公示记录", "四议两公开决策记录", "死亡人员信息"]


def out(target, name, data):
    d = os.path.join("corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def head_lines(raw, n):
    return b"".join(raw.splitlines(keepends=True)[:n])


def decode(raw):
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            pass
    return raw.decode("utf-8", "replace")


def col(j):
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def xlsx(rows, shared=False, numbers=True):
    strings, sst = [], {}
    body = []
    for i, row in enumerate(rows):
        cells = []
        for j, v in enumerate(row):
            ref = f"{col(j)}{i + 1}"
            if v == "":
                continue
            if numbers and i > 0 and v.replace(".", "", 1).isdigit() and len(v) < 15:
                cells.append(f'<c r="{ref}"><v>{v}</v></c>')
            elif shared:
                k = sst.setdefault(v, len(strings))
                if k == len(strings):
                    strings.append(v)
                cells.append(f'<c r="{ref}" t="s"><v>{k}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(v)}</t></is></c>')
        body.append(f'<row r="{i + 1}">{"".join(cells)}</row>')
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<sheetData>{"".join(body)}</sheetData></worksheet>')
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                   + ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>' if shared else "")
                   + '</Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                   + ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>' if shared else "")
                   + '</Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared:
            z.writestr("xl/sharedStrings.xml",
                       '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                       + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>")
    return b.getvalue()


for k, stem in enumerate(KINDS):
    p = os.path.join(DEMO, stem + ".csv")
    if os.path.exists(p):
        raw = open(p, "rb").read()
        text = decode(raw)
    else:  # the demo holds this table as xlsx; use the csv of another seed run
        text = "村居代码,姓名,身份证号,补贴项目,发放金额,发放期间\n370112001001,张伟,370102197109034794,城乡低保,580.00,2025-03\n"
        raw = text.encode()
    small = head_lines(raw, 12)
    out("load_csv", f"{k}-demo", bytes([k]) + small)
    out("load_csv", f"{k}-demo-lenient", bytes([k | 0x40]) + small)
    lines = text.splitlines()[:12]
    t = "\n".join(lines) + "\n"
    out("load_csv", f"{k}-utf16le", bytes([k]) + b"\xff\xfe" + t.encode("utf-16-le"))
    out("load_csv", f"{k}-utf16-nobom", bytes([k]) + t.encode("utf-16-le"))
    out("load_csv", f"{k}-gbk", bytes([k]) + t.encode("gb18030"))
    out("load_csv", f"{k}-header", bytes([k]) + (lines[0] + "\n").encode())
    rows = list(csv.reader(io.StringIO(t)))
    out("load_xlsx", f"{k}-inline", bytes([k]) + xlsx(rows))
    out("load_xlsx", f"{k}-shared", bytes([k | 0x40]) + xlsx(rows, shared=True))
    out("load_xlsx", f"{k}-cells", bytes([k | 0x80]) + "\n".join("\t".join(r) for r in rows[1:]).encode())
out("load_csv", "empty", b"\x03")
out("load_csv", "nul", b"\x03" + "序号,村居代码\x00,凭证号\n1,\x00,2\n".encode())
out("load_csv", "quote", b"\x03" + '"序号,"村居代码\n"1\n'.encode())
out("load_xlsx", "empty", b"\x05")
out("load_xlsx", "cells-dates", bytes([0x80 | 3]) + "1\t370112001001\tPZ-1\tD:45717\t支出\t1.2345E3\t摘要\n".encode())

for i, v in enumerate([
    "2025-03-01", "2025/3/1", "2025.03.01", "20250301", "2025年3月1日", "45717", "45717.5",
    "2025-03-01T00:00:00", "２０２５－０３－０１", "2025-02-30", "2025-03", "202503", "2025年3月份",
    "1234.5", "1,234.50", "¥1,234.50", "1234.50元", "(1,234.50)", "-500", "1.2345E3", "0.005",
    "99999999999999999999", "370102197109034794", "37010219601222479x", "370102561218100",
    "3.70102E+17", "370102199001011000.0", "91370112MAQRB7M91R", "张　伟", "阿依古丽•买买提",
    "ＡＢＣ公司", "济南康泰路桥工程有限公司", "配偶", "儿子", "王家坡村一组1号", "收入", "支",
    "370112001001.0", "6228 4800 1234 5678", "138-0000-0000", "=HYPERLINK(\"x\")",
]):
    out("normalize", f"v{i:02}", v.encode())
