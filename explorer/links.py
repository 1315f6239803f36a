"""Links: each page's state as short, readable URL parameters, declared once (no Streamlit).

A page's link vocabulary is a `PageLink`: one `Field` per value the page keeps, with its name
in a link ("backbone"), its widget key ("freeze.backbone"), its default (a value, or computed
from the fields before it) and its check. The UI (ui/state) builds each page's session state
on these declarations, and the CLI (`python -m explorer link PAGE ...`) and the lessons
(explorer.lessons) check a configuration with the very same ones, without importing Streamlit.

A bad or unknown value in a link is dropped and named; that field falls back to its default.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from explorer.checks import check_whole_number
from explorer.errors import ExplorerInputError
from explorer.i18n import N_, untranslate

__all__ = [
    "APP_PARAMS",
    "RUN_PARAM",
    "LINKS",
    "Field",
    "PageLink",
    "StateValueError",
    "choice",
    "flag",
    "get_link",
    "indices",
    "link_url",
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

RUN_PARAM = "run"
"""The session's live training run (its record folder's name) in the address bar: a page that
reconnects after a server restart finds the run it lost. Never part of a shared link."""
APP_PARAMS = ("lang", "present", "lesson", "step", "embed", "embed_options", RUN_PARAM)
"""Link parameters that belong to the app, not to a page: a page's link leaves them alone."""


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


class PageLink:
    """A page's link vocabulary: its fields, in order (a default or a check may read the fields before it).

    Args:
        page: the page's state name ("freeze").
        slug: the page's address ("freeze_lab": /freeze_lab?backbone=vgg16).
        fields: the page's values; the first must be a widget the page draws on every run.
        decode: rewrites a link's texts before they are read (a compact form of two fields).
        encode: rewrites a link's texts after they are written, (texts, values) -> texts.
        always: fields written even at their default (a link to a lecture's configuration
            should not change when a default does).
    """

    def __init__(self, page: str, slug: str, fields: Iterable[Field], *,
                 decode: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
                 encode: Callable[[dict[str, str], Values], dict[str, str]] | None = None,
                 always: tuple[str, ...] = ()) -> None:
        self.page = page
        self.always = always
        self.slug = slug
        self.fields = tuple(fields)
        self._decode = decode
        self._encode = encode
        self._by_name: dict[str, Field] = {}
        self._by_key: dict[str, Field] = {}
        for f in self.fields:
            if f.name in self._by_name or f.key in self._by_key:
                raise ValueError(f"Field names and keys are unique in a page. Received: {f.name!r} ({f.key!r})")
            if f.name in APP_PARAMS:
                raise ValueError(f"A field's name is not one of the app's link parameters. Received: {f.name!r}")
            unknown = [name for name in f.after if name not in self._by_name]
            if unknown:
                raise ValueError(f"A field resets after earlier fields only. Received: {f.name}.after={unknown}")
            self._by_name[f.name] = f
            self._by_key[f.key] = f

    def __getitem__(self, name_or_key: str) -> Field:
        found = self._by_key.get(name_or_key) or self._by_name.get(name_or_key)
        if found is None:
            raise KeyError(f"The {self.page} page has no field {name_or_key!r}")
        return found

    def __contains__(self, name_or_key: object) -> bool:
        return name_or_key in self._by_key or name_or_key in self._by_name

    @property
    def keys(self) -> tuple[str, ...]:
        """Every field's widget key, in order."""
        return tuple(f.key for f in self.fields)

    @property
    def names(self) -> tuple[str, ...]:
        """Every linked field's name, in order (the page's link vocabulary)."""
        return tuple(f.name for f in self.fields if f.linked)

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

    def check(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Every field's value from a configuration that must be right (a lesson step, the CLI).

        Raises:
            StateValueError: a name this page does not have, or a value its field refuses
                (the field's own message, naming the value).
        """
        texts = self._decoded(given)
        unknown = [name for name in texts if name not in self._by_name or not self._by_name[name].linked]
        if unknown:
            raise StateValueError(f"The {self.slug} page's link parameters are {', '.join(self.names)}. "
                                  f"Received: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for f in self.fields:
            values[f.name] = f.parse(texts[f.name], values) if f.name in texts else f.default_for(values)
        return values

    def defaults(self) -> dict[str, Any]:
        """Every field's default by name."""
        return self.resolve({})[0]

    def to_query(self, values: Mapping[str, Any], *, only_changed: bool = False) -> dict[str, str]:
        """The linked fields as link parameters (name -> text); unset (None) values are left out.

        Args:
            values: by name.
            only_changed: leave out the values equal to their default (a shorter link).
        """
        defaults: dict[str, Any] = {}
        query = {}
        for f in self.fields:
            value = values.get(f.name)
            defaults[f.name] = f.default_for(defaults)
            same = only_changed and value == defaults[f.name] and f.name not in self.always
            if f.linked and value is not None and not same:
                query[f.name] = f.to_text(value)
            defaults[f.name] = value  # later defaults follow the values the link gives
        return self._encode(query, values) if self._encode else query

    def from_query(self, query: Mapping[str, Any], *, others: Iterable[str] = APP_PARAMS
                   ) -> tuple[dict[str, Any], list[str]]:
        """Every field's value from link parameters (st.query_params or a dict of texts).

        Args:
            query: name -> text (or a list of texts: the last one counts).
            others: parameter names that belong to the app, not to this page (ignored silently).

        Returns:
            (values, ignored): every field by name (a missing or refused value is the
            default), and the parameter names that were refused or that this page does not know.
        """
        texts = self._decoded(query)
        known = {name: raw for name, raw in texts.items() if name in self._by_name and self._by_name[name].linked}
        values, dropped = self.resolve(known)
        skip = set(others)
        return values, dropped + [name for name in texts if name not in known and name not in skip]

    def _decoded(self, query: Mapping[str, Any]) -> dict[str, Any]:
        texts = {name: raw[-1] if isinstance(raw, (list, tuple)) and raw else raw for name, raw in query.items()}
        return self._decode(texts) if self._decode else texts

    def url(self, values: Mapping[str, Any], base: str = "", extra: Mapping[str, str] | None = None) -> str:
        """The page's address with these values (only those that differ from the defaults)."""
        query = {**self.to_query(values, only_changed=True), **(extra or {})}
        return f"{base.rstrip('/')}/{self.slug}" + (f"?{urlencode(query, safe=':,')}" if query else "")


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


def _ranges(rows: Iterable[int]) -> str:
    """Row numbers as runs: (0, 1, 2, 3, 7) -> "0-3,7"."""
    parts: list[str] = []
    rows = sorted(rows)
    i = 0
    while i < len(rows):
        j = i
        while j + 1 < len(rows) and rows[j + 1] == rows[j] + 1:
            j += 1
        parts.append(str(rows[i]) if i == j else f"{rows[i]}-{rows[j]}")
        i = j + 1
    return ",".join(parts)


def indices(name: str, key: str, *, after: tuple[str, ...] = (), most: int = 100_000, linked: bool = True) -> Field:
    """A set of row numbers (layers toggled by hand), sorted; runs in a link: "0-3,7" ("" for none)."""

    def parse(raw: Any, values: Values) -> tuple[int, ...]:
        if isinstance(raw, str):
            items: Any = []
            for part in (t.strip() for t in raw.split(",") if t.strip()):
                run = re.fullmatch(r"(\d+)-(\d+)", part)
                if run and int(run.group(1)) <= int(run.group(2)) <= most:
                    items.extend(range(int(run.group(1)), int(run.group(2)) + 1))
                else:
                    items.append(int(part) if part.isdigit() else part)
        else:
            items = raw
        if not isinstance(items, (list, tuple, set, frozenset)):
            raise StateValueError(f"{name} must be a list of row numbers. Received: {name}={raw!r}")
        rows = {check_whole_number(t, name, 0, most, error=StateValueError) for t in items}
        return tuple(sorted(rows))

    return Field(name, key, (), parse, _ranges, after, linked)


# ---------------------------------------------------------------------- the pages' vocabularies
# Heavy modules (TensorFlow behind explorer.training) are never imported here: a link is read in
# the CLI and the web process alike. Option lists that live in such modules are repeated, and a
# test keeps each copy equal to its source.


def _backbone_ids(values: Values) -> list[str]:
    from explorer.models.backbones import list_backbones

    return [s.id for s in list_backbones()]


def _spec(values: Values) -> Any:
    from explorer.models.backbones import get_backbone

    return get_backbone(values["backbone"])


def _suggested(part: int) -> Callable[[Values], Any]:
    """The head the notes use for the chosen backbone: (kind, hidden units, outputs)[part]."""
    return lambda values: _spec(values).suggested_head[part]


def _decode_plan(texts: dict[str, Any]) -> dict[str, Any]:
    """plan=last:4 is plan=last with n=4 (the CLI's --trainable form); plan=last&n=4 also reads."""
    plan = texts.get("plan")
    if isinstance(plan, str) and ":" in plan:
        kind, _, n = plan.partition(":")
        texts = {**texts, "plan": kind.strip()}
        texts.setdefault("n", n.strip())
    return texts


def _encode_plan(query: dict[str, str], values: Values) -> dict[str, str]:
    """Writes plan=last:N (or from:N); N alone means nothing for the other plans."""
    query.pop("n", None)
    if values.get("plan") in ("last", "from"):
        query = {name: (f"{text_}:{values['n']}" if name == "plan" else text_) for name, text_ in query.items()}
    return query


from explorer.models.backbones import MAX_INPUT_SIZE  # noqa: E402  (cheap: no TensorFlow)
from explorer.models.heads import MAX_HIDDEN_UNITS  # noqa: E402
from explorer.models.params import PLAN_KINDS  # noqa: E402
from explorer.models.presets import FREEZE_PRESETS  # noqa: E402

FREEZE = PageLink("freeze", "freeze_lab", (
    choice("backbone", "freeze.backbone", _backbone_ids, "vgg16"),
    whole("size", "freeze.input_size", lambda v: _spec(v).min_size, MAX_INPUT_SIZE, lambda v: _spec(v).default_size,
          after=("backbone",)),
    choice("head", "freeze.head", ("flatten", "gap"), _suggested(0), after=("backbone",)),
    whole("hidden", "freeze.hidden", 0, MAX_HIDDEN_UNITS, _suggested(1), after=("backbone",)),
    number("dropout", "freeze.dropout", 0.0, 0.9, 0.0, after=("backbone",)),
    whole("outputs", "freeze.outputs", 1, 100_000, _suggested(2), after=("backbone",)),
    choice("plan", "freeze.plan", PLAN_KINDS, "none"),
    whole("n", "freeze.plan_n", 0, 100_000, 4),  # at most the backbone's layer count: the page clamps it
    indices("layers", "freeze.toggles", after=("backbone", "size", "plan", "n")),
    choice("preset", "freeze.preset", [p.label for p in FREEZE_PRESETS], optional=True, linked=False),
), decode=_decode_plan, encode=_encode_plan, always=("backbone", "size", "head", "hidden", "outputs", "plan"))


from explorer import convolution as cv  # noqa: E402

CONV_TABS = (N_("2D convolution"), N_("On a photo"), N_("1D signal"), N_("Pooling"), N_("Receptive field"),
             N_("Small vs big kernels"))
CONV_KERNELS = (*cv.KERNEL_PRESETS, N_("custom"))
CONV_PADDINGS = ("valid", "same", 1, 2, 3)
CONV_MAX_STEP = 100_000
"""Steps are also at most the number of window positions: the step slider clamps them."""

CONVOLUTION = PageLink("convolution", "convolution_lab", (
    # The tabs hold the label shown, in the session's language: links carry the English name.
    choice("tab", "conv.tab", CONV_TABS, to_text=lambda label: _text_of(untranslate(label, CONV_TABS))),
    choice("input", "conv.input", cv.INPUT_PRESETS),
    whole("size", "conv.size", 5, 16, 7),
    choice("kernel", "conv.kernel", CONV_KERNELS, CONV_KERNELS[4]),
    whole("ksize", "conv.kernel_size", 1, 7, 3),
    choice("stride", "conv.stride", (1, 2, 3)),
    choice("padding", "conv.padding", CONV_PADDINGS),
    choice("dilation", "conv.dilation", (1, 2, 3)),
    whole("at", "conv.step", 1, CONV_MAX_STEP, 1),
    choice("photo", "conv.photo.source", (N_("cat"), N_("coffee"), N_("upload"))),
    whole("side", "conv.photo.resolution", 32, 256, 128),
    choice("photo_kernel", "conv.photo.kernel", tuple(cv.KERNEL_PRESETS), CONV_KERNELS[4]),
    choice("photo_stride", "conv.photo.stride", (1, 2, 4)),
    choice("signal", "conv.1d.signal", cv.SIGNAL_PRESETS),
    whole("length", "conv.1d.length", 8, 48, 24),
    choice("kernel1d", "conv.1d.kernel", (*cv.KERNEL_1D_PRESETS, N_("custom"))),
    text("custom1d", "conv.1d.custom", "1, 0, -1"),  # the page reads the numbers and says what is wrong
    choice("stride1d", "conv.1d.stride", (1, 2, 3)),
    choice("padding1d", "conv.1d.padding", CONV_PADDINGS),
    choice("dilation1d", "conv.1d.dilation", (1, 2, 3)),
    whole("at1d", "conv.1d.step", 1, CONV_MAX_STEP, 1),
    choice("pool_input", "conv.pool.input", cv.INPUT_PRESETS, cv.INPUT_PRESETS[5]),
    whole("pool_size", "conv.pool.size", 4, 16, 8),
    choice("pool", "conv.pool.mode", (N_("max"), N_("avg"))),
    choice("window", "conv.pool.window", (2, 3, 4)),
    choice("pool_stride", "conv.pool.stride", (1, 2, 3), 2),
    choice("pool_padding", "conv.pool.padding", ("valid", "same")),
    whole("pool_at", "conv.pool.step", 1, CONV_MAX_STEP, 1),
    whole("layers", "conv.rf.layers", 1, 8, 3),
    choice("rf_kernel", "conv.rf.kernel", (1, 3, 5, 7), 3),
    choice("rf_stride", "conv.rf.stride", (1, 2, 3)),
    choice("rf_dilation", "conv.rf.dilation", (1, 2, 4)),
    whole("channels", "conv.stack.channels", 1, 2048, 64),
    whole("n", "conv.stack.n", 3, 9, 7),
))


from explorer.io.images import SAMPLE_IMAGES  # noqa: E402

ACT_TABS = (N_("Feature maps"), N_("Through the network"), N_("First-layer filters"), N_("Predictions & Grad-CAM"))
ACT_SCALES = (N_("shared"), N_("per channel"))
ACT_CHANNEL_COUNTS = (4, 8, 16, 32, 64)
"""explorer.figures.activations.CHANNEL_COUNTS (Plotly stays out of a link)."""
ACT_TOP_CLASS = -1
"""The class value meaning "whatever class ranks first"."""

ACTIVATIONS = PageLink("activations", "activations_lab", (
    choice("backbone", "act.backbone", _backbone_ids, "efficientnet_lite0"),
    choice("sample", "act.sample", tuple(SAMPLE_IMAGES), "cat"),
    # The tabs hold the label shown, in the session's language: links carry the English name.
    choice("tab", "act.tab", ACT_TABS, to_text=lambda label: _text_of(untranslate(label, ACT_TABS))),
    # Unset: the page starts at the backbone's first convolution and its most active channel.
    whole("stage", "act.stage", 0, 100, None, after=("backbone",), optional=True),
    text("layer", "act.layer", None, pattern=r"[A-Za-z0-9_./-]+", after=("backbone",), optional=True),
    choice("channels", "act.count", ACT_CHANNEL_COUNTS, 16),
    choice("scale", "act.scale", ACT_SCALES, "shared"),
    whole("rank", "act.rank", 0, 100_000, None, after=("backbone",), optional=True),
    number("opacity", "act.opacity", 0.0, 1.0, 0.6),
    whole("class", "act.cam_class", ACT_TOP_CLASS, 999, ACT_TOP_CLASS, after=("backbone",)),
))


FINETUNE_STRATEGIES = ("feature-extraction", "fine-tune", "two-stage", "scratch")
"""explorer.training.STRATEGIES (explorer.training imports TensorFlow)."""
FINETUNE_DATA = ("shapes", "digits", "zip", "photos")
FINETUNE_SIZES = (32, 48, 64, 96, 128, 160, 224)
FINETUNE_RATES = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2)
FINETUNE_METRICS = ("val_accuracy", "val_loss", "accuracy", "loss")

FINETUNE = PageLink("finetune", "finetune_lab", (
    choice("data", "finetune.data", FINETUNE_DATA, "shapes"),
    whole("per_class", "finetune.per_class", 4, 200, 40),
    choice("backbone", "finetune.backbone", _backbone_ids, "efficientnet_lite0"),
    choice("size", "finetune.size", FINETUNE_SIZES, 48),
    choice("strategy", "finetune.strategy", FINETUNE_STRATEGIES, "feature-extraction"),
    whole("epochs", "finetune.epochs", 1, 50, 6),
    whole("stage2", "finetune.stage2", 0, 30, 3),
    whole("n", "finetune.n", 0, 500, 20),
    # The defaults teach SEEDS section 4 in a CPU minute (tests/pages/test_finetune_lab.py pins it): stage 1
    # of two-stage is feature extraction at its rate, stage 2 trains all but BatchNormalization 10x lower.
    *(choice(f"lr_{strategy}", f"finetune.lr_{strategy}", FINETUNE_RATES, 1e-3) for strategy in FINETUNE_STRATEGIES),
    choice("lr2", "finetune.lr2", (1e-6, 3e-6, 1e-5, 3e-5, 1e-4), 1e-4),
    choice("batch", "finetune.batch", (8, 16, 32, 64, 128), 32),
    choice("head", "finetune.head", ("gap", "flatten"), "gap"),
    whole("hidden", "finetune.hidden", 0, MAX_HIDDEN_UNITS, 0),
    whole("patience", "finetune.patience", 0, 20, 2),
    choice("factor", "finetune.factor", (0.1, 0.2, 0.5, 0.8), 0.5),
    choice("min_lr", "finetune.min_lr", (1e-7, 1e-6, 1e-5), 1e-6),
    flag("early", "finetune.early", False),
    whole("early_patience", "finetune.early_patience", 0, 20, 3),
    subset("sizes", "finetune.sizes", (2, 4, 8, 16, 32, 64, 128), (4, 8, 16, 32)),
    choice("metric", "finetune.metric", FINETUNE_METRICS, "val_accuracy"),
))


from explorer.advisor import SIMILARITIES  # noqa: E402


def pretrained_backbones(values: Values | None = None) -> list[str]:
    """The backbones that come with ImageNet weights (transfer learning needs them)."""
    from explorer.models.backbones import list_backbones

    return [s.id for s in list_backbones() if s.weights_source != "none"]


ADVISOR = PageLink("advisor", "strategy_advisor", (
    whole("images", "advisor.images", 1, 100_000_000, 300),
    whole("classes", "advisor.classes", 2, 100_000, 2),
    choice("similarity", "advisor.similarity", SIMILARITIES, "different", optional=True),  # a click can unselect it
    choice("backbone", "advisor.backbone", pretrained_backbones),
))


def _zoo_ids(values: Values) -> list[str]:
    from explorer.case_studies.zoo import ZOO

    return [spec.id for spec in ZOO]


CASE_STUDIES = PageLink("case_studies", "case_studies", (
    choice("network", "case.network", _zoo_ids, "vgg16", optional=True),  # a click can unselect it
))

from explorer import detection as dt  # noqa: E402

DETECTION = PageLink("detection", "detection_basics", (
    span("a_x", "detect.a_x", 0, 100, (10, 60)),
    span("a_y", "detect.a_y", 0, 100, (20, 70)),
    span("b_x", "detect.b_x", 0, 100, (20, 70)),
    span("b_y", "detect.b_y", 0, 100, (25, 75)),
    # The five sample predictions' boxes, as dragged on the page ("x1,y1,x2,y2_..." in a link).
    Field("preds", "detect.predictions", tuple(d.box for d in dt.SAMPLE_DETECTIONS),
          lambda raw, values: dt.parse_boxes(raw, len(dt.SAMPLE_DETECTIONS)), dt.boxes_text),
))

LINKS: dict[str, PageLink] = {link.slug: link for link in (
    FREEZE, CONVOLUTION, ACTIVATIONS, FINETUNE, ADVISOR, CASE_STUDIES, DETECTION)}
"""Every page with state, by its address (freeze_lab, convolution_lab, ...)."""

PLAIN_PAGES = ("home", "glossary", "lessons")
"""Pages without state: a link to them has no parameters of its own."""


def get_link(page: str) -> PageLink:
    """A page's link vocabulary by its address or its state name ("freeze_lab" or "freeze").

    Raises:
        ExplorerInputError: no page has that name.
    """
    for link in LINKS.values():
        if page in (link.slug, link.page):
            return link
    raise ExplorerInputError(f"A page is one of {', '.join(LINKS)}. Received: page={page!r}")


def link_url(page: str, given: Mapping[str, Any], base: str = "", extra: Mapping[str, str] | None = None) -> str:
    """The address of a page's configuration, every value checked as the page checks a link.

    Args:
        page: a page's address or state name.
        given: name -> value or text (the link's vocabulary; plan=last:4 reads too).
        base: the app's address ("http://host:8501"); "" gives a path.
        extra: app parameters to add (present=1, lang=ko).

    Raises:
        ExplorerInputError: an unknown page or parameter, or a value the page refuses.
    """
    if page in PLAIN_PAGES:
        if given:
            raise StateValueError(f"The {page} page has no link parameters. Received: {', '.join(given)}")
        query = dict(extra or {})
        path = "" if page == "home" else page  # the home page is the app's root
        return f"{base.rstrip('/')}/{path}" + (f"?{urlencode(query, safe=':,')}" if query else "")
    link = get_link(page)
    return link.url(link.check(given), base, extra)
