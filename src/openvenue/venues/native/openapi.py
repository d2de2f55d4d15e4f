"""The native API's OpenAPI 3.1 document, built from the routes and wire structs themselves.

Each route is declared once (in ``app.py``) with its summary, parameters, body and responses;
the schemas come from the msgspec structs that encode and decode the wire, so the document
cannot drift from what the server actually accepts and sends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from openvenue.venues.native import schemas

ERROR_TEXT = {
    400: "Malformed request: invalid JSON, wrong types, unknown fields, bad parameters",
    401: "Missing or invalid API key",
    403: "Not permitted",
    404: "Not found (or not visible to this user)",
    409: "Conflicts with the order's current state",
    413: "Request body too large",
    422: "Refused by the venue's rules",
    503: "Not ready, or shutting down",
}


@dataclass
class Param:
    name: str
    where: str  # "query" | "path"
    schema: dict
    description: str = ""
    required: bool = False


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    auth: str | None = "user"  # "user" | "admin" | None
    params: list[Param] = field(default_factory=list)
    body: type | None = None
    responses: dict[int, type | str | None] = field(default_factory=dict)  # str: a media type
    errors: tuple[int, ...] = ()
    description: str = ""


def build_document(operations: list[Operation], *, title: str, version: str,
                   description: str) -> dict[str, Any]:
    types: set[type] = {schemas.Error}
    for op in operations:
        if op.body is not None:
            types.add(op.body)
        types.update(t for t in op.responses.values() if isinstance(t, type))
    _, components = msgspec.json.schema_components(
        sorted(types, key=lambda t: t.__name__), ref_template="#/components/schemas/{name}")

    paths: dict[str, dict] = {}
    for op in operations:
        item: dict[str, Any] = {
            "summary": op.summary,
            "operationId": _operation_id(op),
            "tags": [op.tag],
            "responses": {},
        }
        if op.description:
            item["description"] = op.description
        if op.params:
            item["parameters"] = [
                {"name": p.name, "in": p.where, "required": p.required or p.where == "path",
                 "schema": p.schema, **({"description": p.description} if p.description else {})}
                for p in op.params
            ]
        if op.body is not None:
            item["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{op.body.__name__}"}}}}
        if op.auth == "user":
            item["security"] = [{"apiKey": []}]
        elif op.auth == "admin":
            item["security"] = [{"adminKey": []}]
        for status, kind in op.responses.items():
            if kind is None:
                item["responses"][str(status)] = {"description": "No content"}
            elif isinstance(kind, str):
                item["responses"][str(status)] = {"description": "OK", "content": {
                    kind: {"schema": {"type": "string"}}}}
            else:
                item["responses"][str(status)] = {"description": kind.__name__, "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{kind.__name__}"}}}}
        errors = set(op.errors) | {400, 405, 413, 503}  # the toolkit can answer these anywhere
        if op.auth:
            errors |= {401}
        if op.auth == "admin":
            errors |= {403}
        for status in sorted(errors):
            item["responses"][str(status)] = {
                "description": ERROR_TEXT.get(status, "Error"),
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        paths.setdefault(op.path, {})[op.method.lower()] = item

    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer",
                           "description": "A user's API key (see `openvenue demo`)."},
                "adminKey": {"type": "http", "scheme": "bearer",
                             "description": "The server's admin key."},
            },
        },
    }


def _operation_id(op: Operation) -> str:
    words = [w.strip("{}") for w in op.path.strip("/").split("/") if w not in ("v1",)]
    return op.method.lower() + "_" + "_".join(w.replace("-", "_") for w in words)


DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>openvenue native API</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d232a;background:#fafbfc}
header{background:#13293d;color:#fff;padding:18px 32px}header h1{margin:0;font-size:22px}
main{max-width:1100px;margin:0 auto;padding:16px 32px}
.op{background:#fff;border:1px solid #d8dee4;border-radius:6px;margin:10px 0}
.op summary{cursor:pointer;padding:10px 14px;list-style:none;display:flex;gap:12px;align-items:center}
.m{font:600 12px monospace;padding:3px 8px;border-radius:4px;color:#fff;min-width:52px;text-align:center}
.GET{background:#1f6feb}.POST{background:#1a7f37}.DELETE{background:#cf222e}.PATCH{background:#9a6700}.PUT{background:#8250df}
code,pre{font:13px ui-monospace,monospace}.path{font-weight:600}
.body{padding:4px 16px 14px;border-top:1px solid #eef1f4}
pre{background:#f3f5f7;padding:10px;border-radius:4px;overflow:auto;max-height:360px}
table{border-collapse:collapse}td,th{padding:3px 10px 3px 0;text-align:left;vertical-align:top}
h2{margin-top:28px;border-bottom:1px solid #d8dee4;padding-bottom:4px}.lock{color:#9a6700;font-size:12px}
</style></head><body>
<header><h1>openvenue native API</h1><div id="ver"></div></header>
<main><p id="desc"></p><p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>
<div id="ops"></div></main>
<script id="spec" type="application/json">__SPEC__</script>
<script>
const spec = JSON.parse(document.getElementById('spec').textContent);
const esc = s => String(s).replace(/[&<>]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;'}[c]));
const comps = spec.components.schemas;
function expand(s, depth) {
  if (!s || depth > 4) return s;
  if (s.$ref) { const n = s.$ref.split('/').pop(); return expand(comps[n], depth + 1); }
  const out = Array.isArray(s) ? [] : {};
  for (const [k, v] of Object.entries(s)) out[k] = (typeof v === 'object' && v) ? expand(v, depth) : v;
  return out;
}
document.getElementById('ver').textContent = 'version ' + spec.info.version;
document.getElementById('desc').textContent = spec.info.description;
const byTag = {};
for (const [path, item] of Object.entries(spec.paths))
  for (const [method, op] of Object.entries(item))
    (byTag[op.tags[0]] = byTag[op.tags[0]] || []).push([method.toUpperCase(), path, op]);
let html = '';
for (const [tag, ops] of Object.entries(byTag)) {
  html += `<h2>${esc(tag)}</h2>`;
  for (const [m, path, op] of ops) {
    const lock = op.security ? `<span class="lock">${Object.keys(op.security[0])[0]}</span>` : '';
    html += `<details class="op"><summary><span class="m ${m}">${m}</span><span class="path">${esc(path)}</span><span>${esc(op.summary)}</span>${lock}</summary><div class="body">`;
    if (op.description) html += `<p>${esc(op.description)}</p>`;
    if (op.parameters) {
      html += '<h4>Parameters</h4><table>';
      for (const p of op.parameters) html += `<tr><td><code>${esc(p.name)}</code></td><td>${p.in}${p.required ? ', required' : ''}</td><td><code>${esc(JSON.stringify(p.schema))}</code></td><td>${esc(p.description || '')}</td></tr>`;
      html += '</table>';
    }
    if (op.requestBody) html += `<h4>Request body</h4><pre>${esc(JSON.stringify(expand(op.requestBody.content['application/json'].schema, 0), null, 2))}</pre>`;
    html += '<h4>Responses</h4><table>';
    for (const [st, r] of Object.entries(op.responses)) html += `<tr><td><code>${st}</code></td><td>${esc(r.description)}</td></tr>`;
    html += '</table>';
    const ok = Object.entries(op.responses).find(([st, r]) => st < 300 && r.content && r.content['application/json']);
    if (ok) html += `<h4>${ok[0]} body</h4><pre>${esc(JSON.stringify(expand(ok[1].content['application/json'].schema, 0), null, 2))}</pre>`;
    html += '</div></details>';
  }
}
document.getElementById('ops').innerHTML = html;
</script></body></html>
"""


def docs_page(document_json: bytes) -> bytes:
    # "</" cannot appear inside the inline JSON, or it could end the script element early
    safe = document_json.decode().replace("</", "<\\/")
    return DOCS_PAGE.replace("__SPEC__", safe).encode()
