"""Charts as inline SVG, drawn on the server: no script, no external asset, readable by a
screen reader (``role="img"`` and a ``<title>``). Every text put in a chart is escaped."""
from __future__ import annotations

from typing import Any, Callable

from markupsafe import Markup, escape

COLORS = ("#1f5fa8", "#c0562b", "#2e8540", "#7a4eab")


def _svg(width: int, height: int, title: str, body: list[str], cls: str) -> Markup:
    head = (f'<svg class="chart {escape(cls)}" xmlns="http://www.w3.org/2000/svg" role="img" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}"><title>{escape(title)}</title>')
    return Markup(head + "".join(body) + "</svg>")


def line_chart(points: list[dict[str, Any]], series: list[tuple[str, str]], title: str, *,
               width: int = 560, height: int = 240, unit: str = "%", y_max: float = 100.0,
               label: Callable[[dict[str, Any]], str] = lambda p: p["label"]) -> Markup:
    """Lines of ``series`` ((key, legend) pairs; ``point[key]`` is a number or None) over
    ``points`` in order, with a y axis from 0 to ``y_max``."""
    left, right, top, bottom = 44, 30, 16, 30 + 16 * len(series)
    w, h = width - left - right, height - top - bottom
    n = len(points)
    x = (lambda i: left + w / 2) if n <= 1 else (lambda i: left + i * w / (n - 1))
    y = lambda v: top + h - (v / y_max) * h  # noqa: E731
    body = []
    for tick in range(0, 101, 25):
        v = y_max * tick / 100
        body.append(f'<line x1="{left}" x2="{left + w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
                    f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11">{escape(f"{v:g}{unit}")}</text>')
    step = max(1, n // 8)
    for i, p in enumerate(points):
        if i % step == 0 or i == n - 1:
            body.append(f'<text x="{x(i):.1f}" y="{top + h + 16}" text-anchor="middle" font-size="11">{escape(label(p))}</text>')
    for s, (key, legend) in enumerate(series):
        color = COLORS[s % len(COLORS)]
        xy = [(x(i), y(p[key])) for i, p in enumerate(points) if p.get(key) is not None]
        if len(xy) > 1:
            body.append(f'<polyline class="series" fill="none" stroke="{color}" stroke-width="2" '
                        f'points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in xy)}"/>')
        for (a, b), p in zip(xy, [p for p in points if p.get(key) is not None]):
            body.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3.5" fill="{color}">'
                        f'<title>{escape(f"{label(p)} : {p[key]:g}{unit}")}</title></circle>')
        ly, lx = top + h + 38 + 16 * s, left
        body.append(f'<rect x="{lx}" y="{ly - 9}" width="12" height="4" fill="{color}"/>'
                    f'<text x="{lx + 16}" y="{ly - 4}" font-size="11">{escape(legend)}</text>')
    return _svg(width, height, title, body, "line")


def histogram(bins: list[dict[str, Any]], title: str, *, width: int = 420, height: int = 220,
              label: Callable[[dict[str, Any]], str] = lambda b: f"{b['from']:g}", unit: str = "") -> Markup:
    """Bars of ``bins`` (``{"from", "to", "count"}``), labelled by their lower bound."""
    left, right, top, bottom = 36, 10, 14, 34
    w, h = width - left - right, height - top - bottom
    top_count = max([b["count"] for b in bins] + [1])
    bw = w / max(1, len(bins))
    body = [f'<line x1="{left}" x2="{left + w}" y1="{top + h}" y2="{top + h}" stroke="#999"/>',
            f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" font-size="11">{top_count}</text>',
            f'<text x="{left - 6}" y="{top + h}" text-anchor="end" font-size="11">0</text>']
    for i, b in enumerate(bins):
        bh = h * b["count"] / top_count
        x0 = left + i * bw
        tip = escape(f"{label(b)}–{label({'from': b['to']})}{unit} : {b['count']}")
        body.append(f'<rect class="bar" x="{x0 + 2:.1f}" y="{top + h - bh:.1f}" width="{bw - 4:.1f}" height="{bh:.1f}" '
                    f'fill="{COLORS[0]}"><title>{tip}</title></rect>')
        if b["count"]:
            body.append(f'<text x="{x0 + bw / 2:.1f}" y="{top + h - bh - 3:.1f}" text-anchor="middle" '
                        f'font-size="10">{b["count"]}</text>')
        body.append(f'<text x="{x0 + bw / 2:.1f}" y="{top + h + 14}" text-anchor="middle" font-size="10">'
                    f'{escape(label(b))}</text>')
    return _svg(width, height, title, body, "histogram")
