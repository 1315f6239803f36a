"""Glossary: the field's terms in English and Korean (explorer/locales/glossary.csv), as the app uses them."""

import streamlit as st

from explorer.i18n import glossary
from ui.i18n import _

st.title(_("Glossary"))
st.markdown(_(
    "Lectures, papers and the Keras documentation use the English terms; the Korean pages of this app "
    "use the Korean ones below, following the Korean translations of the PyTorch and TensorFlow documentation."
))
search = st.text_input(_("Find a term"), key="glossary.search", placeholder=_("convolution, 합성곱..."))
terms = [t for t in glossary()
         if search.strip().lower() in " ".join((t.en, t.ko, *t.also)).lower()]
# A table that wraps its text (a data grid cut every note at its column's edge on a projector).
st.table({_("English"): [t.en for t in terms], _("Korean"): [t.ko for t in terms],
          _("Also seen as"): [", ".join(t.also) for t in terms], _("Note"): [t.note for t in terms]},
         hide_index=True, border="horizontal")
st.caption(_("{n} of {total} terms").format(n=len(terms), total=len(glossary())))
