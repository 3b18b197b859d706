"""The web container's health check (docker-compose.yml): GET /healthz as the reverse proxy sends it, with
the site's host name and X-Forwarded-Proto https. A bare request to 127.0.0.1 answered 400 (the host is
not in ALLOWED_HOSTS) under .env.example, so the container never became healthy (issue 11, point 10)."""

import os
import sys
import urllib.request


def health_request(base: str = "http://127.0.0.1:8000") -> urllib.request.Request:
    hosts = [h.strip().lstrip(".") for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = next((h for h in hosts if h != "*"), "localhost")
    return urllib.request.Request(f"{base}/healthz", headers={"Host": host, "X-Forwarded-Proto": "https"})


if __name__ == "__main__":
    try:
        with urllib.request.urlopen(health_request(), timeout=5) as response:
            sys.exit(0 if response.status == 200 else 1)
    except Exception as exc:  # noqa: BLE001 - any failure is "unhealthy"
        print(exc, file=sys.stderr)
        sys.exit(1)
