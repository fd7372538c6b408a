"""Placeholder until its kg API lands."""

import streamlit as st

st.title("gaps")
st.info("Coming soon.")
