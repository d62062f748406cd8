"""Commands of the ``kam`` command line, one module per group."""
