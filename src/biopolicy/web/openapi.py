"""An OpenAPI document that tells the truth about the API.

FastAPI's own document is right about the successful answers; this corrects the rest:

- a body the service validates itself (``POST /api/v1/assess`` takes the case as JSON so that the
  service can word every problem in Chinese) is declared with the model it is validated against
  (``BODY_MODELS``);
- every error answer is an ``ErrorBody`` (FastAPI declares its own HTTPValidationError shape for
  422, which the API never sends);
- the answers every operation can give at the door are declared on every operation: 400 (host
  not allowed, body not JSON or nested too deep), 413 (body over the limit), and 422 wherever the
  operation has parameters or a body.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from biopolicy.domain.case import Case
from biopolicy.web.errors import ErrorBody

# (path, method) -> the model its JSON body is validated against by the service
BODY_MODELS: dict[tuple[str, str], type[BaseModel]] = {("/api/v1/assess", "post"): Case}

REF = "#/components/schemas/{model}"

DOOR_RESPONSES = {
    "400": "请求无法解析（请求体不是有效的 JSON、嵌套过深），或主机名（Host）不被允许",
    "413": "请求体超过上限（字节数见说明）",
}
VALIDATION = "参数或请求体有误：每条说明指出字段及应填写的内容"


def _add_model(spec: dict[str, Any], model: type[BaseModel]) -> dict[str, str]:
    """Puts ``model`` and the models it uses into components; returns a reference to it."""
    schema = model.model_json_schema(ref_template=REF)
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    for name, sub in schema.pop("$defs", {}).items():
        components.setdefault(name, sub)
    components[model.__name__] = schema
    return {"$ref": REF.format(model=model.__name__)}


def _error(description: str, ref: dict[str, str]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def _list_filter_values(app: FastAPI, spec: dict[str, Any]) -> None:
    """The values the search and measure filters take (services/finding.py); the achievements
    are those of the loaded catalogue."""
    from biopolicy.domain.case import APPLICANT_KIND_LABELS
    from biopolicy.domain.places import CITIES
    from biopolicy.services.finding import LEVELS, STATUSES

    values: dict[str, list[str]] = {
        "level": list(LEVELS),
        "city": list(CITIES),
        "status": list(STATUSES),
        "kind": [k.value for k in APPLICANT_KIND_LABELS],
    }
    calculator = getattr(app.state, "calculator", None)
    if calculator is not None:
        values["event"] = list(calculator.catalogue.events)
    for path, operations in spec.get("paths", {}).items():
        if path not in ("/api/v1/search", "/api/v1/explanations"):
            continue
        for op in operations.values():
            for param in op.get("parameters", []):
                if param.get("in") == "query" and param.get("name") in values:
                    schema = param.setdefault("schema", {})
                    target = next((s for s in schema.get("anyOf", []) if s.get("type") == "string"), schema)
                    target["enum"] = ["", *values[param["name"]]]  # empty: no filter, as a form sends it


def truthful_openapi(app: FastAPI, max_body_bytes: int) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    spec = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    error_ref = _add_model(spec, ErrorBody)
    _list_filter_values(app, spec)
    with_input = {
        (path, method)
        for route in app.routes
        if isinstance(route, APIRoute) and (route.dependant.query_params or route.dependant.path_params)
        for path in [route.path_format]
        for method in (m.lower() for m in route.methods)
    }
    for path, operations in spec.get("paths", {}).items():
        for method, op in operations.items():
            model = BODY_MODELS.get((path, method))
            if model is not None:
                body = op.setdefault("requestBody", {"required": True, "content": {"application/json": {}}})
                media = body["content"].setdefault("application/json", {})
                examples = media.get("schema", {}).get("examples")
                media["schema"] = _add_model(spec, model)
                if examples:
                    media["examples"] = {f"例{i + 1}": {"value": v} for i, v in enumerate(examples)}
            responses = op.setdefault("responses", {})
            for status, text in DOOR_RESPONSES.items():
                if status == "413":
                    text = f"请求体超过 {max_body_bytes} 字节"
                responses.setdefault(status, _error(text, error_ref))
            if "requestBody" in op or (path, method) in with_input or "422" in responses:
                old = responses.get("422", {}).get("description")
                keep = old if old and old != "Validation Error" else VALIDATION
                responses["422"] = _error(keep, error_ref)
            for status, answer in responses.items():
                if status != "200" and status.startswith(("4", "5")):
                    answer["content"] = {"application/json": {"schema": error_ref}}
    schemas = spec.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    app.openapi_schema = spec
    return spec
