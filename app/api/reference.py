"""The served OpenAPI document, flattened into rows a template can print (the product-api page)."""

from .openapi import spec

METHOD_ORDER = ("post", "get", "delete")


def resolve(document, schema):
    while isinstance(schema, dict) and "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def type_words(document, schema):
    """A schema's type in a few words: "string (date-time)", "one of uuid, human-short", "array of …"."""
    schema = resolve(document, schema)
    if "anyOf" in schema:
        options = [type_words(document, option) for option in schema["anyOf"] if option.get("type") != "null"]
        nullable = any(option.get("type") == "null" for option in schema["anyOf"])
        return " or ".join(options) + (" or null" if nullable else "")
    if "enum" in schema:
        return "one of " + ", ".join(str(value) for value in schema["enum"])
    if schema.get("type") == "array":
        return "array of " + type_words(document, schema.get("items", {}))
    if "title" in schema and "properties" in schema:
        return schema["title"]
    words = schema.get("type", "any")
    if "format" in schema:
        words += f" ({schema['format']})"
    return words


def field_rows(document, schema):
    schema = resolve(document, schema)
    required = set(schema.get("required", ()))
    return [
        {
            "name": name,
            "type": type_words(document, prop),
            "required": name in required,
            "default": prop.get("default"),
            "description": prop.get("description", ""),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def operations():
    """Every operation with its parameters, body fields and answers, in reading order."""
    document = spec()
    found = []
    for path, methods in document["paths"].items():
        for method in sorted(methods, key=METHOD_ORDER.index):
            operation = methods[method]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            answers = []
            for status, answer in operation["responses"].items():
                schema = answer.get("content", {}).get("application/json", {}).get("schema")
                answers.append(
                    {
                        "status": status,
                        "description": answer["description"],
                        "type": type_words(document, schema) if schema else "",
                    }
                )
            found.append(
                {
                    "id": operation["operationId"],
                    "method": method.upper(),
                    "path": "/v1" + path,
                    "summary": operation["summary"],
                    "description": operation.get("description", ""),
                    "public": operation.get("security") == [],
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "type": type_words(document, p["schema"]),
                            "required": p.get("required", False),
                            "description": p.get("description", ""),
                        }
                        for p in operation.get("parameters", ())
                    ],
                    "body": field_rows(document, body) if body else [],
                    "answers": answers,
                }
            )
    return found


def schemas():
    """The answer shapes, each with its fields: (name, rows)."""
    document = spec()
    return [
        (name, field_rows(document, schema))
        for name, schema in document["components"]["schemas"].items()
        if name != "MeetingCreate"
    ]
