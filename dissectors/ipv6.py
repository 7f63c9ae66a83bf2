"""Placeholder: the ipv6 dissector is being written."""
