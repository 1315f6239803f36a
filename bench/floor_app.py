"""The floor for bench_clicks: the least a Streamlit page can do after a click (one number input and
one metric), served by the same Streamlit as the app. Every click the app answers is measured
against this page's click, in the same Chromium run."""

import streamlit as st

value = st.number_input("Value", 0, 1_000_000, 0, step=1, key="floor.value")
st.metric("Twice the value", f"{2 * value:,}")
