"""Shrink Qt's ICU data library (Linux) to the data an English-only app uses (issue 21).

PySide6's ``libicudata.so.73`` is one 32 MB blob, ``icudt73_dat``: an ICU common-data package
("CmnD") of ~3,900 items, most of them locale data for ~800 locales, legacy codepage
converters and the CJK/Thai word-break dictionaries. Qt formats numbers and dates from its own
CLDR tables; it asks ICU for collation, case mapping, text boundaries and normalisation. So
the package is rewritten keeping every non-locale item (properties, normalisation, break
rules, ``root`` collation and data), the ``root``, ``en`` and ``en_*`` locales, and dropping:
the other locales (each tree), the ``.cnv`` converters (Qt's UTF-8/16/Latin-1 are built in),
the break dictionaries and transliteration. Text in any language still lays out and breaks
lines by the root rules; what changes for other locales is sort order (root collation) and
dictionary word breaks in Thai, Lao, Khmer, Burmese and CJK, neither of which the studio uses.

The package format is ICU's ``udata`` common data (``source/common/ucmndata.h``): a data
header, then a table of contents (count, then a name offset and a data offset per item,
sorted by name, both relative to the table), the names, and the items, each 16-byte aligned.
The smaller package becomes a new ``libicudata.so.73`` exporting the same symbol, linked
with the C compiler. Standard library, ``readelf`` and ``cc`` only; without them the library
is left as it is.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

KEPT_LOCALES = re.compile(r"en(_\w+)?")
LOCALE = re.compile(r"[a-z]{2,3}(_[A-Za-z0-9]*)*")
NOT_LOCALES = {"root", "res_index", "pool"}  # names shaped like a locale that are not one
PAD = b"\xaa"  # what ICU's own packaging tools pad with


def keep(item: str) -> bool:
    """Whether an item (``tree/name`` or ``name``, without the package prefix) stays."""
    parts = item.split("/")
    name, tree = parts[-1], parts[0] if len(parts) > 1 else ""
    if tree == "translit" or name.endswith((".cnv", ".dict")):
        return False
    if name.endswith(".res"):
        base = name[:-4]
        if base not in NOT_LOCALES and LOCALE.fullmatch(base):
            return KEPT_LOCALES.fullmatch(base) is not None
    return True


def read_package(blob: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """(header, [(name, data)]) of a little-endian ICU common-data package."""
    header_size = struct.unpack_from("<H", blob, 0)[0]
    if blob[2:4] != b"\xda\x27" or blob[12:16] != b"CmnD" or blob[8] != 0:  # little-endian
        raise ValueError("not an ICU common-data package")
    count = struct.unpack_from("<I", blob, header_size)[0]
    entries = []
    for k in range(count):
        name_at, data_at = struct.unpack_from("<II", blob, header_size + 4 + 8 * k)
        end = blob.index(b"\0", header_size + name_at)
        entries.append((blob[header_size + name_at:end].decode("ascii"), data_at))
    ends = [at for _, at in entries[1:]] + [len(blob) - header_size]
    items = [(name, blob[header_size + at:header_size + end])
             for (name, at), end in zip(entries, ends, strict=True)]
    return blob[:header_size], items


def write_package(header: bytes, items: list[tuple[str, bytes]]) -> bytes:
    """The package of ``items`` (kept in their sorted order), as ICU's tools lay it out."""
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in items)
    table = 4 + 8 * len(items)
    at = (table + len(names) + 15) & ~15
    toc, name_at, data = bytearray(struct.pack("<I", len(items))), table, bytearray()
    for name, item in items:
        toc += struct.pack("<II", name_at, at + len(data))
        name_at += len(name) + 1
        data += item + PAD * (-len(item) % 16)
    padding = PAD * (at - table - len(names))
    return bytes(header + toc + names + padding + data)


def filtered(blob: bytes) -> bytes:
    header, items = read_package(blob)
    prefix = items[0][0].split("/", 1)[0] + "/"
    return write_package(header, [(n, d) for n, d in items if keep(n[len(prefix):])])


def _symbol(lib: Path) -> tuple[str, int, int]:
    """(symbol, file offset, size) of the ``icudt*_dat`` blob."""
    symbols = subprocess.run(["readelf", "-s", "-W", str(lib)], check=True,
                             capture_output=True, text=True).stdout
    match = re.search(r"\s([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+OBJECT\s+GLOBAL\s+\w+\s+(\d+)\s+"
                      r"(icudt\d+_dat)\b", symbols)
    if match is None:
        raise ValueError(f"{lib.name}: no icudt*_dat symbol")
    address, size, section = int(match[1], 16), int(match[2], 0), int(match[3])
    sections = subprocess.run(["readelf", "-S", "-W", str(lib)], check=True,
                              capture_output=True, text=True).stdout
    row = re.search(rf"\[\s*{section}\]\s+\S+\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)", sections)
    if row is None:
        raise ValueError(f"{lib.name}: section {section} not found")
    return match[4], address - int(row[1], 16) + int(row[2], 16), size


def shrink(lib: Path) -> int:
    """Rewrite ``lib`` (a libicudata.so.NN) with the filtered package; bytes saved (0 when
    the tools are missing or the library is not what we expect: it is then left as it was)."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None or shutil.which("readelf") is None or not lib.is_file():
        return 0
    symbol, offset, size = _symbol(lib)
    blob = lib.read_bytes()[offset:offset + size]
    smaller = filtered(blob)
    soname = lib.name
    with tempfile.TemporaryDirectory() as tmp:
        dat, asm, out = Path(tmp, "data.dat"), Path(tmp, "data.S"), Path(tmp, soname)
        dat.write_bytes(smaller)
        asm.write_text(
            f".section .rodata\n.globl {symbol}\n.type {symbol}, @object\n.balign 16\n"
            f"{symbol}:\n.incbin \"{dat}\"\n.size {symbol}, .-{symbol}\n"
            ".section .note.GNU-stack,\"\",@progbits\n", encoding="ascii")
        subprocess.run([compiler, "-shared", "-nostdlib", f"-Wl,-soname,{soname}",
                        "-o", str(out), str(asm)], check=True)
        before = lib.stat().st_size
        shutil.copyfile(out, lib)
    return before - lib.stat().st_size
