"""Tests of the order-service-for-the-catalogue-of-shops API with
FastAPI's TestClient.
"""
