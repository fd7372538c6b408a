"""Placeholder until its kg API lands."""

import streamlit as st

st.title("coverage")
st.info("Coming soon.")
