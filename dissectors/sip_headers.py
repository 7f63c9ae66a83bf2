"""The SIP message headers tshark 4.0 knows (its sip_headers table), as the fields it
declares for them: (header name, field abbreviation, unsigned?). Generated from
`tshark -G fields`; a header not here is "Unrecognised SIP header". Why a module: the
list is data, kept out of sip.py.
"""

from __future__ import annotations

# (label, abbrev) where the abbreviation is not sip.<label>
_ODD = {"Policy-Contact": "sip.Policy_Contact", "Policy-ID": "sip.Policy_ID",
        "Referred-By": "sip.Referred-by", "Suppress-If-Match": "sip.Suppress_If_Match"}
UINT_HEADERS = frozenset(('Content-Length', 'Expires', 'Max-Breadth', 'Max-Forwards',
                          'Retry-After', 'RSeq'))
HEADERS = (
    'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language',
    'Accept-Resource-Priority', 'Additional-Identity', 'Alert-Info', 'Allow', 'Allow-Events',
    'Answer-Mode', 'Attestation-Info', 'Authentication-Info', 'Authorization', 'Call-ID',
    'Call-Info', 'Cellular-Network-Info', 'Contact', 'Content-Disposition',
    'Content-Encoding', 'Content-Language', 'Content-Length', 'Content-Type', 'CSeq', 'Date',
    'Error-Info', 'Event', 'Expires', 'Feature-Caps', 'Flow-Timer', 'From', 'Geolocation',
    'Geolocation-Error', 'Geolocation-Routing', 'History-Info', 'Identity', 'Identity-info',
    'Info-Package', 'In-Reply-To', 'Join', 'Max-Breadth', 'Max-Forwards', 'MIME-Version',
    'Min-Expires', 'Min-SE', 'Organization', 'Origination-Id', 'P-Access-Network-Info',
    'P-Answer-State', 'P-Asserted-Identity', 'P-Asserted-Service', 'P-Charge-Info',
    'P-Associated-URI', 'P-Called-Party-ID', 'P-Charging-Function-Addresses',
    'P-Charging-Vector', 'P-DCS-Trace-Party-ID', 'P-DCS-OSPS', 'P-DCS-Billing-Info',
    'P-DCS-LAES', 'P-DCS-Redirect', 'P-Early-Media', 'P-Media-Authorization',
    'P-Preferred-Identity', 'P-Preferred-Service', 'P-Profile-Key', 'P-Refused-URI-List',
    'P-Served-User', 'P-User-Database', 'P-Visited-Network-ID', 'Path', 'Permission-Missing',
    'Policy-Contact', 'Policy-ID', 'Priority', 'Priority-Share', 'Priv-Answer-mode',
    'Privacy', 'Proxy-Authenticate', 'Proxy-Authorization', 'Proxy-Require', 'RAck', 'Reason',
    'Reason-Phrase', 'Record-Route', 'Recv-Info', 'Refer-Sub', 'Refer-To', 'Referred-By',
    'Reject-Contact', 'Relayed-Charge', 'Replaces', 'Reply-To', 'Request-Disposition',
    'Require', 'Resource-Priority', 'Resource-Share', 'Response-Source', 'Restoration-Info',
    'Retry-After', 'Route', 'RSeq', 'Security-Client', 'Security-Server', 'Security-Verify',
    'Server', 'Service-Interact-Info', 'Service-Route', 'Session-Expires', 'Session-ID',
    'ETag', 'If_Match', 'Subject', 'Subscription-State', 'Supported', 'Suppress-If-Match',
    'Target-Dialog', 'Timestamp', 'To', 'Trigger-Consent', 'Unsupported', 'User-Agent', 'Via',
    'Warning', 'WWW-Authenticate', 'Diversion',
)


def header_abbrev(name: str) -> str:
    """The field abbreviation of a header named as in HEADERS."""
    return _ODD.get(name, f"sip.{name}")
