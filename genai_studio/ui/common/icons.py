"""Small vector icons drawn with QPainter, so the app ships no image files and stays crisp."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

from genai_studio.ui.common import theme


def _poly(*pts: tuple[float, float]) -> QPolygonF:
    return QPolygonF([QPointF(x, y) for x, y in pts])


# Stroked icons as polylines in a 24x24 box.
_LINES: dict[str, list[list[tuple[float, float]]]] = {
    "import": [[(12, 3), (12, 15)], [(7, 10), (12, 15), (17, 10)],
               [(4, 15), (4, 20), (20, 20), (20, 15)]],
    "export": [[(12, 15), (12, 3)], [(7, 8), (12, 3), (17, 8)],
               [(4, 15), (4, 20), (20, 20), (20, 15)]],
    "trash": [[(4, 6), (20, 6)], [(9, 6), (10, 3), (14, 3), (15, 6)]],
    "rename": [[(4, 20), (8, 19), (19, 8), (16, 5), (5, 16), (4, 20)]],
    "open": [[(3, 6), (9, 6), (11, 8), (21, 8), (21, 19), (3, 19), (3, 6)]],
    "back": [[(20, 12), (4, 12)], [(10, 6), (4, 12), (10, 18)]],
    "forward": [[(4, 12), (20, 12)], [(14, 6), (20, 12), (14, 18)]],
    "record": [[(12, 4), (18, 7), (20, 12), (18, 17), (12, 20), (6, 17), (4, 12), (6, 7),
                (12, 4)]],
}


def _draw(name: str, p: QPainter) -> None:
    """Draw icon ``name`` in a 24x24 box with the current pen/brush."""
    shapes = {
        "play": lambda: p.drawPolygon(_poly((7, 4), (20, 12), (7, 20))),
        "pause": lambda: (p.drawRoundedRect(QRectF(6, 4, 4, 16), 1, 1),
                          p.drawRoundedRect(QRectF(14, 4, 4, 16), 1, 1)),
        "stop": lambda: p.drawRoundedRect(QRectF(5, 5, 14, 14), 2, 2),
        "bolt": lambda: p.drawPolygon(_poly((13, 2), (5, 14), (11, 14), (10, 22), (19, 9),
                                            (13, 9))),
        "star": lambda: p.drawPolygon(_poly((12, 2), (14.9, 8.6), (22, 9.3), (16.6, 14),
                                            (18.2, 21), (12, 17.3), (5.8, 21), (7.4, 14),
                                            (2, 9.3), (9.1, 8.6))),
    }
    if name in shapes:
        shapes[name]()
        return
    p.setBrush(Qt.BrushStyle.NoBrush)
    path = QPainterPath()
    if name == "dice":
        p.drawRoundedRect(QRectF(4, 4, 16, 16), 4, 4)
        p.setBrush(p.pen().color())
        for x, y in ((8.5, 8.5), (15.5, 15.5), (12, 12), (15.5, 8.5), (8.5, 15.5)):
            p.drawEllipse(QPointF(x, y), 1.4, 1.4)
        return
    if name in ("lock", "unlock"):
        p.drawRoundedRect(QRectF(5, 11, 14, 10), 2, 2)
        path.moveTo(8, 11)
        path.lineTo(8, 8)
        path.arcTo(QRectF(8, 3, 8, 10), 180, -180)
        if name == "lock":
            path.lineTo(16, 11)
    elif name in _LINES:
        for line in _LINES[name]:
            path.moveTo(*line[0])
            for pt in line[1:]:
                path.lineTo(*pt)
        if name == "trash":
            p.drawRoundedRect(QRectF(6, 6, 12, 15), 2, 2)
    elif name == "help":
        p.drawEllipse(QPointF(12, 12), 9, 9)
        path.moveTo(9.5, 9.5)
        path.arcTo(QRectF(9.5, 6.5, 5, 5), 180, -250)
        path.lineTo(12, 14)
        p.drawPoint(QPointF(12, 17.5))
    p.drawPath(path)


def icon(name: str, colour: str | None = None) -> QIcon:
    """A 48 px icon (drawn at 2x so it stays sharp on high-DPI screens), in ``colour`` or the
    current scheme's text colour."""
    return _icon(name, colour or theme.TEXT)


@cache
def _icon(name: str, colour: str) -> QIcon:
    pix = QPixmap(48, 48)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(2, 2)
    pen = QPen(QColor(colour), 1.8, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
               Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(QColor(colour))
    _draw(name, p)
    p.end()
    return QIcon(pix)
