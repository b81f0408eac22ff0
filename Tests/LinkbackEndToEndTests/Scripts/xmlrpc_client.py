"""Calls an XML-RPC endpoint with Python's standard xmlrpc.client (a client Linkback did not
write) and prints one JSON result per call.

usage: xmlrpc_client.py URL < calls.json
calls.json: [["pingback.ping", ["source", "target"]], ...]
output: [{"ok": value} | {"fault": code, "message": text}, ...]
"""
import json
import sys
import xmlrpc.client


def main():
    proxy = xmlrpc.client.ServerProxy(sys.argv[1])
    results = []
    for method, params in json.load(sys.stdin):
        try:
            value = getattr(proxy, method)(*params)
            results.append({"ok": value})
        except xmlrpc.client.Fault as fault:
            results.append({"fault": fault.faultCode, "message": fault.faultString})
    print(json.dumps(results))


if __name__ == "__main__":
    main()
