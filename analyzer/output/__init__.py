"""What `analyze` writes for the packets it shows: one module per output (the packet
list, the detail tree, the hex dump, fields, JSON and EK), `formats.py` the `-T` names."""

from dissectors.compiled import use_compiled

# The compiled packet-list writer, when built and up to date (dissectors/compiled.py).
COMPILED = use_compiled(__path__, package="analyzer.output")
