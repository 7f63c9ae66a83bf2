"""What `analyze` writes for the packets it shows: one module per output (the packet
list, the detail tree, the hex dump, fields, JSON and EK), `formats.py` the `-T` names."""

import sys

# The mypyc-compiled writers (-V, -T json), when built and up to date, as for the
# dissectors (dissectors/compiled.py): put on this path now if the dissectors are
# imported, else by them when they are (importing this must not import them).
if "dissectors.compiled" in sys.modules:
    from dissectors.compiled import use_compiled

    use_compiled(__path__, package="analyzer/output")
