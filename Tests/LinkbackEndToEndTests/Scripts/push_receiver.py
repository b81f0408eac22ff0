#!/usr/bin/env python3
"""An ntfy-style push receiver for the notification tests: answers 200 to every POST and appends
one JSON line per request to LOG: {"path", "title", "click", "actions", "body"}.

Usage: push_receiver.py PORT LOG
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

port, log_path = int(sys.argv[1]), sys.argv[2]


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(log_path, "a") as log:
            log.write(json.dumps({
                "path": self.path, "title": self.headers.get("Title"), "click": self.headers.get("Click"),
                "actions": self.headers.get("Actions"), "body": body.decode("utf-8", "replace"),
            }) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", port), Receiver).serve_forever()
