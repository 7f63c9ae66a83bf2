"""Placeholder: the http dissector is being written."""
