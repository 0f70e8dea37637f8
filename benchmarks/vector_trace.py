"""Issue 20: tracers for vector export, compared on this machine, and what vector export and
typefaces cost.

    python benchmarks/vector_trace.py [--tiles 100] [--glyph-model M] [--json OUT.json]

For tiles of the shipped VAE (32-D) and GAN: each tracer's outlines rendered back by resvg at
the tile's size against the tile's pixels (ink IoU, both cut at half ink), at x8 against the
bitmap export's own ``ink`` rendering, the SVG bytes per tile and the time per tile; the tracers
run interleaved, tile by tile, so machine load falls on both alike. vtracer is the studio's
(``core.export.trace``); potracer (pure-Python potrace, GPL-2) is measured only if installed.
Then: a 10x10 sheet as SVG and PDF (size, time, against the PNG sheet's), and the site-packages
size of what vtracer and fontTools add to the installer (only the fontTools modules the
typeface writer imports, as PyInstaller collects them). With ``--glyph-model`` (a conditional
model trained on a fonts dataset): the typeface dialog's live preview (one batch of the line's
glyphs and its layout, on one torch thread) against the pad's own decode of one point,
interleaved, and the time to write a whole font.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._common import load, machine, print_report  # noqa: E402


def _render(svg: str, h: int, w: int):
    import numpy as np
    import resvg_py
    from PIL import Image

    png = resvg_py.svg_to_bytes(svg_string=svg, width=w, height=h)
    rgba = np.asarray(Image.open(io.BytesIO(bytes(png))).convert("RGBA"), np.float32) / 255
    return rgba[..., :3].mean(axis=2) * rgba[..., 3]  # ink level over a black ground


def _iou(a, b) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def _vtracer_svg(tile) -> str:
    from genai_studio.core.export.options import ExportStyle
    from genai_studio.core.export.vector import svg_bytes, tile_page

    return svg_bytes(tile_page(tile, ExportStyle(scale=1, resampling="ink")), None).decode()


def _potrace_svg(tile, k: int = 8) -> str:
    import potrace

    from genai_studio.core.export.options import ExportStyle
    from genai_studio.core.export.render import render_levels

    levels = render_levels(tile, ExportStyle(scale=k, resampling="ink"))
    paths = potrace.Bitmap(~(levels > 0.5)).trace(turdsize=2, alphamax=1.0, opticurve=True,
                                                  opttolerance=0.2)
    d = []
    for curve in paths:
        d.append(f"M{curve.start_point.x / k:.2f} {curve.start_point.y / k:.2f}")
        for seg in curve.segments:
            if seg.is_corner:
                d.append(f"L{seg.c.x / k:.2f} {seg.c.y / k:.2f}"
                         f"L{seg.end_point.x / k:.2f} {seg.end_point.y / k:.2f}")
            else:
                d.append(f"C{seg.c1.x / k:.2f} {seg.c1.y / k:.2f} {seg.c2.x / k:.2f} "
                         f"{seg.c2.y / k:.2f} {seg.end_point.x / k:.2f} {seg.end_point.y / k:.2f}")
        d.append("Z")
    h, w = tile.shape
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
            f'viewBox="0 0 {w} {h}"><rect width="{w}" height="{h}" fill="#000"/>'
            f'<path fill="#fff" fill-rule="evenodd" d="{"".join(d)}"/></svg>')


def compare_tracers(tiles) -> dict:
    import numpy as np

    from genai_studio.core.export.options import ExportStyle
    from genai_studio.core.export.render import render_levels

    tracers = {"vtracer": _vtracer_svg}
    try:
        import potrace  # noqa: F401

        tracers["potracer"] = _potrace_svg
    except ImportError:
        pass
    rows = {name: {"iou": [], "iou_x8": [], "bytes": [], "ms": []} for name in tracers}
    for tile in tiles:  # interleaved: each tile by every tracer in turn
        h, w = tile.shape
        big_ink = render_levels(tile, ExportStyle(scale=8, resampling="ink")) > 0.5
        for name, fn in tracers.items():
            started = time.perf_counter()
            svg = fn(tile)
            rows[name]["ms"].append(1000 * (time.perf_counter() - started))
            rows[name]["bytes"].append(len(svg.encode()))
            rows[name]["iou"].append(_iou(_render(svg, h, w) > 0.5, tile > 0.5))
            rows[name]["iou_x8"].append(_iou(_render(svg, 8 * h, 8 * w) > 0.5, big_ink))
    out = {}
    for name, r in rows.items():
        out[name] = {"ink_iou_mean": round(float(np.mean(r["iou"])), 3),
                     "ink_iou_min": round(float(np.min(r["iou"])), 3),
                     "ink_iou_x8_mean": round(float(np.mean(r["iou_x8"])), 3),
                     "svg_bytes_median": int(np.median(r["bytes"])),
                     "ms_per_tile_median": round(float(np.median(r["ms"])), 2)}
    return out


def sheet_costs(tiles) -> dict:
    from genai_studio.core.export.options import ExportStyle
    from genai_studio.core.export.provenance import Provenance
    from genai_studio.core.export.stills import sheet_bytes

    prov = Provenance("bench", "0" * 64, __import__("numpy").zeros((len(tiles), 2), "float32"),
                      kind="grid", seed=1, sample_count=len(tiles))
    style = ExportStyle(scale=16, resampling="ink")
    out = {}
    for fmt in ("sheet", "svg", "pdf", "sheet", "svg", "pdf"):  # twice, interleaved: keep the 2nd
        started = time.perf_counter()
        data = sheet_bytes(tiles, style, prov, columns=10, gutter=8, fmt=fmt)
        out[fmt] = {"seconds": round(time.perf_counter() - started, 3), "bytes": len(data)}
    return out


def installer_sizes() -> dict:
    """Bytes on disk of what vtracer and fontTools bring, as the bundle would hold them."""
    import importlib

    import vtracer

    def tree(path: Path) -> int:
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()
                   and "__pycache__" not in f.parts)

    before = set(sys.modules)
    from genai_studio.core.export import typeface  # noqa: F401
    from genai_studio.core.export.typeface import build_font, read_font_provenance  # noqa: F401

    importlib.import_module("fontTools.fontBuilder")
    importlib.import_module("fontTools.pens.t2CharStringPen")
    importlib.import_module("fontTools.agl")
    loaded = [m for m in set(sys.modules) - before if m.startswith("fontTools")]
    files = {Path(sys.modules[m].__file__) for m in loaded if getattr(sys.modules[m], "__file__",
                                                                      None)}
    import fontTools

    return {"vtracer_bytes": tree(Path(vtracer.__file__).parent),
            "fonttools_imported_modules": len(loaded),
            "fonttools_imported_bytes": sum(f.stat().st_size for f in files),
            "fonttools_whole_package_bytes": tree(Path(fontTools.__file__).parent)}


def preview_costs(model_path: Path, repeats: int = 60) -> dict:
    import numpy as np

    from genai_studio.core.export.typeface import (
        PREVIEW_TEXT,
        glyph_set,
        preview_line,
        write_typeface,
    )
    from genai_studio.core.latent.sampling import decode_live, draw_latents
    from genai_studio.core.store.checkpoints import load_model

    loaded = load_model(model_path, "cpu")
    model, glyphs = loaded.model, glyph_set(loaded.model, loaded.metadata)
    unique = [c for c in dict.fromkeys(PREVIEW_TEXT) if c in glyphs.chars]
    labels = np.array([glyphs.chars.index(c) for c in unique], np.int64)
    latents = draw_latents(model, repeats, 5).numpy()
    pad_ms, preview_ms = [], []
    for z in latents:  # interleaved: the pad's decode, then the preview's, at the same point
        started = time.perf_counter()
        decode_live(model, z[None], 0)
        pad_ms.append(1000 * (time.perf_counter() - started))
        started = time.perf_counter()
        images = decode_live(model, np.repeat(z[None], len(unique), axis=0), labels)
        preview_line(dict(zip(unique, images, strict=True)), PREVIEW_TEXT, glyphs)
        preview_ms.append(1000 * (time.perf_counter() - started))
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        font, _ = write_typeface(model, loaded.metadata, model_path, latents[0],
                                 Path(tmp) / "f.otf")
        font_s = time.perf_counter() - started
    return {"glyphs_in_preview": len(unique),
            "pad_decode_ms_median": round(float(np.median(pad_ms)), 2),
            "preview_ms_median": round(float(np.median(preview_ms)), 2),
            "preview_ms_p99": round(float(np.percentile(preview_ms, 99)), 2),
            "preview_over_pad_ratio": round(float(np.median(preview_ms) / np.median(pad_ms)), 2),
            "font_seconds": round(font_s, 2), "font_glyphs": len(glyphs.chars),
            "font_bytes": len(font.data)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiles", type=int, default=100)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--glyph-model", type=Path, default=None)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import numpy as np
    import torch

    torch.set_num_threads(1)
    from genai_studio.core.latent.sampling import sample
    from genai_studio.core.store.checkpoints import load_model

    half = args.tiles // 2
    tiles = np.concatenate([
        sample(load_model(ROOT / "models" / name, "cpu").model, half, 3).images
        for name in ("vae-32d.safetensors", "gan.safetensors")])
    result = {"machine": machine(), "load_before": load(), "tiles": len(tiles),
              "tracers": compare_tracers(tiles), "sheet_x16": sheet_costs(tiles[:100]),
              "installer": installer_sizes(),
              "typeface": None if args.glyph_model is None else preview_costs(args.glyph_model),
              "load_after": load(),
              "date": time.strftime("%Y-%m-%d %H:%M")}
    print_report(result, args.json)


if __name__ == "__main__":
    main()
