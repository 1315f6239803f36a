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

import math
import re
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import streamlit as st

from explorer.checks import check_whole_number
from explorer.errors import ExplorerInputError

__all__ = [
    "Field",
    "PageState",
    "StateValueError",
    "choice",
    "flag",
    "indices",
    "number",
    "span",
    "subset",
    "text",
    "whole",
]

Values = Mapping[str, Any]
"""Field values by name, as far as they are known (a default may read the fields before it)."""
Computed = Any
"""A value, or a function of the values before it (Values -> value)."""


class StateValueError(ExplorerInputError):
    """A value that a page's state cannot take (from a link, a preset or another page)."""


def _at(spec: Computed, values: Values) -> Any:
    return spec(values) if callable(spec) else spec


@dataclass(frozen=True)
class Field:
    """One value a page keeps: its widget key, its name in a link, its default and its check."""

    name: str
    """Short name in a link (?backbone=vgg16) and in `load` mappings."""
    key: str
    """The widget's key in session state ("freeze.backbone")."""
    default: Computed = None
    """None leaves the key unset: the widget shows its first option or its placeholder."""
    parse: Callable[[Any, Values], Any] = lambda raw, values: raw
    """A Python value or a link's text -> the valid value; raises StateValueError."""
    to_text: Callable[[Any], str] = str
    """The value as it appears in a link."""
    after: tuple[str, ...] = ()
    """Earlier fields whose change resets this one to its default."""
    linked: bool = True
    """Part of a shared link (False: kept across pages only)."""
    options: Computed = ()
    """The choices, for the page's widget (choice and subset fields)."""
    bounds: Computed = None
    """(low, high), for the page's widget (whole, number and span fields)."""

    def default_for(self, values: Values) -> Any:
        """The default, given the values of the fields before this one."""
        return _at(self.default, values)


class PageState:
    """A page's fields, in order (a default or a check may read the fields before it).

    The first field must be a widget the page draws on every run: finding its key gone at
    the top of a run means the page has just been opened from another page.
    """

    def __init__(self, page: str, path: str, fields: Iterable[Field]) -> None:
        self.page = page
        self.path = path
        """The page script, for st.switch_page."""
        self.fields = tuple(fields)
        self._by_name: dict[str, Field] = {}
        self._by_key: dict[str, Field] = {}
        for f in self.fields:
            if f.name in self._by_name or f.key in self._by_key:
                raise ValueError(f"Field names and keys are unique in a page. Received: {f.name!r} ({f.key!r})")
            unknown = [name for name in f.after if name not in self._by_name]
            if unknown:
                raise ValueError(f"A field resets after earlier fields only. Received: {f.name}.after={unknown}")
            self._by_name[f.name] = f
            self._by_key[f.key] = f
        self._kept = f"_state.{page}.kept"
        self._opened = f"_state.{page}.opened"

    def __getitem__(self, name_or_key: str) -> Field:
        found = self._by_key.get(name_or_key) or self._by_name.get(name_or_key)
        if found is None:
            raise KeyError(f"The {self.page} page has no field {name_or_key!r}")
        return found

    @property
    def keys(self) -> tuple[str, ...]:
        """Every field's widget key, in order."""
        return tuple(f.key for f in self.fields)

    # ------------------------------------------------------------------ values alone

    def resolve(self, given: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Every field's value by name: the given one when it is valid, else the default.

        Returns:
            (values, dropped): the names whose given value was refused.
        """
        values: dict[str, Any] = {}
        dropped: list[str] = []
        for f in self.fields:
            if f.name in given:
                try:
                    values[f.name] = f.parse(given[f.name], values)
                    continue
                except (ValueError, TypeError):
                    dropped.append(f.name)
            values[f.name] = f.default_for(values)
        return values, dropped

    def defaults(self) -> dict[str, Any]:
        """Every field's default by name."""
        return self.resolve({})[0]

    def to_query(self, values: Mapping[str, Any] | None = None, *, only_changed: bool = False) -> dict[str, str]:
        """The linked fields as link parameters (name -> text); unset (None) values are left out.

        Args:
            values: by name; the session's current values when None.
            only_changed: leave out the values equal to their default (a shorter link).
        """
        values = self.values() if values is None else values
        defaults: dict[str, Any] = {}
        query = {}
        for f in self.fields:
            value = values.get(f.name)
            defaults[f.name] = f.default_for(defaults)
            if f.linked and value is not None and not (only_changed and value == defaults[f.name]):
                query[f.name] = f.to_text(value)
            defaults[f.name] = value  # later defaults follow the values the link gives
        return query

    def from_query(self, query: Mapping[str, Any], *, others: Iterable[str] = ()) -> tuple[dict[str, Any], list[str]]:
        """Every field's value from link parameters (st.query_params or a dict of texts).

        Args:
            query: name -> text (or a list of texts: the last one counts).
            others: parameter names that belong to the app, not to this page (ignored silently).

        Returns:
            (values, ignored): every field by name (a missing or refused value is the
            default), and the parameter names that were refused or that this page does not know.
        """
        texts = {name: raw[-1] if isinstance(raw, (list, tuple)) and raw else raw for name, raw in query.items()}
        known = {name: raw for name, raw in texts.items() if name in self._by_name and self._by_name[name].linked}
        values, dropped = self.resolve(known)
        skip = set(others)
        return values, dropped + [name for name in texts if name not in known and name not in skip]

    # ------------------------------------------------------------------ the session

    def start(self, session: MutableMapping[str, Any] | None = None) -> bool:
        """Fill every widget key before the widgets are drawn; call it first on the page.

        A key Streamlit has dropped gets its kept value back (or its default on a first
        visit); a field whose `after` fields changed since the last run is reset. Every key
        is written afresh, so that the value it holds is the one the page shows.

        Returns:
            True when the page has just been opened (first visit, back from another page, or
            opened by `open`): nothing on it has been clicked yet.
        """
        ss = _session(session)
        flagged = bool(ss.pop(self._opened, False))
        kept = ss.get(self._kept)
        opened = flagged or not kept or self.fields[0].key not in ss
        if kept is None:
            kept = ss[self._kept] = {}
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
            _write(ss, f.key, value)
            values[f.name] = kept[f.name] = value
        return opened

    def values(self, session: MutableMapping[str, Any] | None = None) -> dict[str, Any]:
        """Every field's current value by name (the widget's, else the kept one, else the default)."""
        ss = _session(session)
        kept = ss.get(self._kept) or {}
        values: dict[str, Any] = {}
        for f in self.fields:
            values[f.name] = ss[f.key] if f.key in ss else kept[f.name] if f.name in kept else f.default_for(values)
        return values

    def set(self, name_or_key: str, value: Any, session: MutableMapping[str, Any] | None = None) -> None:
        """Write one field (before its widget is drawn in this run) and keep it; None unsets it."""
        ss = _session(session)
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
            self.set(f.key, merged[f.name], ss)

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


def _session(session: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
    return st.session_state if session is None else session


def _write(ss: MutableMapping[str, Any], key: str, value: Any) -> None:
    """Set a key afresh. Deleting first drops every copy Streamlit holds (by widget id and by
    key): an older copy would come back as the value once the widget stops being drawn."""
    if key in ss:
        del ss[key]
    if value is not None:
        ss[key] = value


# ---------------------------------------------------------------------- field kinds


def _text_of(value: Any) -> str:
    """A value as link text: numbers plainly (1e-05, 0.5, 3), phrases as slugs (sobel-x)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return format(value, "g")
    text_ = str(value)
    return text_ if re.fullmatch(r"[A-Za-z0-9_.:-]+", text_) else _slug(text_)


def _slug(text_: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text_.lower()).strip("-")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _shown(options: Sequence[Any], to_text: Callable[[Any], str]) -> str:
    texts = [to_text(o) for o in options]
    return ", ".join(texts[:12]) + (", ..." if len(texts) > 12 else "")


def _pick(raw: Any, options: Sequence[Any], name: str, to_text: Callable[[Any], str]) -> Any:
    """The option that raw is (the option itself, its link text, or the same number)."""
    for option in options:  # the option itself (True is not 1, "1" is not 1)
        if option == raw and (isinstance(option, str), isinstance(option, bool)) == (isinstance(raw, str),
                                                                                       isinstance(raw, bool)):
            return option
    if isinstance(raw, str):
        wanted = raw.strip()
        for option in options:
            if to_text(option) == wanted or (isinstance(option, str) and _slug(option) == _slug(wanted) != ""):
                return option
        try:
            number_ = float(wanted)
        except ValueError:
            number_ = math.nan
        for option in options:
            if _is_number(option) and math.isclose(option, number_, rel_tol=1e-9):
                return option
    raise StateValueError(f"{name} must be one of {_shown(options, to_text)}. Received: {name}={raw!r}")


def choice(name: str, key: str, options: Computed, default: Computed = None, *, after: tuple[str, ...] = (),
           optional: bool = False, linked: bool = True, to_text: Callable[[Any], str] = _text_of) -> Field:
    """One of some options (a selectbox, radio, segmented control, select slider, tabs).

    Args:
        options: the choices, or a function of the earlier values that gives them.
        default: a value, a function of the earlier values, or None for the first option
            (for an optional field: None leaves it unset).
        optional: None (nothing chosen) is a valid value.
    """
    if not callable(options):
        options = tuple(options)
        texts = [to_text(o) for o in options]
        if len(set(texts)) != len(texts):
            raise ValueError(f"Options must read differently in a link. Received: {name}: {texts}")

    def parse(raw: Any, values: Values) -> Any:
        if raw is None and optional:
            return None
        return _pick(raw, _at(options, values), name, to_text)

    if default is None and not optional:
        default = lambda values: _at(options, values)[0]  # noqa: E731
    return Field(name, key, default, parse, to_text, after, linked, options=options)


def whole(name: str, key: str, low: Computed, high: Computed, default: Computed, *, after: tuple[str, ...] = (),
          optional: bool = False, linked: bool = True) -> Field:
    """A whole number from low to high (each bound a number or a function of the earlier values)."""

    def parse(raw: Any, values: Values) -> int | None:
        if raw is None and optional:
            return None
        if isinstance(raw, str) and re.fullmatch(r"\s*[+-]?\d+\s*", raw):
            raw = int(raw)
        return check_whole_number(raw, name, _at(low, values), _at(high, values), error=StateValueError)

    return Field(name, key, default, parse, _text_of, after, linked, bounds=(low, high))


def number(name: str, key: str, low: float, high: float, default: Computed, *, after: tuple[str, ...] = (),
           linked: bool = True) -> Field:
    """A number from low to high (a slider of floats)."""

    def parse(raw: Any, values: Values) -> float:
        value = raw
        if isinstance(raw, str):
            try:
                value = float(raw)
            except ValueError:
                value = math.nan
        if not _is_number(value) or not low <= value <= high:
            raise StateValueError(f"{name} must be a number from {low:g} to {high:g}. Received: {name}={raw!r}")
        return float(value)

    return Field(name, key, default, parse, _text_of, after, linked, bounds=(low, high))


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def flag(name: str, key: str, default: bool = False, *, linked: bool = True) -> Field:
    """On or off (a checkbox or toggle); 1/0, true/false, yes/no or on/off in a link."""

    def parse(raw: Any, values: Values) -> bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in _TRUE + _FALSE:
            return raw.strip().lower() in _TRUE
        raise StateValueError(f"{name} must be 1 or 0 (on or off). Received: {name}={raw!r}")

    return Field(name, key, default, parse, _text_of, (), linked)


def text(name: str, key: str, default: str, *, pattern: str = r"[^\x00-\x1f]*", max_chars: int = 100,
         after: tuple[str, ...] = (), optional: bool = False, linked: bool = True) -> Field:
    """A short text (a text input, or a name such as a layer's) matching a pattern."""

    def parse(raw: Any, values: Values) -> str | None:
        if raw is None and optional:
            return None
        if not isinstance(raw, str) or len(raw) > max_chars or not re.fullmatch(pattern, raw):
            raise StateValueError(f"{name} must be a text of at most {max_chars} characters ({pattern}). "
                                  f"Received: {name}={raw!r}")
        return raw

    return Field(name, key, default, parse, str, after, linked)


def subset(name: str, key: str, options: Sequence[Any], default: Sequence[Any], *, linked: bool = True) -> Field:
    """Some of the options, in order, each once (a multiselect); comma-separated in a link."""
    options = tuple(options)

    def parse(raw: Any, values: Values) -> list[Any]:
        items = [t for t in raw.split(",") if t.strip()] if isinstance(raw, str) else raw
        if not isinstance(items, (list, tuple)):
            raise StateValueError(f"{name} must be a list of {_shown(options, _text_of)}. Received: {name}={raw!r}")
        return list(dict.fromkeys(_pick(item, options, name, _text_of) for item in items))

    return Field(name, key, list(default), parse, lambda v: ",".join(_text_of(o) for o in v), (), linked,
                 options=options)


def span(name: str, key: str, low: int, high: int, default: tuple[int, int], *, linked: bool = True) -> Field:
    """A range of whole numbers low <= start <= end <= high (a range slider); "10-60" in a link."""

    def parse(raw: Any, values: Values) -> tuple[int, int]:
        pair = raw
        if isinstance(raw, str):
            found = re.fullmatch(r"\s*(-?\d+)\s*[-,:]\s*(-?\d+)\s*", raw)
            pair = (int(found.group(1)), int(found.group(2))) if found else None
        if (not isinstance(pair, (list, tuple)) or len(pair) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
                or not low <= pair[0] <= pair[1] <= high):
            raise StateValueError(f"{name} must be two whole numbers {low} <= start <= end <= {high}. "
                                  f"Received: {name}={raw!r}")
        return (pair[0], pair[1])

    return Field(name, key, tuple(default), parse, lambda v: f"{v[0]}-{v[1]}", (), linked, bounds=(low, high))


def indices(name: str, key: str, *, after: tuple[str, ...] = (), most: int = 100_000, linked: bool = True) -> Field:
    """A set of row numbers (layers toggled by hand), sorted; "1,5,7" in a link ("" for none)."""

    def parse(raw: Any, values: Values) -> tuple[int, ...]:
        items = [t for t in raw.split(",") if t.strip()] if isinstance(raw, str) else raw
        if not isinstance(items, (list, tuple, set, frozenset)):
            raise StateValueError(f"{name} must be a list of row numbers. Received: {name}={raw!r}")
        rows = {check_whole_number(int(t) if isinstance(t, str) and t.strip().isdigit() else t, name, 0, most,
                                   error=StateValueError) for t in items}
        return tuple(sorted(rows))

    return Field(name, key, (), parse, lambda v: ",".join(map(str, v)), after, linked)
