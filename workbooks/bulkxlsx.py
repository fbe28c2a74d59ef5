"""A data workbook of many rows, written fast: each sheet's XML is built column by column with
Arrow's vectorized string kernels and deflated once, instead of a Python call per cell.

For what ``salesdesk import`` writes (a million order lines in seconds). The cells are plain:
text as inline strings (never a formula: an inline string is text whatever it starts with),
numbers, dates as serial numbers with a date format, TRUE/FALSE; a bold header row that stays
in view, and column widths. Files written this way read back exactly (tests/test_import.py).
"""
from __future__ import annotations

import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from addin.engine import serials

from .files import atomic_path
from .xlsxscan import column_letters

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")      # characters XML 1.0 cannot carry
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""
HEADER_STYLE, DATE_STYLE = 1, 2


def _escape(values: pa.Array) -> pa.Array:
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        values = pc.replace_substring(values, char, entity)
    return values


def _text(series: pd.Series) -> pa.Array:
    """A column as Arrow strings: taken as they are when they are strings already."""
    try:
        text = pa.array(series, type=pa.string(), from_pandas=True)
        return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    except (pa.ArrowInvalid, pa.ArrowTypeError):       # numbers or dates in a text column
        return pa.array(series.map(str, na_action="ignore").astype(object).where(series.notna(), None),
                        type=pa.string())


def _cells(series: pd.Series, letter: str, rows: pa.Array) -> pa.Array:
    """One column's cells as XML, a blank cell as an empty string."""
    ref = pc.binary_join_element_wise(pa.scalar(f'<c r="{letter}'), rows, "")
    if pd.api.types.is_datetime64_any_dtype(series):
        days = ((series - pd.Timestamp(serials.EPOCH)) / pd.Timedelta(days=1)).to_numpy(dtype=float, na_value=np.nan)
        text = pa.array(days, mask=np.isnan(days)).cast(pa.string())
        body = pc.binary_join_element_wise(ref, pa.scalar(f'" s="{DATE_STYLE}"><v>'), text, "</v></c>", "")
    elif pd.api.types.is_bool_dtype(series):
        text = pa.array(series.to_numpy()).cast(pa.int8()).cast(pa.string())
        body = pc.binary_join_element_wise(ref, '" t="b"><v>', text, "</v></c>", "")
    elif pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        blank = ~np.isfinite(values)
        text = pa.array(np.where(blank, 0, values), mask=blank).cast(pa.string())
        body = pc.binary_join_element_wise(ref, '"><v>', text, "</v></c>", "")
    else:
        text = _text(series)
        text = pc.replace_substring_regex(text, r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "")   # XML 1.0 cannot carry these
        body = pc.binary_join_element_wise(ref, '" t="inlineStr"><is><t xml:space="preserve">', _escape(text),
                                           "</t></is></c>", "")
    return pc.fill_null(body, "")


CHUNK_ROWS = 100_000       # rows built at a time: bounded memory, and offsets far from Arrow's 2 GB limit


def write_sheet(out, frame: pd.DataFrame, widths: list[float]) -> None:
    """The sheet's XML into the open zip member ``out``, a chunk of rows at a time."""
    n = len(frame)
    header = "".join(f'<c r="{column_letters(j + 1)}1" s="{HEADER_STYLE}" t="inlineStr"><is><t>'
                     f'{_xml_text(str(c))}</t></is></c>' for j, c in enumerate(frame.columns))
    cols = "".join(f'<col min="{j + 1}" max="{j + 1}" width="{w}" customWidth="1"/>' for j, w in enumerate(widths))
    last = f"{column_letters(max(len(frame.columns), 1))}{n + 1}"
    out.write(('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               f'<dimension ref="A1:{last}"/><sheetViews><sheetView workbookViewId="0">'
               '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
               f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData><row r="1">{header}</row>').encode())
    letters = [column_letters(j + 1) for j in range(len(frame.columns))]

    def chunk(start: int) -> memoryview:
        part = frame.iloc[start:start + CHUNK_ROWS]
        rows = pa.array(np.arange(start + 2, start + len(part) + 2)).cast(pa.string())
        pieces = [pc.binary_join_element_wise('<row r="', rows, '">', "")]
        pieces += [_cells(part[c], letters[j], rows) for j, c in enumerate(part.columns)]
        xml = pc.binary_join_element_wise(*pieces, "</row>", "")
        if isinstance(xml, pa.ChunkedArray):
            xml = xml.combine_chunks()
        offsets = np.frombuffer(xml.buffers()[1], dtype=np.int32)[xml.offset:xml.offset + len(xml) + 1]
        return memoryview(xml.buffers()[2])[offsets[0]:offsets[-1]]       # the rows' XML, back to back

    # Arrow's kernels and zlib release the GIL: the next chunks are built while one is deflated
    with ThreadPoolExecutor(max_workers=2) as pool:
        for xml in pool.map(chunk, range(0, n, CHUNK_ROWS)):
            out.write(xml)
    out.write(b"</sheetData></worksheet>")


def _xml_text(text: str) -> str:
    return _CONTROL.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_frames(frames: dict[str, pd.DataFrame], path, widths: dict[str, list[float]] | None = None) -> None:
    """The frames as sheets of one .xlsx, written atomically."""
    names = list(frames)
    sheets = "".join(f'<sheet name="{_xml_text(n)}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, 1))
    rels = "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(names) + 1))
    rels += (f'<Relationship Id="rId{len(names) + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
             'relationships/styles" Target="styles.xml"/>')
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                        for i in range(1, len(names) + 1))
    with atomic_path(Path(path)) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/styles.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' + overrides + '</Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                   'officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                   f'<sheets>{sheets}</sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'{rels}</Relationships>')
        z.writestr("xl/styles.xml", STYLES)
        for i, name in enumerate(names, 1):
            frame = frames[name]
            with z.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as out:
                write_sheet(out, frame, (widths or {}).get(name) or [14] * len(frame.columns))
