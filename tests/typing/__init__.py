"""
Static typing tests: checked by mypy and pyright, never run.

The files are named ``check_*.py`` so that pytest does not collect them. Each
``assert_type`` pins what a public call returns; each deliberately wrong line carries
``# type: ignore[<code>]`` for mypy and ``# pyright: ignore[<rule>]`` for pyright, and
both checkers treat an unneeded ignore as an error, so a change in either direction
breaks the build.
"""
