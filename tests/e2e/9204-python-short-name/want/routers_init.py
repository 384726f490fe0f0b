"""Routers of the svc API."""
