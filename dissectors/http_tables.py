"""HTTP's field declarations and value tables (Wireshark's hf[], headers[] and status
codes), kept apart from the dissector's code in dissectors/http.py.

(Imported by http.py after http_pairing.py and http_proto.py, as when they sat in http.py:
the registry keeps fields in the order they are declared.)"""

from __future__ import annotations

from typing import Final

from dissectors.http_proto import HTTP
from dissectors.registry import FT, Base, Field

STATUS_CODES: Final = {
    100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
    200: "OK", 201: "Created", 202: "Accepted", 203: "Non-authoritative Information",
    204: "No Content", 205: "Reset Content", 206: "Partial Content", 207: "Multi-Status",
    208: "Already Reported", 226: "IM Used",
    300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other",
    304: "Not Modified", 305: "Use Proxy", 307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
    407: "Proxy Authentication Required", 408: "Request Time-out", 409: "Conflict",
    410: "Gone", 411: "Length Required", 412: "Precondition Failed",
    413: "Request Entity Too Large", 414: "Request-URI Too Long",
    415: "Unsupported Media Type", 416: "Requested Range Not Satisfiable",
    417: "Expectation Failed", 418: "I'm a teapot", 421: "Misdirected Request",
    422: "Unprocessable Entity", 423: "Locked", 424: "Failed Dependency",
    426: "Upgrade Required", 428: "Precondition Required", 429: "Too Many Requests",
    431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons",
    500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Time-out", 505: "HTTP Version not supported",
    506: "Variant Also Negotiates", 507: "Insufficient Storage", 508: "Loop Detected",
    510: "Not Extended", 511: "Network Authentication Required",
}
NOTIFY_METHODS: Final = frozenset({"NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE"})
NO_BODY_2XX_METHODS: Final = frozenset({"CONNECT", "SSTP_DUPLEX_POST"})  # a 2xx answer has no body

NOTIFICATION: Final = HTTP.field("http.notification", "Notification", FT.BOOLEAN)
RESPONSE_LINE: Final = HTTP.field("http.response.line", "Response line", FT.STRING)
REQUEST_LINE: Final = HTTP.field("http.request.line", "Request line", FT.STRING)
METHOD: Final = HTTP.field("http.request.method", "Request Method", FT.STRING)
URI: Final = HTTP.field("http.request.uri", "Request URI", FT.STRING)
URI_PATH: Final = HTTP.field("http.request.uri.path", "Request URI Path", FT.STRING)
URI_QUERY: Final = HTTP.field("http.request.uri.query", "Request URI Query", FT.STRING)
URI_QUERY_PARAM: Final = HTTP.field("http.request.uri.query.parameter",
                             "Request URI Query Parameter", FT.STRING)
REQ_VERSION: Final = HTTP.field("http.request.version", "Request Version", FT.STRING)
RESP_VERSION: Final = HTTP.field("http.response.version", "Response Version", FT.STRING)
# No value strings: tshark names the code in http.response.code.desc instead.
CODE: Final = HTTP.field("http.response.code", "Status Code", FT.UINT16, Base.DEC)
CODE_DESC: Final = HTTP.field("http.response.code.desc", "Status Code Description", FT.STRING)
PHRASE: Final = HTTP.field("http.response.phrase", "Response Phrase", FT.STRING)
CONTENT_LENGTH: Final = HTTP.field("http.content_length", "Content length", FT.UINT64, Base.DEC)
FILE_DATA: Final = HTTP.field("http.file_data", "File Data", FT.STRING)
UNKNOWN_HEADER: Final = HTTP.field("http.unknown_header", "Unknown header", FT.STRING)
CHAT: Final = HTTP.field("http.chat", "Formatted text", FT.NONE)
TLS_PORT: Final = HTTP.field("http.tls_port", "Unencrypted HTTP protocol detected over encrypted "
                      "port, could indicate a dangerous misconfiguration.", FT.NONE)
#: packet-http.c's TLS port range: plain HTTP there gets a security warning.
_TLS_PORTS: Final = frozenset({443})
COOKIE_PAIR: Final = HTTP.field("http.cookie_pair", "Cookie pair", FT.STRING)


def _hdr(abbrev: str, name: str) -> Field:
    return HTTP.field(abbrev, name, FT.STRING)


# Header name (lower case) -> field, as Wireshark's headers[] table.
HEADERS: Final[dict[str, Field]] = {
    "authorization": _hdr("http.authorization", "Authorization"),
    "proxy-authenticate": _hdr("http.proxy_authenticate", "Proxy-Authenticate"),
    "proxy-authorization": _hdr("http.proxy_authorization", "Proxy-Authorization"),
    "www-authenticate": _hdr("http.www_authenticate", "WWW-Authenticate"),
    "content-type": _hdr("http.content_type", "Content-Type"),
    "content-length": _hdr("http.content_length_header", "Content-Length"),
    "content-encoding": _hdr("http.content_encoding", "Content-Encoding"),
    "transfer-encoding": _hdr("http.transfer_encoding", "Transfer-Encoding"),
    "upgrade": _hdr("http.upgrade", "Upgrade"),
    "user-agent": _hdr("http.user_agent", "User-Agent"),
    "host": _hdr("http.host", "Host"),
    "connection": _hdr("http.connection", "Connection"),
    "cookie": _hdr("http.cookie", "Cookie"),
    "accept": _hdr("http.accept", "Accept"),
    "referer": _hdr("http.referer", "Referer"),
    "accept-language": _hdr("http.accept_language", "Accept-Language"),
    "accept-encoding": _hdr("http.accept_encoding", "Accept Encoding"),
    "date": _hdr("http.date", "Date"),
    "cache-control": _hdr("http.cache_control", "Cache-Control"),
    "server": _hdr("http.server", "Server"),
    "location": _hdr("http.location", "Location"),
    "sec-websocket-accept": _hdr("http.sec_websocket_accept", "Sec-WebSocket-Accept"),
    "sec-websocket-extensions": _hdr("http.sec_websocket_extensions",
                                     "Sec-WebSocket-Extensions"),
    "sec-websocket-key": _hdr("http.sec_websocket_key", "Sec-WebSocket-Key"),
    "sec-websocket-protocol": _hdr("http.sec_websocket_protocol", "Sec-WebSocket-Protocol"),
    "sec-websocket-version": _hdr("http.sec_websocket_version", "Sec-WebSocket-Version"),
    "set-cookie": _hdr("http.set_cookie", "Set-Cookie"),
    "last-modified": _hdr("http.last_modified", "Last-Modified"),
    "x-forwarded-for": _hdr("http.x_forwarded_for", "X-Forwarded-For"),
}
