"""Router: page configuration and navigation only (no TensorFlow import here)."""

import streamlit as st

from ui.navigation import HOME, PAGES

st.set_page_config(page_title="CNN Explorer", page_icon=":material/grid_on:", layout="wide")
pages = [st.Page(HOME.path, title=HOME.title, icon=HOME.icon, default=True)]
pages += [st.Page(p.path, title=p.title, icon=p.icon) for p in PAGES]
st.navigation(pages).run()
