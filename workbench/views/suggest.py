"""The Plans step's "Suggest plans": the solver's best mixes for the learner's goals, as drafts.

One button asks ``state.work_out_suggestions`` (the solver, about a second) off the page's event
loop, so the page stays usable and shows that it is working; the drafts then come back through
``state.show_suggestions``. Each suggestion says why in plain words, how sure the search is
("proven best" or its gap), and has a "Keep as Plan D" button (``state.keep_suggestion``). Goals
no suggestion makes likely get what stands in the way and the smallest changes found. A small
table sets the drafts beside the saved plans (goals, cost, hours), without saving them.
"""

from __future__ import annotations

import asyncio

import panel as pn
import param

from ..domain.suggest import LIKELY
from ..markup import attr, escape_text
from ..state import MAX_PLANS
from .opportunities import CONTROL_CSS
from .widgets import ClickableTable, StepView, held

SUGGEST_CSS = """
:host{display:block;width:100%;font-size:16px;line-height:1.4}
.wb-suggestion{border:1px solid #c9d3dd;border-radius:6px;padding:.6rem .8rem;margin:.6rem 0;
overflow-wrap:anywhere}
.wb-suggestion h4{margin:.1rem 0 .3rem 0;font-size:1.1rem}
.wb-suggestion ul{margin:.3rem 0 .3rem 1.2rem;padding:0}
.wb-proven{color:#0b6b3a;font-weight:700}
.wb-obstacles{background:#fff4e5;border-left:5px solid #b54708;padding:.6rem .8rem;
border-radius:4px;margin:.6rem 0}
.wb-obstacles ul{margin:.3rem 0 0 1.2rem;padding:0}
.wb-change{color:#0b4f8a}
table.wb-side{border-collapse:collapse;width:100%;font-size:16px}
.wb-side caption{caption-side:top;text-align:left;font-weight:700;padding:.2rem 0}
.wb-side th,.wb-side td{padding:.25rem .45rem;text-align:left;border-bottom:1px solid #e1e4e8}
.wb-side tr.wb-draft{background:#f3f7fb}
.wb-scroll{overflow-x:auto;max-width:100%}
button{font:inherit;min-height:44px;padding:.35rem .8rem;border-radius:6px;cursor:pointer;
white-space:normal;max-width:100%;background:#0b4f8a;color:#fff;border:1px solid #0b4f8a}
button:disabled{background:#6c757d;border-color:#6c757d;cursor:not-allowed}
button:focus-visible{outline:3px solid #f0b400;outline-offset:2px}
"""


class SuggestPlans(StepView):
    """ "Suggest plans": the solver's drafts for the current learner, each with why, how sure,
    and "Keep as Plan D"; obstacles for goals out of reach."""

    working = param.Boolean(default=False, doc="The solver is running for this view.")

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        _ = s.gettext
        self.button = pn.widgets.Button(name=_("Suggest plans"), button_type="primary",
                                        stylesheets=[CONTROL_CSS])
        self.button.on_click(self._clicked)
        self.progress = pn.indicators.LoadingSpinner(value=False, visible=False, size=36,
                                                     name=_("Working out the best plans"))
        self.working_words = pn.pane.HTML('<div role="status" aria-live="polite"></div>',
                                          sizing_mode="stretch_width",
                                          stylesheets=[":host{font-size:16px}"])
        self.results = ClickableTable(on_pick=held(self._picked), sizing_mode="stretch_width",
                                      stylesheets=[SUGGEST_CSS])
        intro = pn.pane.HTML(
            "<h3>" + escape_text(_("Suggested plans")) + "</h3><p>" + escape_text(_(
                "Let the workbench find the mixes that give the best chance of the learner's "
                "goals within their week, travel, budget and needs. It keeps what is in this "
                "plan and takes about a second.")) + "</p>",
            sizing_mode="stretch_width", stylesheets=[":host{font-size:16px}"])
        self._layout = pn.Column(
            intro, pn.Row(self.button, self.progress, self.working_words, align="center",
                          sizing_mode="stretch_width"),
            self.results, sizing_mode="stretch_width")
        # the step around this view releases what its layout holds: let it find this view
        self._layout._wb_view = self
        self.param.watch(self._show_working, "working")
        # one bound-method watcher (not widgets.watch_when_shown): the Plans step's release()
        # finds it through self._layout._wb_view and takes it off the state with its own
        self._dirty = False
        s.param.watch(self._on_state, ["suggested", "suggestions", "suggestion_ledgers",
                                       "plans", "ledgers", "step"])
        self._sync()

    # ---- actions ---------------------------------------------------------------------------
    async def _clicked(self, _event=None) -> None:
        """Run the solver off the event loop: the page keeps answering and shows it is busy."""
        if self.working:
            return
        self.working = True
        try:
            await asyncio.sleep(0)  # let the busy indicator reach the page first
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(None, self.state.work_out_suggestions)
            with pn.io.hold():
                self.state.show_suggestions(result)
        except Exception as exc:  # the solver failed: say so, change nothing
            self.state.error = self.state.gettext(
                "Could not work out suggestions: {problem}").format(problem=exc)
        finally:
            self.working = False

    def run(self) -> None:
        """Suggest now, in this thread (a notebook cell, a test)."""
        self.working = True
        try:
            self.state.suggest()
        finally:
            self.working = False

    def _picked(self, pick: str) -> None:
        action, _, index = pick.partition(":")
        if action == "keep" and index.isdigit():
            self.state.keep_suggestion(int(index))

    def _show_working(self, event) -> None:
        _ = self.state.gettext
        self.button.disabled = bool(event.new)
        self.progress.visible = self.progress.value = bool(event.new)
        text = _("Working out the best plans…") if event.new else ""
        self.working_words.object = (f'<div role="status" aria-live="polite">'
                                     f"{escape_text(text)}</div>")

    # ---- what the view shows ---------------------------------------------------------------
    def _on_state(self, *events) -> None:
        # the served app (lazy) draws only while the Plans step is on screen, and catches up
        # when it is shown again
        if self.lazy and self.state.step != "Plans":
            self._dirty = self._dirty or any(e.name != "step" for e in events)
            return
        if self._dirty or any(e.name != "step" for e in events):
            self._dirty = False
            self._sync()

    def _sync(self, *_events) -> None:
        self.results.html = self.results_html()

    def results_html(self) -> str:
        """The suggestions, what stands in the way, and the drafts beside the saved plans."""
        s = self.state
        _ = s.gettext
        result = s.suggested
        if result is None:
            return ""
        parts = []
        full = len(s.plans) >= MAX_PLANS
        keep_as = s.next_plan_name()
        for note in result.notes:
            parts.append(f"<p>{escape_text(note)}</p>")
        if not result.plans:
            parts.append("<p><b>" + escape_text(_(
                "No plan to suggest: nothing in the catalogue that fits would help a goal."))
                + "</b></p>")
        proven_words = escape_text(_("Proven best."))
        why_head = escape_text(_("Why these pieces:"))
        goals_head = escape_text(_("Goals with this plan:"))
        for i, (draft, plan) in enumerate(zip(s.suggestions, result.plans, strict=False)):
            sure = f'<span class="wb-proven">{proven_words}</span> ' if plan.proven else ""
            why = "".join(f"<li>{escape_text(line)}</li>" for line in plan.why)
            goals = "".join(f"<li>{escape_text(g['message'])}</li>" for g in plan.goals)
            label = _("Keep as {plan}").format(plan=keep_as)
            disabled = ' disabled aria-disabled="true"' if full else ""
            parts.append(
                f'<section class="wb-suggestion" aria-label="{attr(draft.name)}">'
                f"<h4>{escape_text(draft.name)}</h4><p>{sure}{escape_text(plan.summary)}</p>"
                f"<p><b>{why_head}</b></p><ul>{why}</ul>"
                f"<p><b>{goals_head}</b></p><ul>{goals}</ul>"
                f'<button type="button" data-pick="keep:{i}"{disabled}>{escape_text(label)}'
                "</button></section>")
        if full and result.plans:
            parts.append("<p>" + escape_text(_(
                "A learner can have at most {n} plans. Delete one first.").format(n=MAX_PLANS))
                + "</p>")
        if result.status == "time_limit":
            parts.append("<p>" + escape_text(_(
                "The search stopped at its time limit before it could prove these are the "
                "best.")) + "</p>")
        if result.obstacles:
            items = []
            for ob in result.obstacles:
                changes = "".join(f'<li class="wb-change">{escape_text(c.message)}</li>'
                                  for c in ob.changes)
                items.append(f"<li>{escape_text(ob.message)}"
                             + (f"<ul>{changes}</ul>" if changes else "") + "</li>")
            head = escape_text(_("What stands in the way"))
            parts.append(f'<div class="wb-obstacles"><b>{head}</b><ul>{"".join(items)}</ul>'
                         "</div>")
        parts.append(self.side_by_side_html())
        return "".join(parts)

    def side_by_side_rows(self) -> list[dict]:
        """One row of words per saved plan and per draft: goals, cost and hours a week."""
        s = self.state
        w, _ = s.format, s.gettext
        rows = []
        for plan, ledger, draft in [*((p, s.ledgers.get(p.plan_id), False) for p in s.plans),
                                    *((d, s.suggestion_ledgers.get(d.plan_id), True)
                                      for d in s.suggestions)]:
            if ledger is None:
                continue
            goals = ledger.get("goals", [])
            # reached already, or a chance of at least 50% (as "Plans at a glance" counts)
            likely = sum(1 for g in goals if int(g["current_level"]) >= int(g["target_level"])
                         or float(g["probability"]) >= LIKELY)
            total = len(goals)
            expected = sum(float(g["probability"]) for g in goals)
            rows.append({"name": plan.name, "draft": draft,
                         "goals": s.ngettext("{likely} of {n} goal likely",
                                             "{likely} of {n} goals likely", total).format(
                             likely=w.integer(likely), n=w.integer(total)) if total
                         else _("No goals yet"),
                         "expected": w.number(expected, 2),
                         "cost": w.money(ledger["cost"]),
                         "week": w.hours(ledger["hours_per_week"])})
        return rows

    def side_by_side_html(self) -> str:
        _ = self.state.gettext
        rows = self.side_by_side_rows()
        if not any(r["draft"] for r in rows):
            return ""
        heads = (_("Plan"), _("Goals"), _("Goals expected"), _("Cost"), _("Learning a week"))
        draft_row = ' class="wb-draft"'
        not_saved = " (" + escape_text(_("not saved")) + ")"
        body = "".join(
            f'<tr{draft_row if r["draft"] else ""}><th scope="row">'
            f"{escape_text(r['name'])}"
            + (not_saved if r["draft"] else "") + "</th>"
            + "".join(f"<td>{escape_text(r[k])}</td>" for k in ("goals", "expected", "cost",
                                                                 "week"))
            + "</tr>" for r in rows)
        head = "".join(f'<th scope="col">{escape_text(h)}</th>' for h in heads)
        caption = escape_text(_("Suggestions beside your plans"))
        return (f'<div class="wb-scroll"><table class="wb-side"><caption>{caption}'
                f"</caption><thead><tr>{head}"
                f"</tr></thead><tbody>{body}</tbody></table></div>")
