"""Deltacloud's classic REST API at ``/api`` (wire compatible with Apache Deltacloud 1.1.3).

Served by its own ASGI app (``frontend.DeltacloudEntry``) ahead of /v1's middleware, because its
documents are XML, JSON or HTML by negotiation and its errors must keep Deltacloud's shape.
"""
