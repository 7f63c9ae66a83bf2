"""Placeholder: the dhcp dissector is being written."""
