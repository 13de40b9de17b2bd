"""The Streamlit side of Customer Focus: data loading, caching, sign-in, sharing, widgets."""
