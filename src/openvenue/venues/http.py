"""A small ASGI toolkit every face is built on: routing, bodies, JSON decoding and errors.

A face declares its routes on a ``Router`` and hands ``HttpApp`` an error renderer; everything
that can go wrong before or around its handlers (unknown route, wrong method, oversized or
malformed body, a handler that crashes) is answered through that renderer, so a client only ever
sees the face's own error envelope, never a framework page. No framework sits underneath: the
request path is one ASGI callable, a dict lookup for static routes and msgspec for JSON, because
every microsecond here is spent on every order.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from operator import itemgetter
from typing import Any
from urllib.parse import parse_qsl

import msgspec

log = logging.getLogger("openvenue.http")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]

MAX_REQUEST_ID = 64


class HttpError(Exception):
    """Raised by handlers (and by this toolkit) to answer with the face's error envelope."""

    def __init__(self, status: int, code: str, message: str,
                 headers: list[tuple[bytes, bytes]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or []


class Response:
    __slots__ = ("body", "content_type", "headers", "status")

    def __init__(self, status: int, body: bytes, content_type: bytes = b"application/json",
                 headers: list[tuple[bytes, bytes]] | None = None) -> None:
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers


_encode = msgspec.json.Encoder(decimal_format="string").encode


def json_response(value: Any, status: int = 200) -> Response:
    return Response(status, _encode(value))


ErrorRenderer = Callable[[int, str, str, str], Response]
"""(status, code, message, request_id) -> the face's error response."""

Handler = Callable[["Request"], Awaitable[Response]]
WebSocketHandler = Callable[[Scope, Receive, Send], Awaitable[None]]


class Request:
    __slots__ = ("_query", "body", "method", "params", "path", "request_id", "scope")

    def __init__(self, scope: Scope, params: dict[str, str], body: bytes, request_id: str) -> None:
        self.scope = scope
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.params = params
        self.body = body
        self.request_id = request_id
        self._query: dict[str, str] | None = None

    def header(self, name: bytes) -> str | None:
        """The first value of a header (``name`` in lower case), or None."""
        value = self.raw_header(name)
        return None if value is None else value.decode("latin-1")

    def raw_header(self, name: bytes) -> bytes | None:
        """The first value of a header as it came (``name`` in lower case), or None."""
        for key, value in self.scope["headers"]:
            if key == name:
                return value
        return None

    @property
    def query(self) -> dict[str, str]:
        """Query parameters; a repeated name keeps its first value."""
        if self._query is None:
            raw = self.scope.get("query_string", b"")
            query: dict[str, str] = {}
            if raw:
                for key, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
                    query.setdefault(key, value)
            self._query = query
        return self._query


def decode_json(body: bytes, decoder: msgspec.json.Decoder) -> Any:
    """Decode a request body, turning every way it can be wrong into a 400 with a clear message."""
    if not body:
        raise HttpError(400, "INVALID_JSON", "the request body is empty; a JSON object is expected")
    try:
        return decoder.decode(body)
    except msgspec.ValidationError as exc:
        message = str(exc)
        code = "UNKNOWN_FIELD" if message.startswith("Object contains unknown field") else "INVALID_REQUEST"
        raise HttpError(400, code, message) from None
    except msgspec.DecodeError as exc:
        raise HttpError(400, "INVALID_JSON", f"malformed JSON: {exc}") from None
    except UnicodeDecodeError:
        raise HttpError(400, "INVALID_JSON", "the request body is not valid UTF-8") from None
    except RecursionError:
        raise HttpError(400, "INVALID_JSON", "the JSON is nested too deeply") from None


class _Shape:
    """The templated routes of one segment count whose parameters sit at the same positions.

    Their literal segments, picked out of a path in one C call, are a dict key: a path is
    matched with one lookup per shape instead of a comparison per template and segment.
    """

    __slots__ = ("literals", "param_at", "params", "routes")

    def __init__(self, literal_at: tuple[int, ...], param_at: tuple[int, ...]) -> None:
        self.param_at = param_at
        # itemgetter gives the item itself for one position and a tuple for several: the same
        # getter makes the keys when routes are added and when paths are matched
        self.literals: Callable[[list[str]], Any] = (
            itemgetter(*literal_at) if literal_at else _no_literals)
        self.params: Callable[[list[str]], Any] = itemgetter(*param_at)
        # literal key -> (declaration order, parameter names, handlers by method)
        self.routes: dict[Any, tuple[int, tuple[str, ...], dict[str, Handler]]] = {}


def _no_literals(parts: list[str]) -> tuple:
    return ()


class Router:
    """Method + path template -> handler. ``{name}`` segments capture one path segment.

    A path matches a template when it has as many segments (slashes at either end ignored),
    every literal segment is equal and no parameter segment is empty; of several templates
    that match, the first declared wins.
    """

    def __init__(self) -> None:
        self._static: dict[str, dict[str, Handler]] = {}
        self._shapes: dict[int, list[_Shape]] = {}  # by segment count
        self._declared = 0
        self.websockets: dict[str, WebSocketHandler] = {}
        self.routes: list[tuple[str, str]] = []  # (method, template), for docs and tests

    def add(self, method: str, template: str, handler: Handler) -> None:
        self.routes.append((method, template))
        if "{" not in template:
            self._static.setdefault(template, {})[method] = handler
            return
        segments = template.strip("/").split("/")
        param_at = tuple(i for i, s in enumerate(segments) if s[:1] == "{")
        shapes = self._shapes.setdefault(len(segments), [])
        for shape in shapes:
            if shape.param_at == param_at:
                break
        else:
            shape = _Shape(tuple(i for i in range(len(segments)) if i not in param_at), param_at)
            shapes.append(shape)
        names = tuple(segments[i][1:-1] for i in param_at)
        key = shape.literals(segments)
        existing = shape.routes.get(key)
        if existing is None:
            self._declared += 1
            shape.routes[key] = (self._declared, names, {method: handler})
        elif existing[1] == names:
            existing[2][method] = handler
        else:
            raise ValueError(f"{template} differs from an earlier route only in its parameter "
                             "names, so no path could reach it")

    def websocket(self, path: str, handler: WebSocketHandler) -> None:
        self.websockets[path] = handler

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        methods = self._static.get(path)
        params: dict[str, str] = {}
        if methods is None:
            methods, params = self._match_templated(path)
        handler = methods.get(method)
        if handler is None:
            allowed = ", ".join(sorted(methods))
            raise HttpError(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed on {path}; "
                            f"allowed: {allowed}", [(b"allow", allowed.encode())])
        return handler, params

    def _match_templated(self, path: str) -> tuple[dict[str, Handler], dict[str, str]]:
        parts = path.strip("/").split("/")
        best = None
        for shape in self._shapes.get(len(parts), ()):
            route = shape.routes.get(shape.literals(parts))
            if route is None or (best is not None and best[0][0] < route[0]):
                continue
            values = shape.params(parts)
            if len(route[1]) == 1:
                if not values:
                    continue
                best = route, {route[1][0]: values}
            elif all(values):
                best = route, dict(zip(route[1], values))
        if best is None:
            raise HttpError(404, "NOT_FOUND", f"no such path: {path}")
        return best[0][2], best[1]


class RequestIds:
    """Request ids unique across restarts without a random call per request: a per-process
    random prefix and a counter."""

    __slots__ = ("_next", "_prefix")

    def __init__(self) -> None:
        self._prefix = os.urandom(4).hex()
        self._next = 0

    def new(self) -> str:
        self._next += 1
        return f"{self._prefix}-{self._next}"  # (decimal: formats at half the cost of hex)

    def from_header(self, scope: Scope) -> str:
        """The client's X-Request-Id when it is a sane one (echoed for tracing), else a new id."""
        for key, value in scope["headers"]:
            if key == b"x-request-id":
                if 0 < len(value) <= MAX_REQUEST_ID and value.isascii() and value.decode().isprintable():
                    return value.decode()
                break
        return self.new()


def _too_large(limit: int) -> HttpError:
    return HttpError(413, "PAYLOAD_TOO_LARGE", f"the request body exceeds {limit} bytes",
                     [(b"connection", b"close")])


class HttpApp:
    """The ASGI callable of one face."""

    faults = None  # the sandbox's shared fault injector (sandbox.faults), when it is on

    def __init__(self, router: Router, render_error: ErrorRenderer, *, face: str,
                 max_body: int = 1 << 20,
                 on_response: Callable[[str, int], None] | None = None) -> None:
        self.router = router
        self.render_error = render_error
        self.face = face
        self.max_body = max_body
        self.on_response = on_response
        self.ids = RequestIds()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The HTTP path is written out here rather than in a method of its own: every request
        # would pay for one more coroutine, created and then resumed after each await below.
        if scope["type"] != "http":
            await self._not_http(scope, receive, send)
            return
        request_id = self.ids.from_header(scope)
        try:
            handler, params = self.router.match(scope["method"], scope["path"])
            if self._has_body(scope):
                body = await self._read_body(receive)
            else:
                body = b""
            request = Request(scope, params, body, request_id)
            if self.faults is None:
                response = await handler(request)
            else:
                response = await self.faults.run(self.face, request, handler)
        except HttpError as exc:
            response = self._error(exc.status, exc.code, exc.message, request_id)
            if exc.headers:
                response.headers = (response.headers or []) + exc.headers
        except Exception:
            log.exception("unhandled error in %s %s (request %s)", scope["method"], scope["path"],
                          request_id)
            response = self._error(500, "INTERNAL_ERROR",
                                   "the server failed to process the request", request_id)
        headers = [
            (b"content-type", response.content_type),
            (b"content-length", str(len(response.body)).encode()),
            (b"x-request-id", request_id.encode()),
        ]
        if response.headers:
            headers += response.headers
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})
        if self.on_response is not None:
            self.on_response(self.face, response.status)

    async def _not_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            handler = self.router.websockets.get(scope["path"])
            if handler is None:
                # Closing before accept makes the server refuse the upgrade with 403.
                await send({"type": "websocket.close", "code": 1008})
                return
            if self.faults is not None:  # event faults know the face that subscribed
                token = self.faults.enter(self.face, "websocket")
                try:
                    await handler(scope, receive, send)
                finally:
                    self.faults.leave(token)
                return
            await handler(scope, receive, send)
        # "lifespan" is not used: the server starts and stops the core itself.

    def _error(self, status: int, code: str, message: str, request_id: str) -> Response:
        try:
            return self.render_error(status, code, message, request_id)
        except Exception:
            # A broken renderer must still not let the server's default page through.
            log.exception("the %s error renderer failed", self.face)
            return Response(500, _encode({"error": {"code": "INTERNAL_ERROR",
                                                    "message": "error rendering failed",
                                                    "request_id": request_id}}))

    def _has_body(self, scope: Scope) -> bool:
        """Whether the request carries a body; refuses a declared one over the limit before a
        byte of it is read. Without Content-Length or Transfer-Encoding an HTTP/1.1 request has
        no body (RFC 9112, 6.3), so a GET or DELETE is answered without waiting on ``receive``."""
        has_body = False
        for key, value in scope["headers"]:
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    raise HttpError(400, "INVALID_REQUEST", "invalid Content-Length") from None
                if declared > self.max_body:
                    raise _too_large(self.max_body)
                has_body = has_body or declared > 0
            elif key == b"transfer-encoding":
                has_body = True
        return has_body

    async def _read_body(self, receive: Receive) -> bytes:
        limit = self.max_body
        message = await receive()
        body = message.get("body", b"")
        if not message.get("more_body"):
            return body
        chunks = [body]
        size = len(body)
        while message.get("more_body"):
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
        return b"".join(chunks)
