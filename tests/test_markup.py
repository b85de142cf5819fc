"""Text from data stays text: the escaping helper, the CSV formula guard, and every HTML the
app builds from a data directory whose every text field is hostile (no browser here; the
browser proof is ``tests/ui/test_hostile.py``)."""

from __future__ import annotations

import csv
import io

import holoviews as hv
import pandas as pd
import pytest

from tests.hostile import PAYLOADS, Hostile, injected_in_html, payload_text
from workbench import SAMPLE_DATA
from workbench.markup import attr, csv_cell, csv_frame, escape_text, literal_braces, write_csv

# ---- the helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(PAYLOADS))
def test_escaped_text_makes_no_element_and_reads_back_the_same(kind):
    text = PAYLOADS[kind].format(tag="t")
    html = f"<p>{escape_text(text)}</p><span title=\"{attr(text)}\">x</span>"
    assert not injected_in_html(html)
    assert "<" not in escape_text(text) and '"' not in attr(text)
    import html as stdlib

    assert stdlib.unescape(escape_text(text)) == text
    assert escape_text(None) == "" and escape_text(3) == "3"


@pytest.mark.parametrize(("cell", "safe"), [
    ("=1+1", "'=1+1"), ("+1+1", "'+1+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
    ("-12", "-12"), ("-3.5", "-3.5"), ("+7", "+7"), ("-1e-3", "-1e-3"), ("-.5", "-.5"),
    ("", ""), ("Algebra", "Algebra"), ("a=b", "a=b"), ("- bullet", "'- bullet"),
])
def test_csv_cells_that_start_a_formula_get_a_quote_numbers_do_not(cell, safe):
    assert csv_cell(cell) == safe


def test_csv_frame_keeps_numbers_numbers():
    df = pd.DataFrame({"title": ["=cmd|' /C calc'!A0", "Welding", "-x"], "cost": [-5.0, 0, 3],
                       "seats": [1, -2, 3], "lon": ["-90.47", "-90.5", "-1e2"],
                       "=odd name": ["@x", None, "ok"]})
    out = csv_frame(df)
    assert out["cost"].tolist() == [-5.0, 0, 3] and out["cost"].dtype == df["cost"].dtype
    assert out["seats"].tolist() == [1, -2, 3]
    assert out["title"].tolist() == ["'=cmd|' /C calc'!A0", "Welding", "'-x"]
    assert out["lon"].tolist() == ["-90.47", "-90.5", "-1e2"]
    assert list(out.columns)[-1] == "'=odd name" and out.iloc[0, -1] == "'@x"
    buf = io.StringIO()
    write_csv(df, buf)
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    assert rows[1][:2] == ["'=cmd|' /C calc'!A0", "-5.0"] and rows[0][0] == "title"


def test_format_option_text_is_shown_not_filled_in():
    from workbench.plots import week_calendar

    title = "{label} Plan {0} {x}"
    assert literal_braces(title).format() == title
    empty = pd.DataFrame(columns=["day", "start_min", "end_min", "title"])
    plot = hv.render(week_calendar(empty, title=title))  # a bare title= raised KeyError 'x'
    assert plot.title.text == title


# ---- every HTML the app builds, over a hostile data directory ----------------------------------


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    """The app (not served) on the sample data with payloads in every text field."""
    pytest.importorskip("panel")
    from workbench.app import create_app

    root = tmp_path_factory.mktemp("hostile-markup")
    h = Hostile()
    data = h.data_dir(SAMPLE_DATA, root / "data")
    app = create_app(data, root / "store.sqlite", learner_id="L-maya")
    s = app.state
    s.compare_ids = [p.plan_id for p in s.plans][:3]
    return app, h


def _panes(obj, seen=None):
    """Every pane and widget under a Viewer or layout (Viewers opened up)."""
    import panel as pn

    seen = seen if seen is not None else set()
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, pn.viewable.Viewer):
        yield from _panes(obj.__panel__(), seen)
        return
    yield obj
    for child in getattr(obj, "objects", None) or []:
        yield from _panes(child, seen)


def test_no_html_the_app_builds_from_hostile_data_makes_an_element(hostile_app):
    import panel as pn

    app, h = hostile_app
    s = app.state
    html_panes = []
    for step in (app, *app.steps.values()):
        html_panes += [p for p in _panes(step) if isinstance(p, pn.pane.HTML)]
    texts = [str(p.object or "") for p in html_panes]
    # the panes really carry the hostile text (escaped): names, titles, areas, plans
    shown = "".join(texts)
    assert shown.count("&lt;img src=x onerror=alert(") > 20
    for text in texts:
        # the import boxes' own <details> reports are ours; nothing else may be made
        assert not injected_in_html(text, allow={"details"}), text[:300]
    # the family summary as downloaded, and the comparison and trajectories of three plans
    from workbench.views.compare import comparison_html
    from workbench.views.plans import problems_html

    summary = app.steps["Share"].summary_html()
    assert summary and not injected_in_html(summary)
    assert "Content-Security-Policy" in summary  # the saved file may not run or fetch anything
    comp = s.comparison
    assert comp is not None
    assert not injected_in_html(comparison_html([s.ledgers[i] for i in comp.table["plan_id"]],
                                                s.plan_problems))
    from workbench.plots import trajectory_svgs

    svg = trajectory_svgs(comp.trajectories, [g.competency_id for g in s.learner.goals])
    assert "<svg" in svg and not injected_in_html(svg)
    assert not injected_in_html(problems_html(s.problems, s.catalogue))
    assert h.tried >= 6 * 20


def test_markdown_panes_carry_no_data(hostile_app):
    """Markdown turns ``[x](javascript:...)`` into a link: data goes only into HTML panes."""
    import panel as pn

    app, _ = hostile_app
    for step in (app, *app.steps.values()):
        for pane in _panes(step):
            if isinstance(pane, pn.pane.Markdown):
                assert "alert(" not in str(pane.object), pane.object


def test_no_table_writes_data_as_html(hostile_app):
    """Tabulator writes a group header (``Area: <value>``) and ``html`` formatter cells as HTML:
    a grouping column holds escaped text and stays hidden (a visible cell would show the
    escaping), and no column uses an ``html`` formatter."""
    import panel as pn

    app, _ = hostile_app
    tables = [p for step in (app, *app.steps.values()) for p in _panes(step)
              if isinstance(p, pn.widgets.Tabulator)]
    for table in tables:
        for col in table.groupby or []:
            assert col in table.hidden_columns, col
            values = set(table.value[col].astype(str))
            assert all("<" not in v and '"' not in v for v in values), col
        for col, fmt in (table.formatters or {}).items():
            kind = fmt.get("type") if isinstance(fmt, dict) else fmt
            assert kind != "html", col


def test_share_csv_neutralises_formulas_and_keeps_numbers(tmp_path):
    from workbench.app import create_app

    h = Hostile()
    data = h.data_dir(SAMPLE_DATA, tmp_path / "data")
    # titles start with a formula (FORMULA): a spreadsheet would run them
    app = create_app(data, tmp_path / "s.sqlite", learner_id="L-maya")
    share = app.steps["Share"]
    rows = list(csv.DictReader(io.StringIO(share._csv_file().getvalue().decode("utf-8"))))
    assert rows
    for row in rows:
        assert row["title"].startswith("'=HYPERLINK"), row["title"]
        assert row["provider_name"].startswith("'=HYPERLINK")
        float(row["cost"])  # still a number
        for value in row.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")) and not (
                value.startswith("-") and not _number(value)), value
    assert payload_text("opportunities.title") in rows[0]["title"]


def test_roster_csv_written_by_the_cli_has_no_formula_cells(tmp_path, capsys, monkeypatch):
    import workbench.district
    from workbench.cli import main

    real = workbench.district.generate_roster_frame

    def with_formulas(*args, **kwargs):
        roster = real(*args, **kwargs)
        roster["strengths"] = "=HYPERLINK(\"https://example.invalid\") kind"
        roster["interests"] = "@SUM(1)"
        return roster

    monkeypatch.setattr(workbench.district, "generate_roster_frame", with_formulas)
    roster = tmp_path / "roster.csv"
    assert main(["batch", "--generate", "30", "--roster", str(roster)]) == 0
    frame = pd.read_csv(roster, dtype=str, keep_default_na=False)
    assert len(frame) > 30
    assert (frame["strengths"] == "'=HYPERLINK(\"https://example.invalid\") kind").all()
    assert (frame["interests"] == "'@SUM(1)").all()
    for cell in frame.to_numpy().ravel():
        assert not cell.startswith(("=", "+", "@", "\t", "\r")) and not (
            cell.startswith("-") and not _number(cell)), cell
    assert pd.read_csv(roster)["budget"].dtype.kind == "f"  # numbers stay numbers


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
