"""Placeholder: the rawip dissector is being written."""
