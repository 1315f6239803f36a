"""Home: what the explorer is and one click to every page."""

import streamlit as st

from ui.navigation import PAGES

st.title("CNN & transfer-learning explorer")
st.markdown(
    "An interactive companion to a course on convolutional networks: every number "
    "on these pages is computed by Keras or TensorFlow, offline."
)
for page in PAGES:
    with st.container(border=True):
        st.page_link(page.path, label=page.title, icon=page.icon)
        st.write(page.blurb)
