"""Placeholder: the icmpv6 dissector is being written."""
