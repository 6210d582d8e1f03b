"""The served schema documents itself: every type, field, argument and enum value cometgraph
defines carries a description, read here through introspection as a client reads it."""

from __future__ import annotations

INTROSPECT = """{ __schema { types {
  kind name description
  fields(includeDeprecated: true) { name description args(includeDeprecated: true) { name description } }
  inputFields { name description }
  enumValues(includeDeprecated: true) { name description }
} } }"""

#: GraphQL's own scalars: the spec describes them, not us
BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}


def undocumented(types: list[dict]) -> list[str]:
    """Every place without a description, as ``Type``, ``Type.field``, ``Type.field(arg)``, ``Enum.VALUE``."""
    missing = []

    def check(where: str, description: str | None) -> None:
        if not (description or "").strip():
            missing.append(where)

    for t in types:
        name = t["name"]
        if name.startswith("__") or name in BUILT_IN:
            continue
        check(name, t["description"])
        for f in t["fields"] or []:
            check(f"{name}.{f['name']}", f["description"])
            for a in f["args"]:
                check(f"{name}.{f['name']}({a['name']})", a["description"])
        for f in t["inputFields"] or []:
            check(f"{name}.{f['name']}", f["description"])
        for v in t["enumValues"] or []:
            check(f"{name}.{v['name']}", v["description"])
    return missing


async def test_every_type_field_argument_and_enum_value_has_a_description(gql):
    types = (await gql.data(INTROSPECT))["__schema"]["types"]
    ours = [t for t in types if not t["name"].startswith("__") and t["name"] not in BUILT_IN]
    kinds = {t["kind"] for t in ours}
    assert {"OBJECT", "ENUM", "SCALAR"} <= kinds  # the walk really covers each kind the schema uses
    assert sum(len(t["fields"] or []) for t in ours) > 150 and sum(len(t["enumValues"] or []) for t in ours) >= 5
    assert undocumented(types) == []


def test_the_walk_finds_what_is_missing():
    """The checker itself: a blank at each level is reported, a documented one is not."""
    types = [
        {
            "kind": "OBJECT",
            "name": "T",
            "description": "ok",
            "inputFields": None,
            "enumValues": None,
            "fields": [{"name": "f", "description": " ", "args": [{"name": "a", "description": None}, {"name": "b", "description": "ok"}]}],
        },
        {
            "kind": "ENUM",
            "name": "E",
            "description": "",
            "fields": None,
            "inputFields": None,
            "enumValues": [{"name": "X", "description": None}, {"name": "Y", "description": "ok"}],
        },
        {"kind": "INPUT_OBJECT", "name": "I", "description": "ok", "fields": None, "enumValues": None, "inputFields": [{"name": "g", "description": ""}]},
        {"kind": "SCALAR", "name": "String", "description": None, "fields": None, "inputFields": None, "enumValues": None},
        {"kind": "OBJECT", "name": "__Type", "description": None, "fields": [], "inputFields": None, "enumValues": None},
    ]
    assert undocumented(types) == ["T.f", "T.f(a)", "E", "E.X", "I.g"]


async def test_list_fields_state_their_order(gql):
    """Every list or connection a client pages or scans says in what order it comes."""
    words = ("first", "order", "sorted", "as stored", "as the node", "by ")
    types = (await gql.data(INTROSPECT))["__schema"]["types"]
    q = "{ __schema { types { name fields(includeDeprecated: true) { name type { kind ofType { kind ofType { kind } } } } } } }"
    shapes = {t["name"]: {f["name"]: f["type"] for f in t["fields"] or []} for t in (await gql.data(q))["__schema"]["types"]}
    silent = []
    for t in types:
        if t["name"].startswith("__") or t["name"] == "Subscription":
            continue
        for f in t["fields"] or []:
            ty = shapes[t["name"]][f["name"]]
            kinds = [ty["kind"], (ty["ofType"] or {}).get("kind"), ((ty["ofType"] or {}).get("ofType") or {}).get("kind")]
            is_list = "LIST" in kinds
            is_connection = f["name"] not in ("edges", "nodes") and any(a["name"] == "first" for a in f["args"])
            if (is_list and f["name"] not in ("edges", "nodes")) or is_connection:
                if not any(w in (f["description"] or "").lower() for w in words):
                    silent.append(f"{t['name']}.{f['name']}")
    assert silent == []
