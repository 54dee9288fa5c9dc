"""One module per area. Each router carries its full path prefix, so the app factory can add
the routes themselves rather than include the routers (see entrypoints.http.app)."""

API_PREFIX = "/api/v1"
