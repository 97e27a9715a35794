"""The app's glue: everything Streamlit that is not a page (settings, widgets, sidebar, caches, exports)."""
