"""The ``barrio`` command: one module per command group, all thin over the service functions."""
