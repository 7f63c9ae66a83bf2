"""NTP (RFC 5905) on UDP port 123: the 48-byte header of modes 0-5, as tshark 4.0 shows it.

    0                   1                   2                   3
   +---+-----+-----+---------------+---------------+---------------+
   |LI | VN  |Mode |    Stratum    |     Poll      |   Precision   |
   |                          Root Delay                           |
   |                       Root Dispersion                         |
   |                    Reference Identifier                       |
   |     Reference, Origin, Receive, Transmit Timestamps (8 each)  |
   |          Key Identifier (4), Message Digest (16/20)           |
   +---------------------------------------------------------------+
Control (mode 6) and private (mode 7) messages are left to data.
"""

from __future__ import annotations

from dissectors.dispatch import UDP_PORT, register_dissector
from dissectors.escape import format_text
from dissectors.format import ipv4_str
from dissectors.offers import register_learner_layer
from dissectors.packet import Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

LI = {0: "no warning", 1: "last minute of the day has 61 seconds",
      2: "last minute of the day has 59 seconds", 3: "unknown (clock unsynchronized)"}
VERSIONS = {0: "reserved", 1: "NTP Version 1", 2: "NTP Version 2", 3: "NTP Version 3",
            4: "NTP Version 4", 5: "reserved", 6: "reserved", 7: "reserved"}
MODES = {0: "reserved", 1: "symmetric active", 2: "symmetric passive", 3: "client",
         4: "server", 5: "broadcast", 6: "reserved for NTP control message",
         7: "reserved for private use"}
_INFO_MODES = {**MODES, 6: "control", 7: "private"}
STRATA = {0: "unspecified or invalid", 1: "primary reference", 16: "unsynchronized",
          **{n: "secondary reference" for n in range(2, 16)},
          **{n: "reserved" for n in range(17, 256)}}
# Reference IDs of primary (stratum 0 and 1) sources (RFC 5905 and common ones).
PRIMARY_SOURCES = {
    b"GOES": "Geostationary Orbit Environment Satellite", b"GPS\0": "Global Position System",
    b"GAL\0": "Galileo Positioning System", b"PPS\0": "Generic pulse-per-second",
    b"IRIG": "Inter-Range Instrumentation Group",
    b"WWVB": "LF Radio WWVB Ft. Collins, CO 60 kHz",
    b"DCF\0": "LF Radio DCF77 Mainflingen, DE 77.5 kHz",
    b"HBG\0": "LF Radio HBG Prangins, HB 75 kHz", b"MSF\0": "LF Radio MSF Anthorn, UK 60 kHz",
    b"JJY\0": "LF Radio JJY Fukushima, JP 40 kHz, Saga, JP 60 kHz",
    b"LORC": "MF Radio LORAN C station, 100 kHz", b"TDF\0": "MF Radio Allouis, FR 162 kHz",
    b"CHU\0": "HF Radio CHU Ottawa, Ontario", b"WWV\0": "HF Radio WWV Ft. Collins, CO",
    b"WWVH": "HF Radio WWVH Kauai, HI", b"NIST": "NIST telephone modem",
    b"ACTS": "NIST telephone modem", b"USNO": "USNO telephone modem",
    b"PTB\0": "European telephone modem", b"LOCL": "uncalibrated local clock",
    b"CESM": "calibrated Cesium clock", b"RBDM": "calibrated Rubidium clock",
    b"OMEG": "OMEGA radionavigation system", b"DCN\0": "DCN routing protocol",
    b"TSP\0": "TSP time protocol", b"DTS\0": "Digital Time Service",
    b"ATOM": "Atomic clock (calibrated)", b"VLF\0": "VLF radio (OMEGA,, etc.)",
    b"1PPS": "External 1 PPS input", b"FREE": "(Internal clock)",
    b"INIT": "(Initialization)", b"\0\0\0\0": "NULL",
}

NTP = protocol("ntp", "Network Time Protocol", "NTP")
FLAGS = NTP.field("ntp.flags", "Flags", FT.UINT8, Base.HEX, offset=0)
FLAGS_LI = NTP.field("ntp.flags.li", "Leap Indicator", FT.UINT8, Base.DEC, bitmask=0xC0,
                     strings=LI, offset=0)
FLAGS_VN = NTP.field("ntp.flags.vn", "Version number", FT.UINT8, Base.DEC, bitmask=0x38,
                     strings=VERSIONS, offset=0)
FLAGS_MODE = NTP.field("ntp.flags.mode", "Mode", FT.UINT8, Base.DEC, bitmask=0x07,
                       strings=MODES, offset=0)
STRATUM = NTP.field("ntp.stratum", "Peer Clock Stratum", FT.UINT8, Base.DEC, strings=STRATA,
                    offset=1)
PPOLL = NTP.field("ntp.ppoll", "Peer Polling Interval", FT.UINT8, Base.DEC, offset=2)
PRECISION = NTP.field("ntp.precision", "Peer Clock Precision", FT.UINT8, Base.DEC, offset=3)
ROOTDELAY = NTP.field("ntp.rootdelay", "Root Delay", FT.UINT32, Base.DEC, offset=4)
ROOTDISP = NTP.field("ntp.rootdispersion", "Root Dispersion", FT.UINT32, Base.DEC, offset=8)
REFID = NTP.field("ntp.refid", "Reference ID", FT.BYTES)
REFTIME = NTP.field("ntp.reftime", "Reference Timestamp", FT.ABSOLUTE_TIME, Base.NTP_UTC)
ORG = NTP.field("ntp.org", "Origin Timestamp", FT.ABSOLUTE_TIME, Base.NTP_UTC)
REC = NTP.field("ntp.rec", "Receive Timestamp", FT.ABSOLUTE_TIME, Base.NTP_UTC)
XMT = NTP.field("ntp.xmt", "Transmit Timestamp", FT.ABSOLUTE_TIME, Base.NTP_UTC)
KEYID = NTP.field("ntp.keyid", "Key ID", FT.BYTES)
MAC = NTP.field("ntp.mac", "Message Authentication Code", FT.BYTES)

_NTP_TO_UNIX = 2_208_988_800  # seconds from 1900-01-01 to 1970-01-01
_NS = 1_000_000_000


def ntp_time_ns(secs: int, frac: int) -> int:
    """An NTP timestamp as Unix nanoseconds; 0 stays 0 ("NULL"). Seconds without the top
    bit are in era 1 (from 2036), as RFC 2030 and Wireshark's tvb_get_ntp_tstamp read them."""
    if secs == 0 and frac == 0:
        return 0
    unix = secs - _NTP_TO_UNIX if secs & 0x80000000 else secs + (1 << 32) - _NTP_TO_UNIX
    return unix * _NS + ((frac * _NS) >> 32)


def _refid_text(refid: bytes, stratum: int) -> str:
    if stratum <= 1:
        name = PRIMARY_SOURCES.get(refid)
        if name is not None:
            return name
        # (tshark prints these bytes raw, up to a NUL; escaped here, as all packet text)
        shown = format_text(refid.split(b"\0", 1)[0])
        return f"Unidentified reference source '{shown}'"
    return ipv4_str(int.from_bytes(refid, "big"))


def dissect_ntp(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    off = tvb.start
    if tvb.end - off < 1:
        return False
    flags = tvb.u8(off)
    mode = flags & 7
    if mode in (6, 7):
        return False  # control / private: not decoded here (UDP hands them to data)
    session.current_proto = "ntp"
    vn = (flags >> 3) & 7
    summary = f"{VERSIONS[vn]}, {_INFO_MODES[mode]}"
    pkt.proto_col = "NTP"
    pkt.set_info(summary)
    src = tvb.source
    top = pkt.add_proto(NTP, off, tvb.end - off, f"Network Time Protocol ({VERSIONS[vn]}, "
                        f"{MODES[mode]})", source=src)
    fi = pkt.add(top, FLAGS, flags, off, 1,
                 f"Flags: 0x{flags:02x}, Leap Indicator: {LI[flags >> 6]}, Version number: "
                 f"{VERSIONS[vn]}, Mode: {MODES[mode]}" if pkt.tree_on else None, source=src)
    for f in (FLAGS_LI, FLAGS_VN, FLAGS_MODE):
        pkt.add(fi, f, (flags & f.bitmask) >> f.shift, off, 1, source=src)
    stratum = tvb.u8(off + 1)
    pkt.add(top, STRATUM, stratum, off + 1, 1, source=src)
    ppoll = tvb.u8(off + 2)
    pkt.add(top, PPOLL, ppoll, off + 2, 1,
            f"Peer Polling Interval: {ppoll} ({1 << ppoll} seconds)" if 4 <= ppoll <= 17
            else f"Peer Polling Interval: invalid ({ppoll})", source=src)
    prec = tvb.u8(off + 3)
    pkt.add(top, PRECISION, prec, off + 3, 1,
            f"Peer Clock Precision: {2.0 ** (prec - 256 if prec > 127 else prec):8.6f} seconds",
            source=src)
    for f, at in ((ROOTDELAY, off + 4), (ROOTDISP, off + 8)):
        v = tvb.u32(at)
        pkt.add(top, f, v, at, 4, f"{f.name}: {v / 65536.0:8.6f} seconds", source=src)
    refid = tvb.bytes(off + 12, 4)
    pkt.add(top, REFID, refid, off + 12, 4,
            f"Reference ID: {_refid_text(refid, stratum)}", source=src)
    for i, f in enumerate((REFTIME, ORG, REC, XMT)):
        at = off + 16 + 8 * i
        pkt.add(top, f, ntp_time_ns(tvb.u32(at), tvb.u32(at + 4)), at, 8, source=src)
    rest = tvb.end - (off + 48)
    if rest >= 4:
        pkt.add(top, KEYID, tvb.bytes(off + 48, 4), off + 48, 4, source=src)
        if rest > 4:
            pkt.add(top, MAC, tvb.bytes(off + 52, rest - 4), off + 52, rest - 4, source=src)
    return None


UDP_PORT.register(123, dissect_ntp, "ntp")
register_dissector("ntp", dissect_ntp)
register_learner_layer("ntp", "NTP")
