"""The ``kam`` command line: the composition root that wires core to its front ends."""
