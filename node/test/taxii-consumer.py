"""An OpenCTI-like consumer of a POP-ART node's TAXII 2.1 collections, with the OASIS taxii2-client (PyPI).

Like OpenCTI's TAXII feed ingestion it reads each collection page by page (as_pages, following `next`) and imports each
page as one bundle, refusing an object whose references it cannot resolve from that page or what it imported before.
It never asks the node for anything but the collections' pages. Prints one JSON object for the Node test to assert on:

  {"collections": {alias: {"pages": [[id, ...], ...], "sizes": [n, ...]}},
   "objects": [every object read, each id and version once],
   "unresolved": {object id: [references it could not resolve], ...}}

Usage: python taxii-consumer.py DISCOVERY_URL USER PASSWORD PER_REQUEST ALIAS [ALIAS ...]
  (the X-Popart-Purpose header is taken from POPART_PURPOSE when set)
"""
import json
import os
import sys

from taxii2client.v21 import Server, as_pages


def references(value, out):
    """Every id an object refers to: *_ref and *_refs at any depth, and its extension definitions."""
    if isinstance(value, list):
        for v in value:
            references(v, out)
    elif isinstance(value, dict):
        for key, v in value.items():
            if key == 'extensions' and isinstance(v, dict):
                out.update(k for k in v if k.startswith('extension-definition--'))
            if key.endswith('_ref') and isinstance(v, str):
                out.add(v)
            elif key.endswith('_refs') and isinstance(v, list):
                out.update(r for r in v if isinstance(r, str))
            else:
                references(v, out)
    return out


def alias_of(collection):
    return getattr(collection, 'alias', None) or collection.custom_properties.get('alias')


def main() -> int:
    if len(sys.argv) < 6 or sys.argv[1] in ('-h', '--help'):
        print(__doc__)
        return 0 if len(sys.argv) == 2 else 2
    url, user, password, per_request = sys.argv[1:5]
    aliases = sys.argv[5:]
    purpose = os.environ.get('POPART_PURPOSE')
    server = Server(url, user=user, password=password)
    if purpose:
        server._conn.session.headers['X-Popart-Purpose'] = purpose
    root = server.api_roots[0]
    by_alias = {alias_of(c): c for c in root.collections}
    imported = {}
    unresolved = {}
    out = {}
    for alias in aliases:
        pages = []
        for envelope in as_pages(by_alias[alias].get_objects, per_request=int(per_request)):
            page = envelope.get('objects', [])
            pages.append(page)
            known = set(imported) | {o['id'] for o in page}
            for obj in page:
                missing = sorted(r for r in references(obj, set()) if r not in known and r != obj['id'])
                if missing:
                    unresolved.setdefault(obj['id'], sorted(set(unresolved.get(obj['id'], [])) | set(missing)))
            for obj in page:
                imported.setdefault(obj['id'], {})[obj.get('modified', obj.get('created', ''))] = obj
        out[alias] = {'pages': [[o['id'] for o in p] for p in pages], 'sizes': [len(p) for p in pages]}
    objects = [o for versions in imported.values() for o in versions.values()]
    json.dump({'collections': out, 'objects': objects, 'unresolved': unresolved}, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == '__main__':
    sys.exit(main())
