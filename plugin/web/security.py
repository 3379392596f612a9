"""What every response and every log line of the web app share: security headers, no secrets.

The headers keep pages out of frames, caches and other sites' scripts; the app logs a failed
request by its route pattern, never by its path, because one path carries a secret token.
"""

from __future__ import annotations

from flask import Flask, Response, request

#: The dashboard loads only its own script, stylesheet and images; nothing may frame it.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class TiersyncFlask(Flask):
    """Flask, logging errors by route pattern so the Outbound Message token never reaches a log."""

    def log_exception(self, exc_info: object) -> None:
        """Log an unhandled error with the route (e.g. /outbound/<token>), not the real path."""
        rule = request.url_rule.rule if request.url_rule is not None else "(no route)"
        self.logger.error(
            "Exception on %s [%s]",
            rule,
            request.method,
            exc_info=exc_info,  # type: ignore[arg-type]
        )


def add_headers(response: Response) -> Response:
    """Set the security headers on a response (every blueprint, errors and static files too)."""
    for name, value in HEADERS.items():
        response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    """Attach the headers to every response of app."""
    app.after_request(add_headers)
