"""Placeholder: the icmp dissector is being written."""
