#!/usr/bin/env python3
"""A webhook receiver as a blog would write one: checks X-Linkback-Signature with the shared
secret (hmac.compare_digest), answers 500 to the first FAILURES requests, and appends one JSON
line per request to LOG: {"valid": bool, "status": int, "event": ..., "delivery": ..., "body": ...}.

Usage: webhook_receiver.py PORT SECRET FAILURES LOG
"""
import hashlib
import hmac
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

port, secret, failures, log_path = int(sys.argv[1]), sys.argv[2].encode(), int(sys.argv[3]), sys.argv[4]
state = {"failures": failures}


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        valid = hmac.compare_digest(expected, self.headers.get("X-Linkback-Signature", ""))
        status = 204 if valid else 401
        if valid and state["failures"] > 0:
            state["failures"] -= 1
            status = 500
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        with open(log_path, "a") as log:
            log.write(json.dumps({
                "valid": valid, "status": status, "event": self.headers.get("X-Linkback-Event"),
                "delivery": self.headers.get("X-Linkback-Delivery"), "body": payload,
            }) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", port), Receiver).serve_forever()
