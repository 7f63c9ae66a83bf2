"""Value names SDP shows (tshark 4.0's tables): RTP payload types, the H.263 and H.264
fmtp parameters, ICE candidate types. Why a module: data, kept out of sdp.py."""

from __future__ import annotations

# RTP payload types by number (rtp_payload_type_vals): the named ones; 20-95 other than
# these are "Unassigned", 72-76 reserved, 96-127 dynamic.
_PT_NAMES = {
    0: "ITU-T G.711 PCMU", 1: "USA Federal Standard FS-1016", 2: "ITU-T G.721",
    3: "GSM 06.10", 4: "ITU-T G.723", 5: "DVI4 8000 samples/s", 6: "DVI4 16000 samples/s",
    7: "Experimental linear predictive encoding from Xerox PARC", 8: "ITU-T G.711 PCMA",
    9: "ITU-T G.722", 10: "16-bit uncompressed audio, stereo",
    11: "16-bit uncompressed audio, monaural",
    12: "Qualcomm Code Excited Linear Predictive coding", 13: "Comfort noise",
    14: "MPEG-I/II Audio", 15: "ITU-T G.728", 16: "DVI4 11025 samples/s",
    17: "DVI4 22050 samples/s", 18: "ITU-T G.729", 19: "Comfort noise (old)",
    25: "Sun CellB video encoding", 26: "JPEG-compressed video", 28: "'nv' program",
    31: "ITU-T H.261", 32: "MPEG-I/II Video", 33: "MPEG-II transport streams",
    34: "ITU-T H.263"}


def payload_type_name(pt: int) -> str:
    """val_to_str_ext(pt, rtp_payload_type_vals, "%u")."""
    if pt in _PT_NAMES:
        return _PT_NAMES[pt]
    if 72 <= pt <= 76:
        return "Reserved for RTCP conflict avoidance"
    if 96 <= pt <= 127:
        return f"DynamicRTP-Type-{pt}"
    return "Unassigned" if pt < 96 else str(pt)


# fmtp parameter values (decode_sdp_fmtp) and ICE candidate types.
H263_PROFILES = {
    0: "Baseline Profile",
    1: "H.320 Coding Efficiency Version 2 Backward-Compatibility Profile",
    2: "Version 1 Backward-Compatibility Profile",
    3: "Version 2 Interactive and Streaming Wireless Profile",
    4: "Version 3 Interactive and Streaming Wireless Profile",
    5: "Conversational High Compression Profile", 6: "Conversational Internet Profile",
    7: "Conversational Interlace Profile", 8: "High Latency Profile"}
H263_LEVELS = {
    10: "QCIF (176 x 144), 1 x 64Kb/s", 20: "CIF (352 x 288), 2 x 64Kb/s",
    30: "CIF (352 x 288), 6 x 64Kb/s", 40: "CIF (352 x 288), 32 x 64Kb/s",
    45: "QCIF (176 x144) support of CPFMT, 2 x 64Kb/s",
    50: "CIF (352 x 288) support of CPFMT, 64 x 64Kb/s",
    60: "CPFMT: 720 x 288 support of CPFMT, 128 x 64Kb/s",
    70: "CPFMT: 720 x 576 support of CPFMT, 256 x 64Kb/s"}
H264_MODES = {0: "Single NAL mode", 1: "Non-interleaved mode", 2: "Interleaved mode"}
CANDIDATE_TYPES = {b"host": "Host candidate", b"srflx": "Server reflexive candidate",
                   b"prflx": "Peer reflexive candidate", b"relay": "Relayed candidate"}
