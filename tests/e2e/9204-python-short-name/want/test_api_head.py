"""Tests of the svc API with FastAPI's TestClient."""
