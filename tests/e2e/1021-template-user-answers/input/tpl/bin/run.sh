#!/bin/sh
# copied byte for byte, mode kept
exec python3 -m http.server "${PORT:-8080}"
