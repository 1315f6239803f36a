"""The session's language: chosen in the sidebar, carried in the link (?lang=ko), else the browser's.

The router calls `start_language()` before anything is drawn and `language_selector()` in
the sidebar, so both happen on every page. The language is decided once per session:

1. the link's ``lang`` (a shared link opens in its language),
2. else the browser's preferred language (st.context.locale, else the Accept-Language header),
3. else English;

after that the sidebar's selector decides, and the link follows it (``?lang=`` is rewritten
whenever it differs), so a copied link keeps the language. A link edited by hand to another
language wins over the selector once. Switching languages keeps every widget's value: widgets
are keyed, and a keyed widget keeps its value when its label changes.

Pages translate with ``_`` (re-exported from explorer.i18n). Page states that read the link
must leave ``lang`` to this module: pass LANG_PARAM in ``others`` of PageState.from_query and
keep it when writing a link.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from explorer.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    LANGUAGES,
    N_,
    _,
    current_language,
    format_number,
    format_percent,
    match_language,
    ngettext,
    preferred_language,
    set_language,
    set_language_resolver,
    untranslate,
)

__all__ = [
    "LANG_KEY",
    "LANG_PARAM",
    "N_",
    "_",
    "browser_language",
    "current_language",
    "format_number",
    "format_percent",
    "language_selector",
    "ngettext",
    "start_language",
    "translated_tabs",
]

LANG_KEY = "app.lang"
"""The selector's widget key (session state)."""
LANG_PARAM = "lang"
"""The link parameter: ?lang=ko or ?lang=en."""
_LINK_SEEN = "_app.lang_in_link"
"""The language the link said on the last run (to tell a hand-edited link from our own)."""


def _from_session() -> str | None:
    """The session's language, else the link's (a page script run on its own, as in a page's AppTest)."""
    try:
        return st.session_state.get(LANG_KEY) or _link_language()
    except Exception:  # no session (a thread outside a script run)
        return None


# A thread that never set the language (a fragment re-running alone, a page run without the router)
# asks the session.
set_language_resolver(_from_session)


def browser_language() -> str | None:
    """The supported language the browser prefers: its locale, else the first one its
    Accept-Language header names that we have (q-values in the header's order)."""
    found = match_language(getattr(st.context, "locale", None))
    if found:
        return found
    headers = st.context.headers
    return preferred_language(headers.get("Accept-Language") if headers is not None else None)


def _link_language() -> str | None:
    raw = st.query_params.get_all(LANG_PARAM)
    return match_language(raw[-1]) if raw else None


def start_language() -> str:
    """Decide this run's language, make it current for the run, and keep ?lang= in the link.

    Call it at the top of the router, before anything translated is built.
    """
    ss = st.session_state
    in_link = _link_language()
    if LANG_KEY not in ss or ss[LANG_KEY] not in LANGUAGES:
        ss[LANG_KEY] = in_link or browser_language() or DEFAULT_LANGUAGE
    elif in_link and in_link != ss.get(_LINK_SEEN) and in_link != ss[LANG_KEY]:
        ss[LANG_KEY] = in_link  # the link was changed by hand
    language = ss[LANG_KEY]
    set_language(language)
    if st.query_params.get(LANG_PARAM) != language:
        st.query_params[LANG_PARAM] = language
    ss[_LINK_SEEN] = language
    return language


def translated_tabs(ids: tuple[str, ...], key: str, **kwargs: Any) -> dict[str, Any]:
    """st.tabs with labels in the session's language, by English id ({id: tab container}).

    A keyed st.tabs keeps the label of the open tab in session state, and a label that is not
    among the tabs opens the first one. So before drawing, a label from another language (the
    user just switched) or an English id (a link, a preset) becomes this language's label: the
    open tab stays open across a switch.
    """
    labels = [_(i) for i in ids]
    value = st.session_state.get(key)
    if isinstance(value, str) and value not in labels:
        found = untranslate(value, ids)
        if found in ids:
            st.session_state[key] = labels[ids.index(found)]
    return dict(zip(ids, st.tabs(labels, key=key, **kwargs)))


def language_selector() -> None:
    """The sidebar's language switch (English / 한국어); its label reads in both languages."""
    st.sidebar.radio(
        "Language · 언어",
        LANGUAGES,
        key=LANG_KEY,
        format_func=LANGUAGE_NAMES.__getitem__,
        horizontal=True,
    )
