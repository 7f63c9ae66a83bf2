"""Placeholder: the dns dissector is being written."""
