"""`python -m analyzer` runs the `analyze` command."""

from analyzer.app import main

main()
