"""Install media from local dirs, NFS exports and URLs: confined listing, probing, cache, uploads.

No web framework and no libvirt here: the service and the drivers call these functions, and
the API and CLI only translate. Import the submodules directly (``hearth.media.cache`` ...);
this package keeps its import cheap for the CLI.
"""
