"""Placeholder until its kg API lands."""

import streamlit as st

st.title("graph")
st.info("Coming soon.")
