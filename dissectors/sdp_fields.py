"""SDP's fields (dissectors/sdp.py reads them): one per `x=` line and one per token of
the lines it splits, and tshark's notes on broken lines.
"""

from __future__ import annotations

from dissectors.registry import FT, Base, Field, protocol
from dissectors.sdp_names import (
    H263_LEVELS,
    H263_PROFILES,
    H264_MODES,
)

SDP = protocol("sdp", "Session Description Protocol", "SDP")
S = FT.STRING


def _f(abbrev: str, name: str, ftype: FT = S, base: Base = Base.NONE,
       strings: dict | None = None) -> Field:
    return SDP.field(abbrev, name, ftype, base, strings=strings)


VERSION = _f("sdp.version", "Session Description Protocol Version (v)")
OWNER = _f("sdp.owner", "Owner/Creator, Session Id (o)")
SESSION_NAME = _f("sdp.session_name", "Session Name (s)")
SESSION_INFO = _f("sdp.session_info", "Session Information (i)")
URI = _f("sdp.uri", "URI of Description (u)")
EMAIL = _f("sdp.email", "E-mail Address (e)")
PHONE = _f("sdp.phone", "Phone Number (p)")
CONNECTION = _f("sdp.connection_info", "Connection Information (c)")
BANDWIDTH = _f("sdp.bandwidth", "Bandwidth Information (b)")
TIMEZONE = _f("sdp.timezone", "Time Zone Adjustments (z)")
KEY = _f("sdp.encryption_key", "Encryption Key (k)")
SESSION_ATTR = _f("sdp.session_attr", "Session Attribute (a)")
MEDIA_ATTR = _f("sdp.media_attr", "Media Attribute (a)")
TIME = _f("sdp.time", "Time Description, active time (t)")
REPEAT = _f("sdp.repeat_time", "Repeat Time (r)")
MEDIA = _f("sdp.media", "Media Description, name and address (m)")
MEDIA_TITLE = _f("sdp.media_title", "Media Title (i)")
UNKNOWN = _f("sdp.unknown", "Unknown")
INVALID = _f("sdp.invalid", "Invalid line")
OWNER_SUB = [_f(f"sdp.owner.{a}", n) for a, n in (
    ("username", "Owner Username"), ("sessionid", "Session ID"),
    ("version", "Session Version"), ("network_type", "Owner Network Type"),
    ("address_type", "Owner Address Type"))]
OWNER_ADDR = _f("sdp.owner.address", "Owner Address")
CONN_NET = _f("sdp.connection_info.network_type", "Connection Network Type")
CONN_ATYPE = _f("sdp.connection_info.address_type", "Connection Address Type")
CONN_ADDR = _f("sdp.connection_info.address", "Connection Address")
CONN_TTL = _f("sdp.connection_info.ttl", "Connection TTL")
CONN_NUM = _f("sdp.connection_info.num_addr", "Connection Number of Addresses")
BW_MOD = _f("sdp.bandwidth.modifier", "Bandwidth Modifier")
BW_VALUE = _f("sdp.bandwidth.value", "Bandwidth Value")
TIME_START = _f("sdp.time.start", "Session Start Time")
TIME_STOP = _f("sdp.time.stop", "Session Stop Time")
REPEAT_INTERVAL = _f("sdp.repeat_time.interval", "Repeat Interval")
REPEAT_DURATION = _f("sdp.repeat_time.duration", "Repeat Duration")
REPEAT_OFFSET = _f("sdp.repeat_time.offset", "Repeat Offset")
TZ_TIME = _f("sdp.timezone.time", "Timezone Time")
TZ_OFFSET = _f("sdp.timezone.offset", "Timezone Offset")
KEY_TYPE = _f("sdp.encryption_key.type", "Key Type")
KEY_DATA = _f("sdp.encryption_key.data", "Key Data")
SATTR_FIELD = _f("sdp.session_attr.field", "Session Attribute Fieldname")
SATTR_VALUE = _f("sdp.session_attr.value", "Session Attribute Value")
MEDIA_MEDIA = _f("sdp.media.media", "Media Type")
MEDIA_PORT = _f("sdp.media.port", "Media Port", FT.UINT16, Base.DEC)
MEDIA_PORT_STR = _f("sdp.media.port_string", "Media Port")
MEDIA_PORTCOUNT = _f("sdp.media.portcount", "Media Port Count")
MEDIA_PROTO = _f("sdp.media.proto", "Media Protocol")
MEDIA_FORMAT = _f("sdp.media.format", "Media Format")
MATTR_FIELD = _f("sdp.media_attribute.field", "Media Attribute Fieldname")
MATTR_VALUE = _f("sdp.media_attribute.value", "Media Attribute Value")
MIME_TYPE = _f("sdp.mime.type", "MIME Type")
SAMPLE_RATE = _f("sdp.sample_rate", "Sample Rate")
FMTP_PARAM = _f("sdp.fmtp.parameter", "Media format specific parameters")
MPEG4_LEVEL = _f("sdp.fmtp.profile_level_id", "Level Code", FT.UINT32, Base.DEC)
H263_PROFILE = _f("sdp.fmtp.h263profile", "Profile", FT.UINT32, Base.DEC,
                  strings=H263_PROFILES)
H263_LEVEL = _f("sdp.fmtp.h263level", "Level", FT.UINT32, Base.DEC, strings=H263_LEVELS)
H264_MODE = _f("sdp.fmtp.h264_packetization_mode", "Packetization mode", FT.UINT32, Base.DEC,
               strings=H264_MODES)
DATA = _f("sdp.data", "Data", FT.BYTES)
IPBCP_VERSION = _f("sdp.ipbcp.version", "IPBCP Protocol Version")
IPBCP_COMMAND = _f("sdp.ipbcp.command", "IPBCP Command Type")
CANDIDATE = [_f(f"sdp.ice_candidate.{a}", n) for a, n in (
    ("foundation", "Foundation"), ("componentid", "Component ID"), ("transport", "Transport"),
    ("priority", "Priority"), ("address", "Connection Address"), ("port", "Candidate Port"),
    ("type", "Candidate Type"))]
NO_EQUAL = _f("sdp.invalid_line.no_equal", "Invalid SDP line (no '=' delimiter)", FT.NONE)
MISSING = _f("sdp.invalid_line.missing_fields", "Invalid SDP line (missing required fields)",
             FT.NONE)
BAD_RATE = _f("sdp.invalid_sample_rate", "Invalid sample rate", FT.NONE)
EXTRA_SPACE = _f("sdp.invalid_line.extra_space",
                 "Invalid SDP whitespace (extra space character)", FT.NONE)
