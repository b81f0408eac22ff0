#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) for the notification tests: accepts every message and appends
one JSON line per message to LOG: {"from": ..., "to": [...], "data": "<the message as received>"}.
With CERT and KEY it offers STARTTLS.

Usage: smtp_receiver.py PORT LOG [CERT KEY]
"""
import json
import ssl
import sys
import time

from aiosmtpd.controller import Controller

port, log_path = int(sys.argv[1]), sys.argv[2]
tls = None
if len(sys.argv) > 4:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(sys.argv[3], sys.argv[4])


class Handler:
    async def handle_DATA(self, server, session, envelope):
        with open(log_path, "a") as log:
            log.write(json.dumps({
                "from": envelope.mail_from, "to": envelope.rcpt_tos,
                "data": envelope.content.decode("utf-8", "replace"), "tls": session.ssl is not None,
            }) + "\n")
        return "250 OK"


controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=tls, require_starttls=tls is not None)
controller.start()
while True:
    time.sleep(3600)
