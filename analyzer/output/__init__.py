"""What `analyze` writes for the packets it shows: one module per output (the packet
list, the detail tree, the hex dump, fields, JSON and EK), `formats.py` the `-T` names.
The compiled writers (dissectors/compiled.py MODULES) are found in the build by
`compiled._BuildFinder` once the dissectors are imported."""
