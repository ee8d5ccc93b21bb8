#!/usr/bin/env python3
"""Reads a STIX 2.1 bundle exported by a POP-ART node with the tools partners use, and prints what they made of it.

  - the OASIS `stix2` library parses the bundle (every object, custom properties allowed as partners do);
  - every public-space alert extension in it is checked against the JSON Schema the node serves (`--schema`);
  - MISP's own converter (`misp-stix`, external STIX 2.1 import) turns it into MISP events.

Prints one JSON object on stdout: {"stix2": {"objects": n}, "schema": {"alerts": n, "errors": [...]}, "events": [...]},
each event with its info, tags, producer (the creator organisation), every text it holds and its geolocations. The Node test
(stix-exports.test.ts) asserts on it. Run with the virtualenv scripts/tools.sh installs (POPART_STIX_TOOLS_PYTHON).
"""
import argparse
import json
import sys

ALERT_EXTENSION_ID = 'extension-definition--eede3623-5bda-4618-a696-fd5bf0b5744f'
PRODUCER_TAG = 'misp-galaxy:producer="'


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('bundle', help='the STIX 2.1 bundle (JSON file)')
    parser.add_argument('--schema', required=True, help="the alert extension's JSON Schema (JSON file) to check alerts against")
    return parser.parse_args()


def check_schema(bundle, schema):
    import jsonschema
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    alerts, errors = 0, []
    for obj in bundle.get('objects', []):
        extension = (obj.get('extensions') or {}).get(ALERT_EXTENSION_ID)
        if extension is None:
            continue
        alerts += 1
        for error in validator.iter_errors(extension):
            errors.append(f"{obj['id']}: {'/'.join(str(p) for p in error.absolute_path)}: {error.message}")
    return {'alerts': alerts, 'errors': errors}


def texts_of(event):
    """Every text MISP holds in the event: its info, attribute values and comments, object attributes, reports."""
    out = [event.info or '']
    for attribute in event.attributes:
        out += [str(attribute.value), getattr(attribute, 'comment', None) or '']
    for misp_object in event.objects:
        out.append(getattr(misp_object, 'comment', None) or '')
        for attribute in misp_object.attributes:
            out += [str(attribute.value), getattr(attribute, 'comment', None) or '']
    for report in getattr(event, 'event_reports', []) or []:
        out.append(str(getattr(report, 'content', '') or ''))
    return [t for t in out if t]


def describe_event(event):
    geolocations = []
    for misp_object in event.objects:
        if misp_object.name != 'geolocation':
            continue
        values = {a.object_relation: str(a.value) for a in misp_object.attributes}
        geolocations.append(values)
    tags = sorted({t.name for t in event.tags})
    # misp-stix names the creator organisation (the report's created_by_ref identity) in the producer galaxy tag; the
    # event's Orgc is set by the MISP instance that stores it.
    producers = [t[len(PRODUCER_TAG):-1] for t in tags if t.startswith(PRODUCER_TAG) and t.endswith('"')]
    return {
        'info': event.info or '',
        'tags': tags,
        'producer': producers[0] if producers else None,
        'texts': texts_of(event),
        'notes': [str(getattr(n, 'note', '')) for n in (getattr(event, 'notes', None) or [])],
        'geolocations': geolocations,
        'objects': sorted(o.name for o in event.objects),
    }


def main():
    args = parse_args()
    with open(args.bundle, encoding='utf-8') as f:
        text = f.read()
    with open(args.schema, encoding='utf-8') as f:
        schema = json.load(f)
    bundle = json.loads(text)

    import stix2
    parsed = stix2.parse(text, allow_custom=True)

    from misp_stix_converter import ExternalSTIX2toMISPParser
    converter = ExternalSTIX2toMISPParser()
    converter.load_stix_bundle(parsed)
    converter.parse_stix_bundle()
    events = converter.misp_events if isinstance(converter.misp_events, list) else [converter.misp_events]

    json.dump({
        'stix2': {'objects': len(parsed.objects)},
        'schema': check_schema(bundle, schema),
        'events': [describe_event(e) for e in events],
    }, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == '__main__':
    sys.exit(main())
