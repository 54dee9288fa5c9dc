"""One module per area. Each router carries its full path prefix, so the app factory can add
the routes themselves rather than include the routers (see entrypoints.http.app).

Every id in a path is routed as a UUID (`{post_id:uuid}`): a path whose id is not one names
no resource, so it matches no route and is a 404 problem on every route alike, before any
authentication or body is looked at (a typed but unconverted `{post_id}` would be a 422).
`openapi.py` documents it; tests/e2e/test_malformed_ids.py walks the routes to hold it."""

API_PREFIX = "/api/v1"
