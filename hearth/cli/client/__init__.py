"""The CLI client: ``hearth vm|template|iface|image|volume|network|key|task …`` over the /v1 API.

Each group lives in its own module and imports only typer at module level: ``hearth design``
loads every group to build its command tree, so httpx and rich are imported inside commands.
"""
