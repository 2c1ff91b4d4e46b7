"""Media primitives the drivers build on: media URLs, removable-drive rules, the ``<disk>``/QMP of a medium.

They sit below the drivers, so a backend can attach media without reaching up into the service;
nothing here imports a backend, the driver base, the service or the API (the removable-drive rules
take their closed sets from the contract models in ``hearth.drivers.resources``). Sources,
listing, probing, the cache and uploads are the service's business: ``hearth.service.media``.
"""
