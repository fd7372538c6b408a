"""Placeholder until its kg API lands."""

import streamlit as st

st.title("ask")
st.info("Coming soon.")
