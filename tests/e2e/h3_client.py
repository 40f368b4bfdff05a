"""HTTP/3 client for the e2e tests (aioquic): `h3_client.py PORT` reads a JSON list of
requests on stdin ({"method", "path", "headers": [[name, value], ...], "body"}; strings
are bytes as Latin-1) and prints the responses as JSON ({"status", "headers", "body"}),
one QUIC connection, one stream per request, in order. Certificates are not verified
(the tests make a throwaway one)."""

import asyncio
import json
import ssl
import sys

from aioquic.asyncio.client import connect
from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.h3.connection import H3_ALPN, H3Connection
from aioquic.h3.events import DataReceived, HeadersReceived
from aioquic.quic.configuration import QuicConfiguration


def b(text):
    return text.encode("latin-1")


def s(data):
    return data.decode("latin-1")


class Client(QuicConnectionProtocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.h3 = H3Connection(self._quic)
        self.waiting = {}
        self.results = {}

    def quic_event_received(self, event):
        for e in self.h3.handle_event(event):
            if isinstance(e, (HeadersReceived, DataReceived)):
                r = self.results.setdefault(e.stream_id, {"headers": [], "body": b""})
                if isinstance(e, HeadersReceived):
                    r["headers"] += e.headers
                else:
                    r["body"] += e.data
                if e.stream_ended and e.stream_id in self.waiting:
                    self.waiting.pop(e.stream_id).set_result(None)

    async def request(self, req):
        stream = self._quic.get_next_available_stream_id()
        authority = "localhost"
        headers = []
        for name, value in req["headers"]:
            if name.lower() == "host":
                authority = value
            elif name.lower() not in ("connection", "upgrade", "keep-alive", "transfer-encoding"):
                headers.append((b(name.lower()), b(value)))
        body = b(req.get("body", ""))
        pseudo = [(b":method", b(req["method"])), (b":scheme", b"https"), (b":authority", b(authority)), (b":path", b(req["path"]))]
        self.h3.send_headers(stream, pseudo + headers, end_stream=not body)
        if body:
            self.h3.send_data(stream, body, end_stream=True)
        done = self._loop.create_future()
        self.waiting[stream] = done
        self.transmit()
        await asyncio.wait_for(done, 20)
        r = self.results.pop(stream)
        status = next(int(v) for n, v in r["headers"] if n == b":status")
        fields = [[s(n), s(v)] for n, v in r["headers"] if not n.startswith(b":")]
        return {"status": status, "headers": fields, "body": s(r["body"])}


async def main(port, reqs):
    config = QuicConfiguration(is_client=True, alpn_protocols=H3_ALPN, verify_mode=ssl.CERT_NONE, server_name="localhost")
    async with connect("127.0.0.1", port, configuration=config, create_protocol=Client) as client:
        return [await client.request(r) for r in reqs]


if __name__ == "__main__":
    out = asyncio.run(main(int(sys.argv[1]), json.load(sys.stdin)))
    json.dump(out, sys.stdout)
