"""One module per report section; each exposes ``build(ctx) -> Section``.

A builder reads its inputs through the services the commands use; when an input is absent
(no diagnosis, no survey) it returns an *omitted* section whose note says what is missing and
how to provide it, never an error.
"""
