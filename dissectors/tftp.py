"""Placeholder: the tftp dissector is being written."""
