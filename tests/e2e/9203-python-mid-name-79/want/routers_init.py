"""Routers of the order-service-for-the-catalogue-of-shops API."""
