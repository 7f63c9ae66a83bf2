"""What `analyze` writes for the packets it shows: one module per output (the packet
list, the detail tree, the hex dump, fields, JSON and EK), `formats.py` the `-T` names.
The compiled writers (captures/compiled_build.py MODULES) are found in the build by
its `_BuildFinder` once `captures` is imported."""
