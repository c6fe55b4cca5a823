#!/usr/bin/env python3
"""A fake cloud metadata service for the NAT lab: answers like AWS IMDSv2, the GCE metadata
server or Azure IMDS (paths, marker headers and status codes as documented), so p2ptui's cloud
probe can be tested without a cloud. Usage: fake_metadata.py {aws|gcp|azure} PORT [PUBLIC_IP]"""
import http.server
import json
import sys

CLOUD, PORT = sys.argv[1], int(sys.argv[2])
PUBLIC = sys.argv[3] if len(sys.argv) > 3 else None
TOKEN = "AQAEAFAKETOKEN=="
MAC = "0e:1f:2a:3b:4c:5d"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body="", headers=()):
        data = body.encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def do_PUT(self):
        if CLOUD == "aws" and self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self.send(200, TOKEN, [("Server", "EC2ws")])
        self.send(404)

    def do_GET(self):
        p = self.path
        if CLOUD == "aws":
            ec2 = [("Server", "EC2ws")]
            if self.headers.get("X-aws-ec2-metadata-token") != TOKEN:
                return self.send(401, "", ec2)
            if p in ("/latest/meta-data/public-ipv4", f"/latest/meta-data/network/interfaces/macs/{MAC}/public-ipv4s"):
                return self.send(200, PUBLIC, ec2) if PUBLIC else self.send(404, "", ec2)
            if p == "/latest/meta-data/mac":
                return self.send(200, MAC, ec2)
            if p.endswith("/subnet-id"):
                return self.send(200, "subnet-0lab", ec2)
            return self.send(404, "", ec2)
        if CLOUD == "gcp":
            g = [("Metadata-Flavor", "Google")]
            if self.headers.get("Metadata-Flavor") != "Google":
                return self.send(403, "", g)
            if p == "/computeMetadata/v1/instance/network-interfaces/0/access-configs/0/external-ip":
                return self.send(200, PUBLIC, g) if PUBLIC else self.send(404, "", g)
            return self.send(404, "", g)
        if CLOUD == "azure":
            if self.headers.get("Metadata") != "true" or not p.startswith("/metadata/instance"):
                return self.send(400, '{"error":"Bad request"}')
            doc = {"compute": {"vmSize": "Standard_B1s"},
                   "network": {"interface": [{"ipv4": {"ipAddress": [
                       {"privateIpAddress": "192.168.1.2", "publicIpAddress": PUBLIC or ""}]}}]}}
            return self.send(200, json.dumps(doc), [("Content-Type", "application/json")])
        self.send(404)


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
