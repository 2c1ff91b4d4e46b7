"""The media service: sources (dirs, NFS exports, URL lists), confined listing, probing, the cache, uploads.

Every frontend shares these operations (``core.MediaService``); the drivers only see what they
resolve to, a ``MediumSource`` in a drive, through the primitives in ``hearth.media``. Import the
submodules directly (``hearth.service.media.cache`` ...).
"""
