#!/usr/bin/env python3
"""Reads files of a POP-ART node's MISP feed with PyMISP (MISP's own Python library), as a MISP instance loads them.

Each event file ({"Event": ...}) is loaded into a PyMISP MISPEvent (which refuses unknown attribute types and object
templates), and PyMISP's own feed writer (MISPEvent.to_feed) is asked for the manifest entry and the attribute hashes
it would publish for that event: the Node test (misp-feed-e2e.test.ts) compares them with the node's manifest.json and
hashes.csv.

Prints one JSON object on stdout: {"events": [{uuid, info, distribution, threat_level_id, orgc, tags, attributes:
[[type, category, comment, value]], objects: [{name, attributes: [[relation, value]]}], manifest, hashes}]}. Run with the
virtualenv scripts/tools.sh installs for misp-stix, which brings PyMISP (POPART_STIX_TOOLS_PYTHON).
"""
import argparse
import json
import sys


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('events', nargs='+', help='event files of the feed ({event-uuid}.json)')
    return parser.parse_args()


def read_event(path):
    from pymisp import MISPEvent
    with open(path, encoding='utf-8') as f:
        data = json.load(f)
    event = MISPEvent()
    event.load(data)
    feed = event.to_feed(with_meta=True)['Event']
    manifest = feed['_manifest'][event.uuid]
    return {
        'uuid': event.uuid,
        'info': event.info,
        'distribution': int(event.distribution),
        'threat_level_id': int(event.threat_level_id),
        'orgc': {'name': event.Orgc.name, 'uuid': event.Orgc.uuid},
        'tags': [t.name for t in event.tags],
        'attributes': [[a.type, a.category, a.comment, str(a.value)] for a in event.attributes],
        'objects': [{'name': o.name, 'attributes': [[a.object_relation, str(a.value)] for a in o.attributes]} for o in event.objects],
        'manifest': {k: manifest[k] for k in ('info', 'date', 'threat_level_id', 'analysis', 'timestamp')} | {
            'orgc': manifest['Orgc']['name'], 'tags': [t['name'] for t in manifest.get('Tag', [])],
        },
        'hashes': sorted(set(feed['_hashes'])),
    }


def main():
    args = parse_args()
    try:
        print(json.dumps({'events': [read_event(p) for p in args.events]}, default=str))
    except Exception as err:  # noqa: BLE001 - any refusal by PyMISP is the finding
        print(f'PyMISP refused the feed: {type(err).__name__}: {err}', file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
