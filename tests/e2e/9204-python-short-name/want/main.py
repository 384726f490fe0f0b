"""HTTP API of svc (FastAPI).

Install the package first, then serve the app from the project root:

    python3 -m pip install -e '.[api]'
    python3 -m uvicorn main:app --app-dir api --reload
"""

from fastapi import FastAPI

from svc import __version__
from routers import items

app = FastAPI(title="svc", version=__version__)
app.include_router(items.router)


@app.get("/healthz", tags=["health"])
def healthz() -> dict:
    """Liveness probe, used by the Docker healthcheck and the tests."""
    return {"status": "ok"}
