"""Small hand-written SVG charts for the HTML report (no plotting dependency).

Every text that reaches the SVG goes through :func:`html.escape`; numbers are
formatted by us.  Charts are static, self-contained ``<svg>`` elements meant
to be inlined in the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#3b6fb6", "#e07b39", "#4a9a5b", "#b8454b", "#7d5fb2", "#8c6d3f", "#c767a5", "#6f6f6f")
W, H = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 48


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _frame(title: str, body: list[str], width: int = W, height: int = H) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{_e(title)}" class="chart">'
            f'<title>{_e(title)}</title>'
            f'<text x="{width / 2:.1f}" y="18" text-anchor="middle" font-size="14" font-weight="bold">{_e(title)}</text>'
            + "".join(body) + "</svg>")


def _y_axis(lo: float, hi: float, ticks: int, fmt: str, height: int = H) -> list[str]:
    out = []
    plot_h = height - TOP - BOTTOM
    for i in range(ticks + 1):
        v = lo + (hi - lo) * i / ticks
        y = height - BOTTOM - plot_h * i / ticks
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{fmt.format(v)}</text>')
    return out


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float | None],
              intervals: Sequence[tuple[float, float] | None] | None = None, *, y_max: float = 1.0,
              percent: bool = True) -> str:
    """Vertical bars (one per label) with optional error bars, values in [0, y_max]."""
    n = max(1, len(labels))
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    slot = plot_w / n
    bar_w = min(80.0, slot * 0.6)
    body = _y_axis(0.0, y_max, 4, "{:.0%}" if percent else "{:.3g}")
    for i, label in enumerate(labels):
        v = values[i]
        x = LEFT + slot * i + (slot - bar_w) / 2
        cx = x + bar_w / 2
        if v is not None:
            h = plot_h * max(0.0, min(v, y_max)) / y_max
            y = H - BOTTOM - h
            color = PALETTE[i % len(PALETTE)]
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{color}"/>')
            shown = f"{v:.1%}" if percent else f"{v:.3g}"
            body.append(f'<text x="{cx:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="11">{_e(shown)}</text>')
        if intervals and intervals[i] is not None:
            lo, hi = intervals[i]
            y_lo = H - BOTTOM - plot_h * lo / y_max
            y_hi = H - BOTTOM - plot_h * hi / y_max
            body.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y_lo:.1f}" y2="{y_hi:.1f}" stroke="#222" '
                        f'stroke-width="1.5"/>')
            for yy in (y_lo, y_hi):
                body.append(f'<line x1="{cx - 6:.1f}" x2="{cx + 6:.1f}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#222" '
                            f'stroke-width="1.5"/>')
        body.append(f'<text x="{cx:.1f}" y="{H - BOTTOM + 16}" text-anchor="middle" font-size="12">'
                    f'{_e(label[:24])}</text>')
    return _frame(title, body)


def histogram(title: str, series: dict[str, Sequence[float]], *, bins: int = 12, unit: str = "s") -> str:
    """Overlaid step histograms of several series on shared bins (counts)."""
    values = [v for vs in series.values() for v in vs]
    if not values:
        return _frame(title, [f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle">no data</text>'])
    lo, hi = min(values), max(values)
    if hi <= lo:
        hi = lo + 1.0
    width = (hi - lo) / bins
    counts = {name: [0] * bins for name in series}
    for name, vs in series.items():
        for v in vs:
            counts[name][min(bins - 1, int((v - lo) / width))] += 1
    top = max(max(c) for c in counts.values()) or 1
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    body = _y_axis(0.0, float(top), 4, "{:.0f}")
    bw = plot_w / bins
    for j in range(0, bins + 1, max(1, bins // 6)):
        x = LEFT + bw * j
        body.append(f'<text x="{x:.1f}" y="{H - BOTTOM + 16}" text-anchor="middle" font-size="11">'
                    f'{_e(f"{lo + width * j:.3g}{unit}")}</text>')
    for k, (name, cs) in enumerate(counts.items()):
        color = PALETTE[k % len(PALETTE)]
        pts = [f"{LEFT:.1f},{H - BOTTOM:.1f}"]
        for j, c in enumerate(cs):
            y = H - BOTTOM - plot_h * c / top
            pts.append(f"{LEFT + bw * j:.1f},{y:.1f}")
            pts.append(f"{LEFT + bw * (j + 1):.1f},{y:.1f}")
        pts.append(f"{LEFT + plot_w:.1f},{H - BOTTOM:.1f}")
        body.append(f'<polyline points="{" ".join(pts)}" fill="{color}" fill-opacity="0.25" stroke="{color}" '
                    f'stroke-width="2"/>')
        lx = LEFT + 10 + 120 * k
        body.append(f'<rect x="{lx:.1f}" y="{H - 18}" width="10" height="10" fill="{color}"/>')
        body.append(f'<text x="{lx + 14:.1f}" y="{H - 9}" font-size="11">{_e(name[:16])}</text>')
    return _frame(title, body)


def stacked_bars(title: str, labels: Sequence[str], categories: Sequence[str],
                 counts: Sequence[dict[str, int]], colors: dict[str, str] | None = None) -> str:
    """Horizontal 100%-stacked bars: one per label, split by category (legend: 4 per row)."""
    colors = colors or {}
    color = {c: colors.get(c, PALETTE[k % len(PALETTE)]) for k, c in enumerate(categories)}
    row_h = 26
    legend_rows = (len(categories) + 3) // 4
    height = TOP + 10 + row_h * max(1, len(labels)) + 16 + 18 * legend_rows
    plot_w = W - 110 - RIGHT
    body: list[str] = []
    for i, label in enumerate(labels):
        y = TOP + 10 + row_h * i
        body.append(f'<text x="104" y="{y + 16}" text-anchor="end" font-size="12">{_e(label[:16])}</text>')
        total = sum(counts[i].get(c, 0) for c in categories)
        x = 110.0
        for k, cat in enumerate(categories):
            c = counts[i].get(cat, 0)
            if not c or not total:
                continue
            w = plot_w * c / total
            body.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_h - 6}" '
                        f'fill="{color[cat]}"><title>{_e(cat)}: {c}</title></rect>')
            x += w
    for k, cat in enumerate(categories):
        lx = 110 + 130 * (k % 4)
        ly = TOP + 10 + row_h * max(1, len(labels)) + 8 + 18 * (k // 4)
        body.append(f'<rect x="{lx}" y="{ly}" width="10" height="10" fill="{color[cat]}"/>')
        body.append(f'<text x="{lx + 14}" y="{ly + 9}" font-size="11">{_e(cat)}</text>')
    return _frame(title, body, height=height)


def line_chart(title: str, xs: Sequence[float], series: dict[str, Sequence[float | None]], *,
               x_label: str = "", hline: tuple[str, float] | None = None, mark_x: float | None = None) -> str:
    """Lines over a shared x in [0, 1] with y in [0, 1] (percent ticks): one polyline per series (a ``None``
    value breaks it), an optional dashed horizontal line ``(label, y)`` and a dotted vertical one at ``mark_x``."""
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    body = _y_axis(0.0, 1.0, 4, "{:.0%}")

    def px(x: float) -> float:
        return LEFT + plot_w * min(1.0, max(0.0, x))

    def py(y: float) -> float:
        return H - BOTTOM - plot_h * min(1.0, max(0.0, y))

    for j in range(6):
        x = j / 5
        body.append(f'<text x="{px(x):.1f}" y="{H - BOTTOM + 16}" text-anchor="middle" font-size="11">'
                    f'{x:.1f}</text>')
    if x_label:
        body.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{H - BOTTOM + 32}" text-anchor="middle" '
                    f'font-size="11">{_e(x_label)}</text>')
    if not xs:
        body.append(f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle">no data</text>')
    if hline is not None:
        label, y = hline
        body.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{py(y):.1f}" y2="{py(y):.1f}" stroke="#b3261e" '
                    f'stroke-dasharray="6 4"/>')
        body.append(f'<text x="{W - RIGHT - 4}" y="{py(y) - 4:.1f}" text-anchor="end" font-size="11" '
                    f'fill="#b3261e">{_e(label)}</text>')
    if mark_x is not None:
        body.append(f'<line x1="{px(mark_x):.1f}" x2="{px(mark_x):.1f}" y1="{TOP}" y2="{H - BOTTOM}" '
                    f'stroke="#555" stroke-dasharray="2 3"/>')
    for k, (name, ys) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        runs: list[list[str]] = [[]]
        for x, y in zip(xs, ys):
            if y is None:
                runs.append([])
                continue
            runs[-1].append(f"{px(x):.1f},{py(y):.1f}")
        for pts in runs:
            if len(pts) == 1:
                cx, cy = pts[0].split(",")
                body.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{color}"/>')
            elif pts:
                body.append(f'<polyline points="{" ".join(pts)}" fill="none" stroke="{color}" stroke-width="2"/>')
        lx = LEFT + 10 + 130 * k
        body.append(f'<rect x="{lx:.1f}" y="{TOP + 2}" width="10" height="10" fill="{color}"/>')
        body.append(f'<text x="{lx + 14:.1f}" y="{TOP + 11}" font-size="11">{_e(name[:18])}</text>')
    return _frame(title, body)
