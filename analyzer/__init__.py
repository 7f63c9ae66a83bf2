"""The `analyze` application: command line, renderers, statistics."""
