"""Home: what the explorer is and one click to every page."""

import streamlit as st

from ui.i18n import _
from ui.navigation import PAGES

st.title(_("CNN & transfer-learning explorer"))
st.markdown(_(
    "An interactive companion to a course on convolutional networks: every number "
    "on these pages is computed by Keras or TensorFlow, offline."
))
for page in PAGES:
    with st.container(border=True):
        st.page_link(page.path, label=_(page.title), icon=page.icon)
        st.write(_(page.blurb))
