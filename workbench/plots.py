"""Pure functions from DataFrames to HoloViews objects: the pictures the workbench shows.

No Panel and no session state here, so notebooks can call these directly. Every function takes
``words`` (the session's ``domain.words.Words``, ``PlanningSession.format``; English by default)
for its labels, times, dates and level names.
"""

from __future__ import annotations

from typing import NamedTuple

import holoviews as hv
import numpy as np
import pandas as pd

from .domain.dataset import DAYS
from .domain.words import ENGLISH, Words
from .markup import attr, escape_text, literal_braces

hv.extension("bokeh", logo=False)

#: Colour-blind-safe palette (Okabe-Ito), reused for plans and opportunities.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000"]


class CalendarFrames(NamedTuple):
    """What a week calendar draws, as tables in the picture's coordinates (x: the day, 0 =
    Monday; y: hours after midnight): one source of the drawing rules for ``week_calendar``
    (HoloViews, notebooks) and ``WeekCalendar`` (the app's figure, updated in place)."""

    free: pd.DataFrame      # x0 y0 x1 y1 label
    busy: pd.DataFrame      # x0 y0 x1 y1 label
    trips: pd.DataFrame     # x0 y0 x1 y1 what
    meetings: pd.DataFrame  # x0 y0 x1 y1 title when color
    hot: pd.DataFrame       # the meetings outlined (clashes)
    labels: pd.DataFrame    # x y text
    xticks: list            # [(x, day)]
    yticks: list            # [(hour, clock)]
    lo: int
    hi: int


def calendar_frames(meetings: pd.DataFrame, trips: pd.DataFrame | None = None,
                    free: pd.DataFrame | None = None, busy: pd.DataFrame | None = None,
                    highlight=(), words: Words = ENGLISH) -> CalendarFrames:
    """The rectangles, labels, ticks and hours of a week calendar (see ``week_calendar``)."""
    day_x = {d: i for i, d in enumerate(DAYS)}

    def blocks(df, start, end, pad, extra):
        if df is None or len(df) == 0:
            return pd.DataFrame(columns=["x0", "y0", "x1", "y1", *extra])
        x = df["day"].map(day_x).astype(float).to_numpy()
        out = pd.DataFrame({"x0": x - pad, "y0": df[start].to_numpy() / 60,
                            "x1": x + pad, "y1": df[end].to_numpy() / 60})
        for col in extra:
            out[col] = df[col].astype(str).to_numpy() if col in df else ""
        return out

    free_b = blocks(free, "start_min", "end_min", 0.48, ["label"])
    busy_b = blocks(busy, "start_min", "end_min", 0.48, ["label"])
    trip_b = pd.DataFrame(columns=["x0", "y0", "x1", "y1", "what"])
    if trips is not None and len(trips):
        t = trips[np.isfinite(trips["minutes"].astype(float))].copy()
        travel = words.gettext("Travel {duration} ({how})")
        t["what"] = [travel.format(duration=words.duration(m), how=words.getting_around(mode))
                     for m, mode in zip(t["minutes"], t["mode"], strict=True)]
        trip_b = blocks(t, "depart_min", "arrive_min", 0.18, ["what"])
    m = blocks(meetings, "start_min", "end_min", 0.42, ["title"])
    if len(m):
        m["when"] = [words.clock_span(a, b) for a, b in
                     zip(meetings["start_min"], meetings["end_min"], strict=True)]
    else:
        m["when"] = []
    titles = sorted(m["title"].unique()) if len(m) else []
    cmap = {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(titles)}
    m["color"] = [cmap[t] for t in m["title"]] if len(m) else []
    hot = m.iloc[0:0]
    if highlight and len(m):
        hot = m[meetings["section_id"].isin(highlight).to_numpy()]
    lab = pd.DataFrame({"x": (m["x0"] + m["x1"]) / 2, "y": (m["y0"] + m["y1"]) / 2,
                        "text": [_short(t) for t in m["title"]]}) if len(m) else \
        pd.DataFrame(columns=["x", "y", "text"])
    lo, hi = 7, 21
    for df, a, b in ((meetings, "start_min", "end_min"), (free, "start_min", "end_min")):
        if df is not None and len(df):
            lo = min(lo, int(df[a].min() // 60))
            hi = max(hi, int(np.ceil(df[b].max() / 60)))
    return CalendarFrames(free_b, busy_b, trip_b, m, hot, lab,
                          [(i, words.day_short(d)) for i, d in enumerate(DAYS)],
                          [(h, words.clock(h * 60)) for h in range(lo, hi + 1)], lo, hi)


def week_calendar(meetings: pd.DataFrame, trips: pd.DataFrame | None = None,
                  free: pd.DataFrame | None = None, busy: pd.DataFrame | None = None,
                  title: str = "", height: int = 420, highlight=(),
                  words: Words = ENGLISH) -> hv.Overlay:
    """A weekly calendar: free time (light green), commitments (grey), meetings and travel.

    Parameters
    ----------
    meetings
        One row per meeting: ``day`` (Mon..Sun), ``start_min``, ``end_min``, ``title``.
    trips
        Travel legs: ``day``, ``depart_min``, ``arrive_min``, ``minutes``, ``mode``.
    free, busy
        Blocks of the learner's week: ``day``, ``start_min``, ``end_min`` (``label`` for busy).
    highlight
        Section ids whose meetings get a red dashed outline (e.g. the ones that clash).
    """
    f = calendar_frames(meetings, trips, free, busy, highlight, words)
    layers = [hv.Rectangles(f.free, vdims=["label"]).opts(color="#e3f4e1", line_alpha=0,
                                                          tools=[]),
              hv.Rectangles(f.busy, vdims=["label"]).opts(color="#d9d9d9", line_alpha=0,
                                                          tools=["hover"])]
    if len(f.trips):
        layers.append(hv.Rectangles(f.trips, vdims=["what"]).opts(
            color="#9e9e9e", line_alpha=0, tools=["hover"]))
    cmap = dict(zip(f.meetings["title"], f.meetings["color"], strict=True))
    layers.append(hv.Rectangles(f.meetings.drop(columns="color"), vdims=["title", "when"]).opts(
        color="title", cmap=cmap, line_color="white", alpha=0.9, tools=["hover"],
        show_legend=False))
    if len(f.hot):
        layers.append(hv.Rectangles(f.hot.drop(columns="color"), vdims=["title", "when"]).opts(
            fill_alpha=0, line_color="#C00000", line_width=3, line_dash="dashed"))
    if len(f.labels):
        layers.append(hv.Labels(f.labels, ["x", "y"], "text").opts(text_font_size="8pt",
                                                                   text_color="white"))
    return hv.Overlay(layers).opts(
        hv.opts.Rectangles(xticks=f.xticks, yticks=f.yticks, invert_yaxis=True,
                           xlim=(-0.5, 6.5), ylim=(f.lo, f.hi), responsive=True,
                           height=height, xlabel="", ylabel="", toolbar=None,
                           default_tools=[], title=literal_braces(title)),
    )


def _text_colour(fill: str) -> str:
    """Black or white, whichever reads better on ``fill`` (a ``#rrggbb`` colour)."""
    r, g, b = (int(fill[i:i + 2], 16) / 255 for i in (1, 3, 5))
    lum = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    y = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2]
    return "#000" if (y + 0.05) / 0.05 > 1.05 / (y + 0.05) else "#fff"


def week_svg(f: CalendarFrames, title: str = "", height: int = 420, font_px: int = 16) -> str:
    """A week calendar (``calendar_frames``) as plain inline SVG, in one HTML block.

    The days run across in percentages of the width and the hours down in pixels, so the
    picture fills any width with its text at ``font_px`` (no canvas, nothing laid out or painted
    again by the page's scripts when it changes). Each block carries its words as a tooltip
    (``<title>``); the block labels are clipped to their block and left out on a phone (the
    list in words beside the calendar says the same). All text from data is escaped.
    """
    top, bottom = font_px + 14, font_px // 2 + 2
    # the hours' column as wide as its longest label ("10 p. m."), about 0.6 em a character
    axis_w = max((len(c) for _, c in f.yticks), default=4) * font_px * 0.6 + 12
    span = max(f.hi - f.lo, 1)
    per_hour = (height - top - bottom) / span

    def y(hour: float) -> float:
        return top + (float(hour) - f.lo) * per_hour

    def pct(x: float) -> str:
        return f"{(float(x) + 0.5) / 7 * 100:.3f}%"

    def width(x0: float, x1: float) -> str:
        return f"{(float(x1) - float(x0)) / 7 * 100:.3f}%"

    def rects(df, tips, fills, extra: str = "") -> list[str]:
        return [f'<rect x="{pct(r.x0)}" width="{width(r.x0, r.x1)}" '
                f'y="{y(r.y0):.1f}" height="{max(y(r.y1) - y(r.y0), 1):.1f}" '
                f'fill="{fill}"{extra}><title>{escape_text(tip)}</title></rect>'
                for r, tip, fill in zip(df.itertuples(index=False), tips, fills, strict=True)]

    def meeting_tips(df) -> list[str]:
        return [f"{t} {w}" for t, w in zip(df["title"], df["when"], strict=True)]

    hours = [h for h, _ in f.yticks]
    axis = [f'<text x="{axis_w - 6:.0f}" y="{y(h) + font_px * 0.35:.1f}" '
            f'text-anchor="end">{escape_text(clock)}</text>' for h, clock in f.yticks]
    grid = [f'<line x1="0" x2="100%" y1="{y(h):.1f}" y2="{y(h):.1f}" stroke="#e5e5e5"/>'
            for h in hours]
    days = [f'<text x="{pct(x)}" y="{font_px + 2}" text-anchor="middle">'
            f"{escape_text(day)}</text>" for x, day in f.xticks]
    body = [*grid, *days,
            *rects(f.free, f.free["label"], ["#e3f4e1"] * len(f.free)),
            *rects(f.busy, f.busy["label"], ["#d9d9d9"] * len(f.busy)),
            *rects(f.trips, f.trips["what"], ["#9e9e9e"] * len(f.trips)),
            *rects(f.meetings, meeting_tips(f.meetings), f.meetings["color"],
                   ' fill-opacity="0.9" stroke="#fff"'),
            *rects(f.hot, meeting_tips(f.hot), ["none"] * len(f.hot),
                   ' stroke="#C00000" stroke-width="3" stroke-dasharray="6 4"')]
    for r, (_, m) in zip(f.labels.itertuples(index=False), f.meetings.iterrows(), strict=True):
        h = max(y(m["y1"]) - y(m["y0"]), 1)
        body.append(f'<svg class="wb-cal-label" x="{pct(m["x0"])}" y="{y(m["y0"]):.1f}" '
                    f'width="{width(m["x0"], m["x1"])}" height="{h:.1f}" aria-hidden="true">'
                    f'<text x="4" y="50%" dominant-baseline="middle" '
                    f'fill="{_text_colour(m["color"])}">{escape_text(r.text)}</text></svg>')
    name = escape_text(title)
    return (f'<figure class="wb-week" style="margin:0;font-size:{font_px}px">'
            '<style>@media (max-width:700px){.wb-cal-label{display:none}}</style>'
            f'<figcaption style="font-weight:600;margin:0 0 .2rem 0">{name}</figcaption>'
            '<div style="display:flex;align-items:flex-start">'
            f'<svg width="{axis_w:.0f}" height="{height}" aria-hidden="true" '
            f'font-size="{font_px}" fill="#444" style="flex:none">{"".join(axis)}</svg>'
            f'<svg width="100%" height="{height}" role="img" aria-label="{attr(title)}" '
            f'font-size="{font_px}" style="flex:1 1 auto;min-width:0;display:block">'
            f'{"".join(body)}</svg></div></figure>')


class WeekCalendar:
    """The week calendar of a step: ``update`` takes what ``week_calendar`` takes and keeps
    ``frames`` (what it draws) and ``svg`` (``week_svg``: the picture, for one HTML pane whose
    text is replaced). Plain SVG instead of a Bokeh figure: in the browser a figure was laid
    out and repainted again on every change anywhere in its step (most of a click's time on
    the Plans and Week steps), and it cost some 30 models per session."""

    def __init__(self, height: int = 420, font_size: str = "16px"):
        self.height = height
        self.font_px = int(float(str(font_size).removesuffix("px")))
        self.frames: CalendarFrames | None = None
        self.svg = ""

    def update(self, meetings: pd.DataFrame, trips: pd.DataFrame | None = None,
               free: pd.DataFrame | None = None, busy: pd.DataFrame | None = None,
               title: str = "", highlight=(), words: Words = ENGLISH) -> str:
        self.frames = calendar_frames(meetings, trips, free, busy, highlight, words)
        self.svg = week_svg(self.frames, title, self.height, self.font_px)
        return self.svg


def _short(text: str, n: int = 16) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def short_plan_label(name: str) -> str:
    """"Plan A: CTE + library robotics" -> "Plan A" so axis labels stay readable."""
    head = str(name).split(":", 1)[0].strip()
    return head if len(head) <= 18 else head[:17] + "…"


def plan_labels(names) -> dict[str, str]:
    """Short, still unique axis labels for plan names."""
    names = list(dict.fromkeys(names))
    short = {n: short_plan_label(n) for n in names}
    if len(set(short.values())) < len(names):
        short = {n: _short(str(n), 28) for n in names}
    return short


def goal_bars(table: pd.DataFrame, height: int = 260, words: Words = ENGLISH) -> hv.Bars:
    """Chance of reaching each goal by its date, grouped by goal, one bar per plan."""
    cols = [c for c in table.columns if c.startswith("goal: ")]
    long = table.melt(id_vars=["plan_name"], value_vars=cols, var_name="goal",
                      value_name="chance") if cols else pd.DataFrame(
        columns=["plan_name", "goal", "chance"])
    long["goal"] = long["goal"].str.removeprefix("goal: ").map(lambda g: _short(g, 30))
    long["plan_name"] = long["plan_name"].map(plan_labels(table["plan_name"]))
    long["chance"] = (long["chance"].astype(float) * 100).round(0)
    chance = hv.Dimension("chance", label=words.gettext("Chance (%)"))
    dims = [hv.Dimension("goal", label=words.gettext("Goal")),
            hv.Dimension("plan_name", label=words.gettext("Plan"))]
    return hv.Bars(long, dims, chance).opts(
        responsive=True, height=height, ylim=(0, 100), xlabel="",
        color="plan_name", cmap=PALETTE, tools=["hover"], toolbar=None, xrotation=0,
        multi_level=True, show_legend=False)


def heatmap(heat: pd.DataFrame, height: int = 420, words: Words = ENGLISH) -> hv.HeatMap:
    """Chance of Proficient by the end of the year: competency x plan."""
    h = heat.copy()
    h["chance"] = (h["p_proficient_end"].astype(float) * 100).round(0)
    h["competency"] = h["name"].map(lambda s: _short(str(s), 34))
    h["plan_name"] = h["plan_name"].map(plan_labels(h["plan_name"]))
    dims = [hv.Dimension("plan_name", label=words.gettext("Plan")),
            hv.Dimension("competency", label=words.gettext("Competency"))]
    chance = hv.Dimension("chance", label=words.gettext("Chance of {level} (%)").format(
        level=words.level(3)))
    return hv.HeatMap(h, dims, [chance]).opts(
        cmap="Blues", clim=(0, 100), colorbar=True, responsive=True, height=height,
        tools=["hover"], xlabel="", ylabel="", toolbar=None, xrotation=0)


def trajectory_svgs(traj: pd.DataFrame, competency_ids: list[str],
                    goals: pd.DataFrame | None = None, width: int = 520,
                    height: int = 230, words: Words = ENGLISH) -> str:
    """Projected level over the year with an 80% band: one picture per competency, one colour
    per plan, a star at each goal. ``traj`` is the comparison's long table (plan_name, week,
    competency_id, name, expected, lo, hi).

    Plain inline SVG, in one HTML block: it draws the same on every screen and in print, and
    carries a text description for screen readers (interactive HoloViews figures opened after
    the page had loaded drew at zero size in the served app). All text from data is escaped.
    """
    if traj.empty:
        return ""
    plans = list(dict.fromkeys(traj["plan_name"]))
    start = pd.Timestamp(traj["week"].min())
    end = pd.Timestamp(traj["week"].max())
    span = max((end - start) / pd.Timedelta(days=1), 1.0)
    # text at 16 px, readable on a phone (the picture is drawn at the width it is shown at)
    left, right, top, bottom = 112, 12, 40, 34
    w, h = width - left - right, height - top - bottom

    def x(when) -> float:
        return left + w * ((pd.Timestamp(when) - start) / pd.Timedelta(days=1)) / span

    def y(level) -> float:
        return top + h * (1 - float(level) / 4)

    def points(weeks: pd.Series, levels: pd.Series) -> list[str]:
        # x() and y() over a whole line at once (the same arithmetic in the same order)
        xs = left + w * ((weeks - start) / pd.Timedelta(days=1)).to_numpy(float) / span
        ys = top + h * (1 - levels.to_numpy(float) / 4)
        return [f"{a:.1f},{b:.1f}" for a, b in zip(xs.tolist(), ys.tolist(), strict=True)]

    months = pd.date_range(start.to_period("M").to_timestamp() + pd.offsets.MonthBegin(1), end,
                           freq="MS")
    _ = words.gettext
    out = []
    for cid in competency_ids:
        sub = traj[traj["competency_id"] == cid]
        if sub.empty:
            continue
        name = str(sub["name"].iloc[0])
        heading = _("{competency}: projected level over the year").format(competency=name)
        parts = [f'<svg role="img" width="{width}" height="{height}" '
                 f'viewBox="0 0 {width} {height}" style="max-width:100%;height:auto">'
                 f"<title>{escape_text(heading)}</title>"
                 f'<text x="4" y="18" font-size="16" font-weight="600">'
                 f"{escape_text(_short(name, 40))}</text>"]
        for level, word in enumerate(words.levels()):
            parts.append(f'<line x1="{left}" x2="{left + w}" y1="{y(level):.1f}" '
                         f'y2="{y(level):.1f}" stroke="#e5e5e5"/>'
                         f'<text x="{left - 6}" y="{y(level) + 5:.1f}" font-size="16" '
                         f'text-anchor="end" fill="#444">{escape_text(word)}</text>')
        # as many month names as fit without touching at 16 px, January (with its year) one
        every = max(1, int(np.ceil(len(months) * 52 / max(w, 1))))
        january = next((i for i, m in enumerate(months) if m.month == 1), 0)
        for m in months[january % every::every]:
            label = escape_text(words.month_short(m, year=m.month == 1))
            parts.append(f'<text x="{x(m):.1f}" y="{top + h + 22}" font-size="16" '
                         f'text-anchor="middle" fill="#444">{label}</text>')
        summary = []
        for i, plan in enumerate(plans):
            s = sub[sub["plan_name"] == plan].sort_values("week")
            if s.empty:
                continue
            c = PALETTE[i % len(PALETTE)]
            upper = " ".join(points(s["week"], s["hi"]))
            lower = " ".join(points(s["week"][::-1], s["lo"][::-1]))
            parts.append(f'<polygon points="{upper} {lower}" fill="{c}" fill-opacity="0.13"/>')
            line = " ".join(points(s["week"], s["expected"]))
            parts.append(f'<polyline points="{line}" fill="none" stroke="{c}" '
                         f'stroke-width="2.5"/>')
            summary.append(_("{plan}: about {level} by the end").format(
                plan=plan, level=words.level(s["expected"].iloc[-1])))
        if goals is not None and len(goals):
            for _i, row in goals[goals["competency_id"] == cid].iterrows():
                gx, gy = x(row["by"]), y(row["target_level"])
                goal = _("Goal: {level} by {date}").format(
                    level=words.level(row["target_level"]), date=words.date(row["by"]))
                parts.append(f'<polygon points="{gx:.1f},{gy - 8:.1f} {gx + 3:.1f},{gy - 2:.1f} '
                             f'{gx + 8:.1f},{gy - 2:.1f} {gx + 4:.1f},{gy + 2:.1f} '
                             f'{gx + 6:.1f},{gy + 8:.1f} {gx:.1f},{gy + 4:.1f} '
                             f'{gx - 6:.1f},{gy + 8:.1f} {gx - 4:.1f},{gy + 2:.1f} '
                             f'{gx - 8:.1f},{gy - 2:.1f} {gx - 3:.1f},{gy - 2:.1f}" '
                             f'fill="#D55E00"><title>{escape_text(goal)}</title></polygon>')
        parts.append(f"<desc>{escape_text('; '.join(summary))}</desc></svg>")
        out.append("".join(parts))
    keys = "".join(
        f'<span style="margin-right:1.2em"><span style="display:inline-block;width:1.4em;'
        f'height:.3em;vertical-align:middle;background:{PALETTE[i % len(PALETTE)]}"></span> '
        f"{escape_text(str(p))}</span>" for i, p in enumerate(plans))
    goal_word = escape_text(_("goal"))
    star = f'<span style="color:#D55E00">★</span> {goal_word}'
    shaded = escape_text(_("Shaded: where the learner will likely be (8 in 10 chances)."))
    return (f'<div style="font-size:1rem;margin-bottom:.4rem">{keys}{star}. {shaded}</div>'
            '<div style="display:flex;flex-wrap:wrap;gap:1rem">' + "".join(out) + "</div>")
