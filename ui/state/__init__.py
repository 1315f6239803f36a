"""One way for a page to keep its state: declared once, kept across pages, loadable, linkable.

Each page declares its state once, as a PageState in ui/state/<page>.py: one Field per value
the page keeps, with its widget key ("freeze.backbone"), its short name in a link
("backbone"), its default (a value, or computed from the fields before it) and how a value is
checked. Widgets take their value from session state, never from a default argument. The
same declaration

- fills the widgets at the top of the page (`PageState.start`). Streamlit drops a widget's
  value when a run does not draw the widget (the user went to another page, a tab is closed,
  a control is hidden), so every value is also kept under a plain session key and put back
  when its widget key is gone: a page looks the same when the user comes back to it;
- resets the fields that depend on another one when that one changes (`Field.after`: a new
  backbone starts at its own input size and head);
- loads a configuration: a preset, a plan handed over by another page (`load`, `open`);
- writes and reads links (`to_query`, `from_query`): a bad or unknown value is dropped and
  named, and that field falls back to its default.

A page writes a declared field with `PageState.set` (never `st.session_state[key] = ...`), so
that the kept copy stays current.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from typing import Any, NoReturn

import streamlit as st

from explorer.links import (
    APP_PARAMS,
    Field,
    PageLink,
    StateValueError,
    _at,
    choice,
    flag,
    indices,
    number,
    span,
    subset,
    text,
    whole,
)

__all__ = [
    "APP_PARAMS",
    "Field",
    "PageLink",
    "PageState",
    "StateValueError",
    "choice",
    "current_page_state",
    "flag",
    "indices",
    "number",
    "span",
    "subset",
    "text",
    "whole",
]

_CURRENT = "_state.current_page"
"""The state name of the page whose start() ran last: the one the address bar shows."""
_ADDRESS = "_state.address"
"""The parameters the app last put in the address bar, whichever page wrote them."""
_NOTICE_NAMES = 6


class PageState:
    """A page's state in the session, on its link vocabulary (explorer.links.PageLink).

    `PageState(links.FREEZE)`, or `PageState(page, path, fields)` for a page declared here.
    The first field must be a widget the page draws on every run: finding its key gone at
    the top of a run means the page has just been opened from another page.
    """

    _registry: dict[str, PageState] = {}

    def __init__(self, page: str | PageLink, path: str | None = None, fields: Iterable[Field] | None = None) -> None:
        if isinstance(page, PageLink):
            self.link = page
        else:
            slug = (path or page).rsplit("/", 1)[-1].removesuffix(".py")
            self.link = PageLink(page, slug, fields or ())
        self.page = self.link.page
        self.path = path or f"app_pages/{self.link.slug}.py"
        """The page script, for st.switch_page."""
        self.fields = self.link.fields
        self._by_name = {f.name: f for f in self.fields}
        self._kept = f"_state.{self.page}.kept"
        self._opened = f"_state.{self.page}.opened"
        self._linked = f"_state.{self.page}.link"
        PageState._registry[self.page] = self

    def __getitem__(self, name_or_key: str) -> Field:
        return self.link[name_or_key]

    @property
    def keys(self) -> tuple[str, ...]:
        """Every field's widget key, in order."""
        return self.link.keys

    # ------------------------------------------------------------------ values alone

    def resolve(self, given: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Every field's value by name: the given one when it is valid, else the default."""
        return self.link.resolve(given)

    def defaults(self) -> dict[str, Any]:
        """Every field's default by name."""
        return self.link.defaults()

    def to_query(self, values: Mapping[str, Any] | None = None, *, only_changed: bool = False) -> dict[str, str]:
        """The linked fields as link parameters (name -> text); the session's values when None."""
        return self.link.to_query(self.values() if values is None else values, only_changed=only_changed)

    def from_query(self, query: Mapping[str, Any], *, others: Iterable[str] = ()) -> tuple[dict[str, Any], list[str]]:
        """Every field's value from link parameters, and the names refused or unknown (see PageLink)."""
        return self.link.from_query(query, others=others)

    # ------------------------------------------------------------------ the session

    def start(self, session: MutableMapping[str, Any] | None = None) -> bool:
        """Fill every widget key before the widgets are drawn; call it first on the page.

        A key Streamlit has dropped gets its kept value back (or its default on a first
        visit); a field whose `after` fields changed since the last run is reset. Every key
        is written afresh when its value changes, never otherwise: a key written through
        session state is sent back to the browser's widget, which then drops any key presses
        made since (ten quick ArrowRight presses on a slider would move it one step).

        With the session's own state (no `session` given) the page also follows its link: an
        address that changed outside the app (a link opened, Back or Forward, a lesson step)
        is loaded first, and what it got wrong is named in one notice; then the address bar is
        rewritten from the page's values (only those that differ from the defaults; the app's
        own parameters, such as ``lang``, ``present``, ``lesson``, are left alone). A run in
        which the user has just changed a widget does not read the address: after quick edits
        the browser may still send the address of a run or two ago, and the widgets are ahead.

        Returns:
            True when the page has just been opened (first visit, back from another page, or
            opened by `open`): nothing on it has been clicked yet.
        """
        live = session is None
        ss = _session(session)
        flagged = bool(ss.pop(self._opened, False))
        kept = ss.get(self._kept)
        opened = flagged or not kept or self.fields[0].key not in ss
        if kept is None:
            kept = ss[self._kept] = {}
        differ = [f for f in self.fields if f.key in ss and f.name in kept and ss[f.key] != kept[f.name]]
        if opened:  # nothing was clicked yet: a value Streamlit brought back from an older copy of a key
            for f in differ:  # (written before its widget was drawn, then edited there) is not an edit
                _write(ss, f.key, kept[f.name])
        edited = bool(differ) and not opened
        ignored = self._read_link(ss, opened) if live and not edited else []
        values: dict[str, Any] = {}
        changed: set[str] = set()
        for f in self.fields:
            if f.key in ss:
                value = ss[f.key]
                if f.name in kept and kept[f.name] != value:
                    changed.add(f.name)
            else:
                value = kept[f.name] if f.name in kept else f.default_for(values)
            if changed.intersection(f.after):
                value = f.default_for(values)
                changed.add(f.name)
            if f.key not in ss or ss[f.key] is not value:
                _write(ss, f.key, value)  # only a key that changes: see the note below
            values[f.name] = kept[f.name] = value
        if live:
            ss[_CURRENT] = self.page
            self._write_link(ss)
            if ignored:
                _link_notice(ignored)
        return opened

    def follow(self) -> None:
        """Keep what the widgets show now and put it in the address bar: first thing in a
        fragment (`st.fragment`), whose own reruns run only its body, never `start`. A widget
        in a fragment redraws only that part of the page when it changes (a slider's move does
        not rebuild the page's other charts); this keeps such a change in the page's kept state
        and its link, as `start` does for a full run. Widget keys are not written: the browser
        keeps the key presses it has not sent yet."""
        ss = st.session_state
        kept = ss.get(self._kept)
        if kept is None:
            kept = ss[self._kept] = {}
        for f in self.fields:
            if f.key in ss:
                kept[f.name] = ss[f.key]
        if ss.get(_CURRENT) == self.page:
            self._write_link(ss)

    def _read_link(self, ss: MutableMapping[str, Any], opened: bool) -> list[str]:
        """Load the address bar's values when they changed outside the page; the names refused."""
        query = _query_params()
        mine = {name: texts for name, texts in query.items() if name not in APP_PARAMS}
        seen = {name: texts[-1] for name, texts in query.items() if name not in APP_PARAMS or name in _LESSON}
        if seen in (ss.get(self._linked), ss.get(_ADDRESS)):
            return []  # an address the app wrote (this page, or the page before): not a new link
        if opened and not mine and not any(name in _LESSON for name in query):
            return []  # opened from the menu: the page looks as the user left it
        values, ignored = self.link.from_query(mine)
        self._load(values, ss)
        ss[self._linked] = seen
        return ignored

    def _write_link(self, ss: MutableMapping[str, Any]) -> None:
        """Put the page's values in the address bar (one history entry when they changed)."""
        query = _query_params()
        wanted = self.link.to_query(self.values(ss), only_changed=True)
        shown = {name: texts[-1] for name, texts in query.items() if name not in APP_PARAMS}
        if wanted != shown:
            kept = {name: texts for name, texts in query.items() if name in APP_PARAMS}
            st.query_params.from_dict({**kept, **wanted})
        ss[self._linked] = ss[_ADDRESS] = {**wanted, **{name: query[name][-1] for name in _LESSON if name in query}}

    def link_query(self) -> dict[str, str]:
        """The page's values as link parameters, as the address bar shows them."""
        return self.link.to_query(self.values(), only_changed=True)

    def values(self, session: MutableMapping[str, Any] | None = None) -> dict[str, Any]:
        """Every field's current value by name (the widget's, else the kept one, else the default)."""
        ss = _session(session)
        kept = ss.get(self._kept) or {}
        values: dict[str, Any] = {}
        for f in self.fields:
            values[f.name] = ss[f.key] if f.key in ss else kept[f.name] if f.name in kept else f.default_for(values)
        return values

    def set(self, name_or_key: str, value: Any, session: MutableMapping[str, Any] | None = None) -> None:
        """Write one field (before its widget is drawn in this run) and keep it; None unsets it.

        On the page being shown, the address bar follows."""
        ss = _session(session)
        self._set(name_or_key, value, ss)
        if session is None and ss.get(_CURRENT) == self.page:
            self._write_link(ss)

    def _set(self, name_or_key: str, value: Any, ss: MutableMapping[str, Any]) -> None:
        f = self[name_or_key]
        _write(ss, f.key, value)
        kept = ss.get(self._kept)
        if kept is None:
            kept = ss[self._kept] = {}
        kept[f.name] = value

    def load(self, given: Mapping[str, Any], session: MutableMapping[str, Any] | None = None) -> None:
        """Load a configuration by field name: the given fields, checked; the others stay,
        except those that depend on a changed field (reset to their default).

        Raises:
            StateValueError: a name this page does not have, or a value its field refuses.
        """
        ss = _session(session)
        self._load(given, ss)
        if session is None and ss.get(_CURRENT) == self.page:
            self._write_link(ss)

    def _load(self, given: Mapping[str, Any], ss: MutableMapping[str, Any]) -> None:
        unknown = [name for name in given if name not in self._by_name]
        if unknown:
            raise StateValueError(f"The {self.page} page's fields are {', '.join(self._by_name)}. Received: {unknown}")
        current = self.values(ss)
        merged: dict[str, Any] = {}
        for f in self.fields:
            if f.name in given:
                merged[f.name] = None if given[f.name] is None else f.parse(given[f.name], merged)
            elif any(merged[name] != current[name] for name in f.after):
                merged[f.name] = f.default_for(merged)
            else:
                merged[f.name] = current[f.name]
        for f in self.fields:
            self._set(f.key, merged[f.name], ss)

    def open(self, given: Mapping[str, Any]) -> NoReturn:
        """Load a configuration and switch to the page, which opens fresh (no change arrows)."""
        self.load(given)
        st.session_state[self._opened] = True
        st.switch_page(self.path)
        raise AssertionError("unreachable: st.switch_page ends the run")  # pragma: no cover

    def options(self, name_or_key: str) -> Sequence[Any]:
        """A field's choices for its widget, given the session's current values."""
        return tuple(_at(self[name_or_key].options, self.values()))

    def bounds(self, name_or_key: str) -> tuple[Any, Any]:
        """A field's (low, high) for its widget, given the session's current values."""
        low, high = self[name_or_key].bounds
        values = self.values()
        return _at(low, values), _at(high, values)


_LESSON = ("lesson", "step")
"""App parameters that still count as a new address: a lesson step loads the page's state."""


def current_page_state() -> PageState | None:
    """The state of the page shown in this run (after its start()), if it has one."""
    return PageState._registry.get(st.session_state.get(_CURRENT, ""))


def _query_params() -> dict[str, list[str]]:
    """The address bar's parameters, each with all its values."""
    return {name: st.query_params.get_all(name) for name in st.query_params}


def _link_notice(ignored: list[str]) -> None:
    """One short notice naming what the link got wrong (the page shows the defaults instead)."""
    from ui.i18n import _

    names = ", ".join(f"`{name[:30]}`" for name in ignored[:_NOTICE_NAMES])
    more = len(ignored) - _NOTICE_NAMES
    names += f" (+{more})" if more > 0 else ""
    st.warning(_("Ignored in the link: {names}. The default is used instead.").format(names=names),
               icon=":material/link_off:")


def _session(session: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
    return st.session_state if session is None else session


def _write(ss: MutableMapping[str, Any], key: str, value: Any) -> None:
    """Set a key afresh. Deleting first drops every copy Streamlit holds (by widget id and by
    key): an older copy would come back as the value once the widget stops being drawn."""
    if key in ss:
        del ss[key]
    if value is not None:
        ss[key] = value


