#!/usr/bin/env python3
"""Validate YAML files against carepath's JSON Schema (Debian python3-jsonschema, python3-yaml).

usage: check_schema.py SCHEMA.json [--expect-invalid] FILE...
Exit 0 when every file is valid (or, with --expect-invalid, when every file is invalid);
prints one line per file that is not as expected.
"""
import sys

import jsonschema
import yaml


class Loader(yaml.SafeLoader):
    """YAML as carepath reads it: dates and times stay text (yaml-cpp types nothing)."""


Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def main(argv):
    schema_path, rest = argv[1], argv[2:]
    expect_invalid = bool(rest) and rest[0] == "--expect-invalid"
    files = rest[1:] if expect_invalid else rest
    with open(schema_path, encoding="utf-8") as f:
        schema = yaml.load(f, Loader=Loader)
    validator = jsonschema.Draft7Validator(schema)
    bad = 0
    for path in files:
        try:
            with open(path, encoding="utf-8") as f:
                doc = yaml.load(f, Loader=Loader)
            errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        except yaml.YAMLError as e:
            errors = [e]
        if expect_invalid and not errors:
            print(f"{path}: valid, but expected a schema error")
            bad += 1
        elif not expect_invalid and errors:
            e = errors[0]
            where = "/".join(str(p) for p in getattr(e, "path", []))
            print(f"{path}: {where}: {getattr(e, 'message', e)}")
            bad += 1
    print(f"{len(files) - bad} of {len(files)} file(s) as expected")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
