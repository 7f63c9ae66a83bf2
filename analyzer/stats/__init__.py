"""`-z` statistics: `taps.py` is the registry (`KIND_MODULES`, `register`), every other
module here is one kind of statistic and registers itself when imported."""
