"""The ``hearth`` command line: local tools (design, osinfo) and, later, the API client."""
