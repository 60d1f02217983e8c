"""The files that travel with the code: the stylesheet, the demo estate and the rules (found with
importlib.resources, see tui/resources.py)."""
