"""Placeholder: the tcp dissector is being written."""
