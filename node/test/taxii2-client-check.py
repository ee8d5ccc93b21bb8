"""Drives a POP-ART node's TAXII 2.1 server with the OASIS taxii2-client (PyPI), as MISP or OpenCTI tooling would,
and prints what it got as JSON for node/test/taxii-e2e.test.ts to assert on.

Usage: python taxii2-client-check.py DISCOVERY_URL USER PASSWORD OBJECT_ID ENVELOPE_FILE
  OBJECT_ID      an object to read by id, with its versions
  ENVELOPE_FILE  a TAXII envelope to post to the "all" collection
"""
import json
import sys

from taxii2client.v21 import Server, as_pages


def alias_of(collection):
    return getattr(collection, "alias", None) or collection.custom_properties.get("alias")


def main() -> None:
    if len(sys.argv) != 6 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) == 2 else 2)
    url, user, password, object_id, envelope_file = sys.argv[1:]
    server = Server(url, user=user, password=password)
    root = server.api_roots[0]
    out = {
        "title": server.title,
        "api_roots": [r.url for r in server.api_roots],
        "versions": root.versions,
        "max_content_length": root.max_content_length,
        "collections": [
            {"id": c.id, "alias": alias_of(c), "can_read": c.can_read, "can_write": c.can_write,
             "media_types": c.media_types}
            for c in root.collections
        ],
    }
    by_alias = {alias_of(c): c for c in root.collections}
    indicators = by_alias["indicators"]
    pages = [envelope for envelope in as_pages(indicators.get_objects, per_request=10)]
    out["pages"] = [[o["id"] for o in p.get("objects", [])] for p in pages]
    out["objects"] = [o for p in pages for o in p.get("objects", [])]
    manifest = [envelope for envelope in as_pages(indicators.get_manifest, per_request=50)]
    out["manifest"] = [r for p in manifest for r in p.get("objects", [])]
    out["by_id"] = indicators.get_object(object_id).get("objects", [])
    out["object_versions"] = indicators.object_versions(object_id).get("versions", [])
    out["all_versions"] = indicators.get_object(object_id, version="all").get("objects", [])
    with open(envelope_file, encoding="utf-8") as f:
        envelope = json.load(f)
    status = by_alias["all"].add_objects(envelope, wait_for_completion=True, poll_interval=1, timeout=30)
    out["status"] = {"status": status.status, "total_count": status.total_count, "success_count": status.success_count,
                     "successes": status.successes, "failure_count": status.failure_count}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
