#!/usr/bin/python3
"""Validates JSON documents against a schema of contract/ (JSON Schema 2020-12, python3-jsonschema).

usage: validate.py [--lines] [--kinds-seen FILE] SCHEMA FILE...

SCHEMA is a file name in contract/ (push.schema.json) or NAME.schema.json#/$defs/DEF. Each FILE
holds one JSON document, or with --lines one per line (empty lines skipped). Every error is
printed with its file, line and JSON path; the exit status is 1 if any. --kinds-seen appends the
`kind` of each document validated to FILE (the event kinds a test saw).
"""
import json
import pathlib
import sys

import jsonschema

CONTRACT = pathlib.Path(__file__).resolve().parent.parent.parent / "contract"


def main(argv):
    lines = False
    kinds_seen = None
    while argv and argv[0].startswith("--"):
        flag = argv.pop(0)
        if flag == "--lines":
            lines = True
        elif flag == "--kinds-seen":
            kinds_seen = argv.pop(0)
        else:
            print(f"validate.py: unknown flag {flag}", file=sys.stderr)
            return 64
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 64
    name, _, pointer = argv[0].partition("#")
    store = {}
    for path in CONTRACT.glob("*.schema.json"):
        doc = json.loads(path.read_text())
        jsonschema.Draft202012Validator.check_schema(doc)
        store[doc["$id"]] = doc
    root = json.loads((CONTRACT / name).read_text())
    schema = {"$ref": root["$id"] + ("#" + pointer if pointer else "")}
    resolver = jsonschema.RefResolver(base_uri=root["$id"], referrer=root, store=store)
    validator = jsonschema.Draft202012Validator(
        schema, resolver=resolver, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    bad = 0
    count = 0
    seen = []
    for file in argv[1:]:
        text = pathlib.Path(file).read_text()
        docs = [(i + 1, l) for i, l in enumerate(text.splitlines()) if l.strip()] if lines else [(1, text)]
        for line, doc_text in docs:
            try:
                doc = json.loads(doc_text)
            except json.JSONDecodeError as e:
                print(f"{file}:{line}: not JSON: {e}")
                bad += 1
                continue
            count += 1
            if isinstance(doc, dict) and "kind" in doc:
                seen.append(doc["kind"])
            for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
                path = "/" + "/".join(str(p) for p in err.absolute_path)
                print(f"{file}:{line}: {path}: {err.message[:300]}")
                bad += 1
    if kinds_seen:
        with open(kinds_seen, "a") as f:
            f.writelines(k + "\n" for k in seen)
    print(f"validate.py: {count} document(s) against {argv[0]}: {bad} error(s)", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
