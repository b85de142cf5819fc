"""One planning session's state: the learner, their plans, and everything derived from them.

Plain ``param`` (no Panel), so the same object drives the served app, notebook cells and tests.
User actions are methods; every change is saved to the local store at once, and derived results
(problems, catalogue fit, projections) are recomputed by one watcher; the comparison of the
ticked plans is worked out when asked for.

Each save is based on the version of the learner or plan this session read. When another window
or program changed it meanwhile, the store merges the two edits or refuses this one (see
``workbench.store``); either way the session then shows the store's version and says what
happened in ``notice`` (and ``status`` or ``error``). A save that fails (a busy or full disk)
leaves the saved value on screen.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import time
from typing import NamedTuple

import pandas as pd
import param

from .domain.arrays import EngineCache
from .domain.dataset import Catalogue, Dataset, Learner, Plan, TimeBlock
from .domain.explain import GoalExplanation, explain_goals
from .domain.feasibility import Problem, catalogue_fit, check_plan
from .domain.ledger import Comparison, compare_plans, plan_ledger
from .domain.projection import DEFAULT_PARAMETERS, ModelParameters, Projection, project
from .domain.schedule import day_trips, plan_meetings
from .domain.terms import Term, plan_terms
from .domain.words import N_
from .formats.report import ImportFailed
from .i18n import Translator, available_languages, language_for, text_of
from .imports import (
    Import,
    PartialRead,
    catalogue_dir_name,
    import_folder,
    read_calendar,
    read_catalogue,
    read_credentials,
)
from .store import NotFoundError, SaveRefused, Store, Stored, StoreError

MAX_PLANS = 5
#: The steps, by their English names (marked for the catalogue: a view shows
#: ``state.gettext(step)``).
STEPS = (N_("Learner"), N_("Week"), N_("Opportunities"), N_("Plans"), N_("Compare"),
         N_("Share"))


class PlanWeek(NamedTuple):
    """A typical week of a plan: what the weekly calendar draws."""

    meetings: pd.DataFrame
    trips: pd.DataFrame
    free: pd.DataFrame
    busy: pd.DataFrame


class _ImportSaveFailed(Exception):
    """An import's save was refused or failed; ``PlanningSession.error`` says why."""


class PlanningSession(param.Parameterized):
    """A learner advocate and a family, stepping through one learner's plans."""

    step = param.Selector(default=STEPS[0], objects=list(STEPS), doc="The step on screen.")

    learner_id = param.Selector(default=None, objects=[], allow_None=True,
                                doc="The learner being planned for.")
    learner = param.ClassSelector(class_=Learner, default=None, allow_None=True,
                                  doc="The current learner (a copy; change it through methods).")
    plans = param.List(default=[], item_type=Plan, doc="This learner's plans, in creation order.")
    plan_id = param.Selector(default=None, objects=[], allow_None=True,
                             doc="The plan being edited.")
    compare_ids = param.List(default=[], item_type=str,
                             doc="Plans shown side by side on the Compare step.")
    model_parameters = param.ClassSelector(class_=ModelParameters, default=DEFAULT_PARAMETERS,
                                           doc="Projection model parameters.")

    problems = param.List(default=[], item_type=Problem, constant=True,
                          doc="What would break the current plan (derived).")
    fit = param.DataFrame(default=None, allow_None=True, constant=True,
                          doc="For every catalogue section: would it still fit the plan? (derived)")
    projections = param.Dict(default={}, constant=True,
                             doc="plan_id -> Projection for every plan of the learner (derived).")
    ledgers = param.Dict(default={}, constant=True,
                         doc="plan_id -> credit ledger dict for every plan (derived).")
    plan_problems = param.Dict(default={}, constant=True,
                               doc="plan_id -> problems for every plan of the learner (derived).")
    comparison_version = param.Integer(
        default=0, constant=True, doc="Counts the recomputes, each of which may change "
        "``comparison`` (watch this: ``comparison`` is worked out only when asked for).")
    recompute_ms = param.Number(default=0.0, constant=True,
                                doc="How long the last recompute took, in milliseconds.")

    busy = param.Boolean(default=False, doc="True while something slow is running.")
    status = param.String(default="", doc="The last thing that happened, in plain words.")
    error = param.String(default="", doc="The last thing that went wrong, in plain words.")
    language = param.Selector(
        default="en", objects=list(available_languages()),
        doc="The language the session is shown in (a catalogue under workbench/locale). It "
            "follows the learner's family language when the learner or that field changes; a "
            "switch on the page may set it at any time.")
    deleted_plan = param.String(default="", constant=True, doc="The name of the plan deleted "
                                "last, which undo_delete_plan() brings back; empty when none.")
    notice = param.String(default="", doc="What another window or program changed that this "
                          "session's last save met (merged, refused or deleted), in plain words; "
                          "empty when it met nothing.")

    def __init__(self, dataset: Dataset, store: Store, **params):
        self._dataset = dataset
        self._store = store
        self._projection_cache: dict[tuple, tuple[Projection, dict]] = {}
        self._problems_cache: dict[tuple, list[Problem]] = {}
        # what the engine keeps about this session's learner between edits: this session's own
        self._engine_cache = EngineCache()
        self._learner_key: tuple = (None, "")
        # this session's own translator (never gettext.install: that would be process-wide)
        self._translator = Translator("en")
        self._family_language: tuple | None = None
        # the versions this session's edits are based on (see workbench.store)
        self._learner_base: Stored | None = None
        self._plan_bases: dict[str, Stored] = {}
        # the plan deleted last (and the empty plan started in its place), for undo
        self._deleted: tuple[Plan, str | None] | None = None
        self._explained: dict[tuple, list] = {}
        # the plans in compare_ids side by side, worked out the first time they are asked for
        # after a recompute (only the Compare step and notebooks ask): (learner, plans,
        # projections) of that recompute, or its comparison once made
        self._comparison_due: tuple | None = None
        self._comparison: Comparison | None = None
        self._said: tuple | None = None  # the status as said: (text, message, values)
        super().__init__(**params)
        self._refresh_learner_list()
        if self.learner_id is None and self.param.learner_id.objects:
            self.learner_id = self.param.learner_id.objects[0]
        elif self.learner_id is not None:
            self._on_learner_id()

    # ---- read-only views of the data -------------------------------------------------------
    @property
    def catalogue(self) -> Catalogue:
        return self._dataset.catalogue

    @property
    def data_root(self):
        """The data directory the catalogue came from (None for an in-memory dataset)."""
        return self._dataset.root

    @property
    def store(self) -> Store:
        return self._store

    @property
    def plan(self) -> Plan | None:
        return next((p for p in self.plans if p.plan_id == self.plan_id), None)

    def plan_choices(self) -> dict[str, str]:
        """Plan name -> id for pickers, in creation order."""
        return {p.name: p.plan_id for p in self.plans}

    def learner_names(self) -> dict[str, str]:
        """Learner name -> id for a picker."""
        from .domain.summary import grade_heading

        return {self.gettext("{name} ({grade})").format(
            name=lr.name, grade=grade_heading(self.format, lr.grade)): lr.learner_id
            for lr in self._store.learners()}

    def use_dataset(self, dataset: Dataset, status: str = "") -> None:
        """Switch to another catalogue (e.g. one with an imported provider catalogue).

        Learners and plans stay in the store; plan sections the new catalogue lacks are
        reported by the feasibility check rather than dropped.
        """
        self._dataset = dataset
        self._projection_cache.clear()
        self._problems_cache.clear()
        self._explained.clear()
        self.param.trigger("learner")
        self.param.update(status=status or self.gettext("Catalogue updated."), error="")

    # ---- learner ---------------------------------------------------------------------------
    def _refresh_learner_list(self):
        ids = [lr.learner_id for lr in self._store.learners()]
        self.param.learner_id.objects = ids

    @param.depends("learner_id", watch=True)
    def _on_learner_id(self):
        if self.learner_id is None:
            self._learner_base, self._plan_bases = None, {}
            self.param.update(learner=None, plans=[], plan_id=None, compare_ids=[])
            return
        try:
            stored = self._store.read_learner(self.learner_id)
            plans = self._store.read_plans(self.learner_id)
        except NotFoundError:
            self._learner_gone(self.gettext(
                "That learner was deleted in another window or program."))
            return
        except StoreError as exc:
            self.error = self.said(exc)
            return
        learner = stored.record
        self._learner_base = stored
        self._plan_bases = {s.record.plan_id: s for s in plans}
        ids = [s.record.plan_id for s in plans]
        self.param.plan_id.objects = ids
        self.param.update(
            learner=learner, plans=[s.record for s in plans], plan_id=ids[0] if ids else None,
            compare_ids=ids[:MAX_PLANS], error="", notice="",
        )
        # said after the session took up the learner's family language
        self._say("Planning with {name}", name=learner.name)

    def _say(self, message: str, **values) -> None:
        """Set ``status`` to ``message`` in the session's language; said again in a new
        language while it is still the status (a page opened in Spanish from its address
        switches after the learner is chosen)."""
        self.status = text = self.gettext(message).format(**values)
        self._said = (text, message, values)

    @param.depends("language", watch=True)
    def _say_again(self) -> None:
        said = self._said
        if said is not None and said[0] == self.status:
            self._say(said[1], **said[2])

    def refresh(self) -> None:
        """Read the learner and their plans again: what other windows or programs saved."""
        self._refresh_learner_list()
        if self.learner_id is None:
            return
        try:
            stored = self._store.read_learner(self.learner_id)
            plans = self._store.read_plans(self.learner_id)
        except NotFoundError:
            self._learner_gone(self.gettext(
                "That learner was deleted in another window or program."))
            return
        except StoreError as exc:
            self.error = self.said(exc)
            return
        if self._learner_base is None or stored.version != self._learner_base.version:
            self.learner = stored.record
        self._learner_base = stored
        self._plan_bases = {s.record.plan_id: s for s in plans}
        ids = [s.record.plan_id for s in plans]
        self._set_plans([s.record for s in plans],
                        self.plan_id if self.plan_id in ids else (ids[0] if ids else None),
                        self.status)

    def _learner_gone(self, message: str) -> None:
        """The learner was deleted elsewhere: drop them and move to another one, and say so."""
        self._learner_base, self._plan_bases = None, {}
        self._refresh_learner_list()
        ids = self.param.learner_id.objects
        following = ids[0] if ids else None
        if following == self.learner_id:  # pragma: no cover - the deleted id is not listed
            following = None
        self.learner_id = following
        self.param.update(error=message, notice=message)

    def update_learner(self, **changes) -> None:
        """Change fields of the current learner and save at once (e.g. ``budget=150``)."""
        if self.learner is None:
            return
        learner = dataclasses.replace(copy.deepcopy(self.learner), **changes)
        self._save_learner(learner)

    def _save_learner(self, learner: Learner) -> bool:
        """Save the learner based on the version this session read; say what met it."""
        try:
            saved = self._store.save_learner(learner, base=self._learner_base)
        except SaveRefused as refused:
            if refused.reason == "deleted":
                self._learner_gone(self.said(refused))
                return False
            # both edits changed the same field: the store's version stands and is shown
            self._learner_base = refused.current
            self.param.update(learner=refused.current.record, error=self.said(refused),
                              notice=self.said(refused))
            return False
        except StoreError as exc:  # busy, full or damaged: the store keeps the previous version
            self.param.update(error=self.said(exc), notice="")
            self.param.trigger("learner")  # widgets go back to the saved value
            return False
        self._learner_base = saved.stored
        self.param.update(learner=saved.stored.record,
                          status=saved.text(self.format) or self.gettext("Saved."),
                          error="", notice=saved.text(self.format))
        return True

    def create_learner(self, name: str, grade: int, home_zone: str | None = None, *,
                       transport: list[str] | None = None, budget: float | None = None,
                       max_hours_per_week: float | None = None) -> Learner | None:
        """Create a new learner, save, and switch to them.

        Where they live, how they get around, their budget and their hours a week are asked,
        never guessed: every trip time, cost check and hours check depends on them. Raises
        ``ValueError`` (in the session's language, naming what is missing) when one is not
        given. Returns None (and sets ``error``) when the store could not save them.
        """
        _ = self.gettext
        name = name.strip()
        missing = [what for what, value in (
            (_("a name"), name), (_("where they live"), home_zone),
            (_("how they get around"), transport), (_("a budget (0 is fine)"), budget),
            (_("the most hours a week"), max_hours_per_week)) if value in (None, "", [])]
        if missing:
            raise ValueError(_("To add a learner, please give {missing}.").format(
                missing=self.format.join(missing)))
        if home_zone not in self.catalogue.zones or home_zone == "online":
            raise ValueError(_("There is no area called {zone} here.").format(zone=home_zone))
        try:
            learner = Learner(
                learner_id=self._store.new_id("L"), name=name, grade=int(grade),
                home_zone=home_zone, transport=list(transport), max_travel_minutes=30,
                home_broadband=True, device="own", budget=float(budget),
                max_hours_per_week=float(max_hours_per_week),
            )
            learner.availability = [TimeBlock(("Mon", "Tue", "Wed", "Thu", "Fri"), 15 * 60,
                                              19 * 60)]
            plan = Plan(self._store.new_id("P"), learner.learner_id, "Plan A", [])
            # the learner and their first plan in one transaction: both, or neither
            self._store.save_many(learners=[learner], plans=[plan])
        except StoreError as exc:
            self.param.update(error=self.said(exc), notice="")
            return None
        self._refresh_learner_list()
        self.learner_id = learner.learner_id
        return learner

    def delete_learner(self, learner_id: str | None = None) -> bool:
        """Delete a learner and their plans (the store keeps them in its history).

        A window or program still showing them cannot bring them back by saving.
        """
        learner_id = learner_id or self.learner_id
        if learner_id is None:
            return False
        name = self.learner.name if self.learner and learner_id == self.learner_id else learner_id
        try:
            self._store.delete_learner(learner_id)
        except StoreError as exc:
            self.param.update(error=self.said(exc), notice="")
            return False
        self._refresh_learner_list()
        if learner_id == self.learner_id:
            ids = self.param.learner_id.objects
            self.learner_id = ids[0] if ids else None
        self.param.update(status=self.gettext("Deleted {name}.").format(name=name), error="")
        return True

    # ---- plans -----------------------------------------------------------------------------
    def _set_plans(self, plans: list[Plan], plan_id: str | None, status: str) -> None:
        ids = [p.plan_id for p in plans]
        self.param.plan_id.objects = ids
        compare = [i for i in self.compare_ids if i in ids]
        if plan_id in ids and plan_id not in compare and len(compare) < MAX_PLANS:
            compare.append(plan_id)
        self.param.update(plans=plans, plan_id=plan_id, compare_ids=compare, status=status,
                          error="")

    def _save_plan(self, plan: Plan, status: str, limit: int | None = None) -> bool:
        """Save a plan based on the version this session read; say what met it."""
        try:
            saved = self._store.save_plan(plan, base=self._plan_bases.get(plan.plan_id),
                                          limit=limit)
        except SaveRefused as refused:
            if refused.reason == "deleted":
                self._plan_gone(plan.plan_id, self.said(refused))
            elif refused.reason == "limit":
                self.refresh()  # show the plans made elsewhere
                self.param.update(error=self.said(refused), notice=self.said(refused))
            else:  # both edits changed the same field: the store's version is shown
                self._plan_bases[plan.plan_id] = refused.current
                self._set_plans(self._with_plan(refused.current.record), self.plan_id,
                                self.status)
                self.param.update(error=self.said(refused), notice=self.said(refused))
            return False
        except NotFoundError:  # the learner went away before tombstones existed
            self._learner_gone(self.gettext("This learner was deleted in another window or "
                                            "program; your change was not saved."))
            return False
        except StoreError as exc:  # busy, full or damaged: the store keeps the previous version
            self.param.update(error=self.said(exc), notice="")
            self.param.trigger("plans")  # widgets go back to the saved value
            return False
        self._plan_bases[plan.plan_id] = saved.stored
        self._set_plans(self._with_plan(saved.stored.record), plan.plan_id,
                        saved.text(self.format) or status)
        self.notice = saved.text(self.format)
        return True

    def _with_plan(self, plan: Plan) -> list[Plan]:
        """This session's plans with ``plan`` in place of its old version (or added last)."""
        plans = [plan if p.plan_id == plan.plan_id else p for p in self.plans]
        if plan.plan_id not in {p.plan_id for p in self.plans}:
            plans.append(plan)
        return plans

    def _plan_gone(self, plan_id: str, message: str) -> None:
        """A plan was deleted elsewhere: drop it (or the learner, when they went too)."""
        self._plan_bases.pop(plan_id, None)
        if self.learner_id is not None and self._store.was_deleted("learner", self.learner_id):
            name = self.learner.name if self.learner else self.gettext("This learner")
            self._learner_gone(self.gettext("{name} was deleted in another window or program; "
                                            "your change was not saved.").format(name=name))
            return
        plans = [p for p in self.plans if p.plan_id != plan_id]
        following = self.plan_id if self.plan_id != plan_id else (
            plans[0].plan_id if plans else None)
        self._set_plans(plans, following, self.status)
        self.param.update(error=message, notice=message)

    def new_plan(self, name: str | None = None, sections=()) -> Plan | None:
        """Start a new, empty plan (at most five per learner)."""
        if self.learner is None:
            return None
        if len(self.plans) >= MAX_PLANS:
            self.error = self.gettext("A learner can have at most {n} plans. Delete one "
                                      "first.").format(n=MAX_PLANS)
            return None
        letters = "ABCDEFGHIJ"
        taken = {p.name.split(":", 1)[0].strip() for p in self.plans}
        name = (name or "").strip() or next(
            f"Plan {c}" for c in letters if f"Plan {c}" not in taken)
        try:
            plan = Plan(self._store.new_id("P"), self.learner.learner_id, name, list(sections))
        except StoreError as exc:
            self.param.update(error=self.said(exc), notice="")
            return None
        # the limit is checked again inside the store's write transaction: another window may
        # have added plans since this session read them
        saved = self._save_plan(plan, self.gettext("Created {plan}.").format(plan=name),
                                limit=MAX_PLANS)
        return self.plan if saved else None

    def duplicate_plan(self) -> Plan | None:
        """Copy the current plan, to try a change without losing the original."""
        if self.plan is None:
            return None
        return self.new_plan(self.gettext("{plan} (copy)").format(plan=self.plan.name),
                             self.plan.sections)

    def rename_plan(self, name: str) -> None:
        name = name.strip()
        if self.plan is None or not name:
            self.error = self.gettext("A plan needs a name.") if not name else ""
            return
        self._save_plan(dataclasses.replace(self.plan, name=name),
                        self.gettext("Renamed to {plan}.").format(plan=name))

    def delete_plan(self, plan_id: str | None = None) -> bool:
        """Delete a plan; ``undo_delete_plan`` brings it back (the store keeps its versions).

        Deleting a learner's only plan starts an empty one in its place, and says so: a learner
        is never left with no plan without being told.
        """
        plan_id = plan_id or self.plan_id
        plan = next((p for p in self.plans if p.plan_id == plan_id), None)
        if plan is None:
            return False
        try:
            existed = self._store.delete_plan(plan_id)
        except StoreError as exc:
            self.param.update(error=self.said(exc), notice="")
            self.param.trigger("plans")
            return False
        self._plan_bases.pop(plan_id, None)
        plans = [p for p in self.plans if p.plan_id != plan_id]
        words = self.gettext("Deleted {plan}.").format(plan=plan.name) if existed else \
            self.gettext("{plan} had already been deleted in another window or program.").format(
                plan=plan.name)
        self._set_plans(plans, plans[0].plan_id if plans else None, words)
        self.notice = "" if existed else words
        stand_in = None
        if not plans and existed:
            stand_in = self.new_plan()
            if stand_in is not None:
                self.status = self.gettext(
                    "Deleted {plan}. It was the only plan, so an empty {new} was started.").format(
                    plan=plan.name, new=stand_in.name)
        self._deleted = (plan, stand_in.plan_id if stand_in else None) if existed else None
        with param.edit_constant(self):
            self.deleted_plan = plan.name if existed else ""
        return existed

    def undo_delete_plan(self) -> bool:
        """Bring back the plan deleted last (and drop the empty plan started in its place, if it
        is still empty). Returns True when it is back."""
        if self._deleted is None or self.learner is None:
            return False
        plan, stand_in = self._deleted
        if plan.learner_id != self.learner.learner_id:
            return False
        try:
            saved = self._store.save_many(plans=[plan], restore=True)[0]
        except StoreError as exc:
            self.param.update(error=self.said(exc), notice="")
            return False
        self._deleted = None
        with param.edit_constant(self):
            self.deleted_plan = ""
        self._plan_bases[plan.plan_id] = saved.stored
        plans = self._with_plan(saved.stored.record)
        empty = next((p for p in plans if p.plan_id == stand_in and not p.sections), None)
        if empty is not None:
            try:
                self._store.delete_plan(empty.plan_id)
                self._plan_bases.pop(empty.plan_id, None)
                plans = [p for p in plans if p.plan_id != empty.plan_id]
            except StoreError:  # the empty plan stays; nothing is lost
                pass
        self._set_plans(plans, plan.plan_id, self.gettext("{plan} is back.").format(
            plan=plan.name))
        return True

    def swap_choices(self, section_id: str) -> list[str]:
        """Other groups of the same opportunity that would fit the plan in place of
        ``section_id`` (what "another group would fit" names), best first, at most two."""
        plan, t = self.plan, self.catalogue.section_table
        if plan is None or self.learner is None or section_id not in t.index:
            return []
        rest = [s for s in plan.sections if s != section_id]
        same = t.index[(t["opportunity_id"] == t.at[section_id, "opportunity_id"]).to_numpy()]
        siblings = [s for s in same if s != section_id and s not in plan.sections]
        if not siblings:
            return []
        fit = catalogue_fit(self.catalogue, self.learner, rest, cache=self._engine_cache)
        return [s for s in siblings if bool(fit.at[s, "fits"])][:2]

    def swap_section(self, old: str, new: str) -> bool:
        """Put ``new`` (another group of the same opportunity) in ``old``'s place in the plan."""
        plan, t = self.plan, self.catalogue.section_table
        if plan is None or old not in plan.sections or new not in t.index:
            return False
        if new in plan.sections:
            self.status = self.gettext("That is already in the plan.")
            return False
        sections = [new if s == old else s for s in plan.sections]
        return self._save_plan(dataclasses.replace(plan, sections=sections), self.gettext(
            "Switched {title} to another group.").format(title=t.at[new, "title"]))

    def add_section(self, section_id: str) -> None:
        """Add a section to the current plan (creating a plan if there is none)."""
        if section_id not in self.catalogue.section_table.index:
            self.error = self.gettext("There is no section {section} in the catalogue.").format(
                section=section_id)
            return
        plan = self.plan or self.new_plan()
        if plan is None:
            return
        if section_id in plan.sections:
            self.status = self.gettext("That is already in the plan.")
            return
        title = self.catalogue.section_table.at[section_id, "title"]
        self._save_plan(dataclasses.replace(plan, sections=[*plan.sections, section_id]),
                        self.gettext("Added {title} to {plan}.").format(title=title,
                                                                        plan=plan.name))

    def remove_section(self, section_id: str) -> None:
        plan = self.plan
        if plan is None or section_id not in plan.sections:
            return
        title = self.catalogue.section_table.at[section_id, "title"]
        self._save_plan(
            dataclasses.replace(plan, sections=[s for s in plan.sections if s != section_id]),
            self.gettext("Removed {title} from {plan}.").format(title=title, plan=plan.name))

    # ---- imports (read -> report -> apply, through workbench.imports) ----------------------
    def import_calendar(self, source, name: str | None = None, *, tz: str | None = None,
                        accept_partial: bool = False) -> Import:
        """Read a family calendar (``.ics``) as the learner's weekly busy and free times.

        Applied at once when the read was clean (or ``accept_partial``); otherwise nothing
        changes until :meth:`apply_import` is called with ``accept_partial=True``.

        Parameters
        ----------
        source : str, Path or bytes
            The file, or an upload's content.
        name : str, optional
            The file's name, for the report (an upload's file name).
        tz : str, optional
            The family's IANA time zone (default: the learner's, else the catalogue's).
        accept_partial : bool
            Keep what could be read even when some parts were skipped.

        Returns
        -------
        Import
            Its ``report`` says what was read; ``status`` whether it was applied.

        Raises
        ------
        ImportFailed
            Nothing in the file could be read (nothing changed).
        """
        learner = self._import_learner()
        pending = read_calendar(source, learner, self._save_imported, name=name, tz=tz,
                                catalogue=self.catalogue, current=lambda: self.learner)
        self.apply_import(pending, accept_partial)
        return pending

    def import_credentials(self, source, name: str | None = None, *,
                           accept_partial: bool = False) -> Import:
        """Read Open Badges / CLR credentials as evidence that raises the learner's levels.

        As :meth:`import_calendar`; evidence is kept with where it came from and whether its
        signature was verified.
        """
        learner = self._import_learner()
        pending = read_credentials(source, learner, self.catalogue.competencies,
                                   self._save_imported, name=name, current=lambda: self.learner)
        self.apply_import(pending, accept_partial)
        return pending

    def import_catalogue(self, source, mapping, name: str | None = None, *,
                         accept_partial: bool = False, out_dir=None) -> Import:
        """Read a provider catalogue (CSV + YAML column mapping) and switch to the result.

        The result is a new data directory (the current catalogue plus the imported rows)
        beside the store (``imports/``, unless ``out_dir``); the store remembers it, so it stays
        in use when the app is opened again. As :meth:`import_calendar` otherwise.
        """
        from .formats.report import read_source_bytes

        data, label = read_source_bytes(source, name)
        base = self.data_root
        if out_dir is None:
            out_dir = import_folder(self._store.path) / catalogue_dir_name(
                data, label, mapping, base)
        pending = read_catalogue(data, mapping, base, out_dir, name=label,
                                 use=self._use_imported_catalogue, reuse=True)
        self.apply_import(pending, accept_partial)
        return pending

    def apply_import(self, pending: Import, accept_partial: bool = False) -> bool:
        """Apply a read import — the rule is the service's: only when clean or accepted.

        Returns True when it was applied; otherwise nothing changed, and ``status`` (a
        partial read waiting to be kept) or ``error`` (it could not be saved) says why.
        """
        try:
            pending.apply(accept_partial=accept_partial)
        except PartialRead as exc:
            self.status = self.said(exc)
            return False
        except _ImportSaveFailed:
            return False  # the save already said why in ``error``
        except ImportFailed as exc:  # the new data directory did not load
            self.error = self.gettext("{problem} Nothing was changed.").format(
                problem=self.said(exc))
            return False
        except OSError as exc:
            self.error = self.gettext("Could not import {file}: {problem}. Nothing was "
                                      "changed.").format(file=pending.report.source,
                                                         problem=exc.strerror or exc)
            return False
        self.param.update(status=pending.text(self.format), error="")
        return True

    def _import_learner(self) -> Learner:
        if self.learner is None:
            raise ValueError(self.gettext("Choose a learner before importing their files."))
        return self.learner

    def _save_imported(self, learner: Learner) -> None:
        # through the session's own save, so an import meets other windows' edits as any
        # other save does (merged, or refused with a plain message in ``error``)
        if not self._save_learner(learner):
            raise _ImportSaveFailed(self.error)

    def _use_imported_catalogue(self, dataset: Dataset) -> None:
        self._store.set_meta("catalogue_dir", str(dataset.root))
        self.use_dataset(dataset)

    # ---- derived results -------------------------------------------------------------------
    @param.depends("learner", "plans", "plan_id", "compare_ids", "model_parameters",
                   "language", watch=True, on_init=True)
    def _recompute(self):
        t0 = time.perf_counter()
        learner, plan = self.learner, self.plan
        if learner is None:
            with param.edit_constant(self):
                self._comparison_due, self._comparison = None, None
                self.param.update(problems=[], fit=None, projections={}, ledgers={},
                                  plan_problems={}, comparison_version=self.comparison_version + 1)
            return
        sections = list(plan.sections) if plan else []
        cache = self._engine_cache
        problems = check_plan(self.catalogue, learner, sections, cache=cache)
        fit = catalogue_fit(self.catalogue, learner, sections, words=self.format, cache=cache)
        projections, ledgers, plan_problems = {}, {}, {}
        live = {self._projection_key(p) for p in self.plans}
        self._projection_cache = {k: v for k, v in self._projection_cache.items() if k in live}
        self._problems_cache = {k: v for k, v in self._problems_cache.items() if k in live}
        for p in self.plans:
            key = self._projection_key(p)
            if key not in self._projection_cache:
                proj = project(self.catalogue, learner, p.sections, self.model_parameters)
                self._projection_cache[key] = (proj, plan_ledger(
                    self.catalogue, learner, p, proj, self.model_parameters, cache=cache))
            projections[p.plan_id], ledger = self._projection_cache[key]
            # the ledger names the plan: a renamed plan keeps its numbers under its new name
            ledgers[p.plan_id] = {**ledger, "plan_id": p.plan_id, "plan_name": p.name}
            if plan is not None and p.plan_id == plan.plan_id:
                self._problems_cache[key] = problems
            elif key not in self._problems_cache:
                self._problems_cache[key] = check_plan(self.catalogue, learner, p.sections,
                                                       cache=cache)
            plan_problems[p.plan_id] = self._problems_cache[key]
        chosen = [p for p in self.plans if p.plan_id in self.compare_ids][:MAX_PLANS]
        self._comparison = None
        self._comparison_due = (learner, chosen, projections) if len(chosen) >= 2 else None
        ms = (time.perf_counter() - t0) * 1000
        with param.edit_constant(self):
            self.param.update(problems=problems, fit=fit, projections=projections,
                              ledgers=ledgers, plan_problems=plan_problems,
                              comparison_version=self.comparison_version + 1, recompute_ms=ms)

    @property
    def comparison(self) -> Comparison | None:
        """The plans in ``compare_ids`` side by side (at most ``MAX_PLANS``; None for fewer
        than two), for the learner and plans as they are. Worked out when first asked for after
        a change (``comparison_version`` counts the changes): a session not on the Compare step
        does not pay for it on every edit."""
        if self._comparison_due is not None:
            learner, chosen, projections = self._comparison_due
            self._comparison = compare_plans(self.catalogue, learner, chosen,
                                             self.model_parameters, projections=projections,
                                             cache=self._engine_cache)
            self._comparison_due = None
        return self._comparison

    def _projection_key(self, plan: Plan) -> tuple:
        # results depend only on the learner's contents, the sections and the parameters (and
        # the catalogue, whose change clears the caches)
        if self._learner_key[0] is not self.learner:
            self._learner_key = (self.learner, json.dumps(self.learner.to_dict(),
                                                          sort_keys=True))
        return (self._learner_key[1], tuple(plan.sections), self.model_parameters)

    # ---- language --------------------------------------------------------------------------
    @param.depends("learner", watch=True, on_init=True)
    def _follow_family_language(self):
        # only when the learner, or their family language, changes: a switch on the page stays
        # in force while the family edits anything else
        learner = self.learner
        family = None if learner is None else (learner.learner_id, learner.language)
        if family != self._family_language:
            self._family_language = family
            if learner is not None:
                self.language = language_for(learner.language)

    @property
    def format(self) -> Translator:
        """This session's words: translations and Babel formats for ``language``
        (``state.format.money(12.5)``, ``.date(d)``, ``.level(3)``; see ``domain.words``)."""
        if self._translator.language != self.language:
            self._translator = Translator(self.language)
        return self._translator

    def said(self, thing) -> str:
        """An error, report or store message (``workbench.i18n.text_of``) in the session's
        language: the store's and the imports' sentences are kept as data until shown."""
        return text_of(thing, self.format)

    def gettext(self, message: str) -> str:
        """``message`` in the session's language (views: ``_ = state.gettext``)."""
        return self.format.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.format.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self.format.pgettext(context, message)

    # ---- the session's place (the page's address keeps it over a reload) ------------------
    def place(self) -> dict[str, str]:
        """Where the session is, as plain strings: learner, plan, step, compared plans (ids
        joined by commas) and language. ``go_to(**place)`` comes back to it."""
        return {"learner": self.learner_id or "", "plan": self.plan_id or "",
                "step": self.step, "compare": ",".join(self.compare_ids),
                "lang": self.language}

    def go_to(self, learner: str | None = None, plan: str | None = None,
              step: str | None = None, compare: str | None = None,
              lang: str | None = None) -> None:
        """Come back to a place (e.g. from the page's address after a reload): the learner
        first, then their plan, the compared plans and the step. Anything unknown (a deleted
        plan, an old link) is passed over; ``None`` leaves that part as it is."""
        if learner and learner != self.learner_id and learner in self.param.learner_id.objects:
            self.learner_id = learner
        ids = [p.plan_id for p in self.plans]
        if plan and plan in ids:
            self.plan_id = plan
        if compare is not None:
            chosen = [i for i in dict.fromkeys(compare.split(",")) if i in ids][:MAX_PLANS]
            self.compare_ids = chosen
        if lang and lang in self.param.language.objects:
            self.language = lang
        if step and step in STEPS:
            self.step = step

    # ---- helpers for views -----------------------------------------------------------------
    def plan_sections(self, plan: Plan | None = None) -> pd.DataFrame:
        plan = plan or self.plan
        if plan is None or not plan.sections:
            return self.catalogue.section_table.iloc[0:0]
        return self.catalogue.section_table.loc[plan.sections]

    def plan_terms(self, plan: Plan | None = None) -> list[Term]:
        """The stretches of weeks in which the same pieces of the plan run (fall, spring, ...)."""
        plan = plan or self.plan
        return plan_terms(self.catalogue, plan.sections) if plan else []

    def plan_week(self, plan: Plan | None = None, term: Term | None = None) -> PlanWeek:
        """A typical week of the plan (in ``term``, else with all its pieces): its meetings,
        the trips they need (``schedule.plan_meetings``, ``schedule.day_trips``) and the
        learner's free and busy times, ready for ``plots.week_calendar``."""
        plan = plan or self.plan
        sections = list(term.section_ids) if term is not None else (
            list(plan.sections) if plan else [])
        lr = self.learner
        if lr is None:
            sections = []
        meetings = plan_meetings(self.catalogue, sections)
        trips = day_trips(self.catalogue, lr, sections, self._engine_cache if sections else None)

        def blocks(items) -> pd.DataFrame:
            rows = [{"day": d, "start_min": b.start, "end_min": b.end, "label": b.label}
                    for b in items for d in b.days]
            return pd.DataFrame(rows, columns=["day", "start_min", "end_min", "label"])

        return PlanWeek(meetings, trips, blocks(lr.availability if lr else []),
                        blocks(lr.commitments if lr else []))

    def explain(self, plan_id: str | None = None) -> list[GoalExplanation]:
        """Why each goal has its chance under a plan (the current one by default): what
        practises it, what holds it back, and what would raise it most (``domain.explain``;
        ``explanation_text(e, state.format)`` says it in the session's language). Kept per plan
        contents until the learner, plan or catalogue changes."""
        plan = next((p for p in self.plans if p.plan_id == (plan_id or self.plan_id)), None)
        if plan is None or self.learner is None:
            return []
        key = self._projection_key(plan)
        if key not in self._explained:
            fit = catalogue_fit(self.catalogue, self.learner, plan.sections,
                                cache=self._engine_cache) if plan.plan_id != self.plan_id \
                else self.fit
            fitting = [] if fit is None else list(fit.index[(fit["fits"] & ~fit["in_plan"])
                                                        .to_numpy(dtype=bool)])
            projection = self.projections.get(plan.plan_id)
            self._explained = {k: v for k, v in self._explained.items()
                               if k[0] == key[0] and k[2] == key[2]}
            self._explained[key] = explain_goals(self.catalogue, self.learner, plan.sections,
                                                 self.model_parameters, projection=projection,
                                                 candidates=fitting)
        return self._explained[key]

    @param.depends("learner_id", watch=True)
    def _forget_deleted(self):
        # undo belongs to the learner whose plan it was
        self._deleted = None
        with param.edit_constant(self):
            self.deleted_plan = ""

    # ---- suggested plans (domain.suggest; the Plans step's "Suggest plans") ---------------
    suggestions = param.List(default=[], item_type=Plan, constant=True,
                             doc="Draft plans the solver suggested for the current learner, "
                                 "best first (not saved; keep_suggestion(i) saves one).")
    suggested = param.Parameter(default=None, constant=True,
                                doc="The solver's whole answer (domain.suggest.Suggestions): "
                                    "why, gap or proven best, obstacles and smallest changes.")
    suggestion_ledgers = param.Dict(default={}, constant=True,
                                    doc="draft plan_id -> credit ledger of each suggestion, "
                                        "to compare with the saved plans.")

    def work_out_suggestions(self, time_limit: float = 5.0):
        """The solver's suggestions for the current learner, keeping the current plan's sections
        (``domain.suggest.suggest_plans``; about a second). Changes nothing: a view may run it
        off the event loop and hand the result to :meth:`show_suggestions`."""
        from .domain.suggest import suggest_plans

        learner, plan = self.learner, self.plan
        if learner is None:
            return None
        keep = [s for s in (plan.sections if plan else [])
                if s in self.catalogue.section_table.index]
        return suggest_plans(self.catalogue, learner, keep=keep, words=self.format,
                             parameters=self.model_parameters, time_limit=time_limit)

    def show_suggestions(self, result) -> None:
        """Show a result of :meth:`work_out_suggestions` as draft plans (with their ledgers)."""
        _ = self.gettext
        learner = self.learner
        if result is None or learner is None or result.learner_id != learner.learner_id:
            self.clear_suggestions()
            return
        drafts = result.to_plans(learner.learner_id)
        for d, p in zip(drafts, result.plans, strict=True):
            d.name = _("Suggestion {n}").format(n=p.rank)
        ledgers = {}
        for d in drafts:
            proj = project(self.catalogue, learner, d.sections, self.model_parameters)
            ledgers[d.plan_id] = {**plan_ledger(self.catalogue, learner, d, proj,
                                                self.model_parameters),
                                  "plan_id": d.plan_id, "plan_name": d.name}
        status = self.ngettext("{n} plan suggested.", "{n} plans suggested.",
                               len(drafts)).format(n=len(drafts)) if drafts else \
            _("No plan to suggest.")
        with param.edit_constant(self):
            self.param.update(suggestions=drafts, suggested=result, suggestion_ledgers=ledgers)
        self.param.update(status=status, error="")

    def suggest(self, time_limit: float = 5.0) -> list[Plan]:
        """Work out and show suggested plans for the current learner; returns the drafts."""
        self.busy = True
        try:
            self.show_suggestions(self.work_out_suggestions(time_limit))
        finally:
            self.busy = False
        return list(self.suggestions)

    def next_plan_name(self) -> str:
        """The name a new plan gets ("Plan D" when A-C are taken)."""
        taken = {p.name.split(":", 1)[0].strip() for p in self.plans}
        return next((f"Plan {c}" for c in "ABCDEFGHIJ" if f"Plan {c}" not in taken),
                    f"Plan {len(self.plans) + 1}")

    def keep_suggestion(self, index: int) -> Plan | None:
        """Save suggestion ``index`` (0 = the best) as a new plan, named like "Plan D", through
        the store's versioned save (at most five plans; ``error`` says so when full)."""
        if not 0 <= index < len(self.suggestions):
            return None
        draft = self.suggestions[index]
        return self.new_plan(self.next_plan_name(), draft.sections)

    def clear_suggestions(self) -> None:
        with param.edit_constant(self):
            self.param.update(suggestions=[], suggested=None, suggestion_ledgers={})

    @param.depends("learner", "model_parameters", watch=True)
    def _forget_suggestions(self):
        # drafts are worked out for one learner's situation: a change makes them stale
        if self.suggestions or self.suggested is not None:
            self.clear_suggestions()
