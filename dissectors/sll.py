"""Placeholder: the sll dissector is being written."""
