"""Placeholder: the arp dissector is being written."""
