"""Placeholder: the ipmsg dissector is being written."""
