"""Placeholder: the llc dissector is being written."""
