"""Placeholder: the null dissector is being written."""
