"""Placeholder: the vlan dissector is being written."""
