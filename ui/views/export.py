"""Placeholder until its kg API lands."""

import streamlit as st

st.title("export")
st.info("Coming soon.")
