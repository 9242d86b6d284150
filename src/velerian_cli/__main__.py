"""``python -m velerian_cli``: the ``velerian`` command."""

from . import main

main()
