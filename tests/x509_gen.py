"""Self-signed X.509 certificates made with `cryptography` (RSA and EC keys, the common
extensions and some tshark decodes no further), carried in a real TLS 1.2 handshake
(tls_ssh_gen: ssl.MemoryBIO, no network) and written as a pcap."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID
from scapy.all import wrpcap
from tls_ssh_gen import tcp_session, tls_flights

T0 = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)


def _key(kind: str):  # noqa: ANN202
    if kind == "rsa":
        return rsa.generate_private_key(65537, 2048)
    return ec.generate_private_key(ec.SECP384R1() if kind == "p384" else ec.SECP256R1())


def _attr(a: tuple) -> x509.NameAttribute:
    """(oid, value) or (oid, value, ASN.1 string type)."""
    return x509.NameAttribute(a[0], a[1], _type=a[2]) if len(a) == 3 else \
        x509.NameAttribute(a[0], a[1])


def make_cert(d: Path, kind: str, names: list, extensions: list,
              digest: hashes.HashAlgorithm, serial: int, days: int = 400) -> tuple[Path, Path]:
    """(certificate, key) PEM files of a self-signed certificate."""
    key = _key(kind)
    name = x509.Name([x509.RelativeDistinguishedName([_attr(a) for a in rdn])
                      if isinstance(rdn, list) else x509.RelativeDistinguishedName([_attr(rdn)])
                      for rdn in names])
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
         .public_key(key.public_key()).serial_number(serial).not_valid_before(T0)
         .not_valid_after(T0 + datetime.timedelta(days=days)))
    for ext, critical in extensions:
        if ext == "ski":
            ext = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        elif ext == "aki":
            ext = x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key())
        b = b.add_extension(ext, critical=critical)
    cert = b.sign(key, digest)
    cpath, kpath = d / f"{kind}-{serial}.crt", d / f"{kind}-{serial}.key"
    cpath.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    kpath.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
    return cpath, kpath


BASE_NAMES = [(NameOID.COUNTRY_NAME, "DE"), (NameOID.STATE_OR_PROVINCE_NAME, "Berlin"),
              (NameOID.ORGANIZATION_NAME, "Lab Org"), (NameOID.COMMON_NAME, "lab.example")]
ALL_EXTENSIONS = [
    (x509.BasicConstraints(ca=True, path_length=None), True),
    (x509.KeyUsage(True, False, True, False, False, True, True, False, False), True),
    (x509.SubjectAlternativeName([x509.DNSName("lab.example"),
                                  x509.DNSName("www.lab.example")]), False),
    (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                            ExtendedKeyUsageOID.CLIENT_AUTH]), False),
    ("ski", False), ("aki", False),
]

#: name -> (key kind, subject/issuer attributes, extensions, signature digest)
CERTS = {
    "rsa_all": ("rsa", BASE_NAMES, ALL_EXTENSIONS, hashes.SHA256()),
    "ec_p256": ("p256", BASE_NAMES, ALL_EXTENSIONS, hashes.SHA256()),
    "ec_p384_leaf": ("p384", [(NameOID.COMMON_NAME, "leaf.lab.example"),
                              (NameOID.EMAIL_ADDRESS, "ops@lab.example"),
                              (NameOID.ORGANIZATIONAL_UNIT_NAME, "Ops"),
                              (NameOID.LOCALITY_NAME, "Köln")],
                     [(x509.BasicConstraints(ca=False, path_length=None), False),
                      (x509.KeyUsage(True, False, False, False, True, False, False, True,
                                     True), True),
                      (x509.SubjectAlternativeName([x509.DNSName("leaf.lab.example")]),
                       False)], hashes.SHA384()),
    "rsa_pathlen_unknown_ext": ("rsa", BASE_NAMES[:1] + BASE_NAMES[3:],
                                [(x509.BasicConstraints(ca=True, path_length=2), True),
                                 (x509.UnrecognizedExtension(
                                     x509.ObjectIdentifier("1.3.6.1.4.1.99999.7"),
                                     b"\x04\x03abc"), False),
                                 ("ski", False)], hashes.SHA512()),
    # a notAfter past 2049 (GeneralizedTime), dc and serialNumber attributes, the other
    # GeneralName forms, CRL distribution points, AIA (pkix1implicit), policies
    "ec_far_future_more_names": (
        "p256", [(NameOID.COUNTRY_NAME, "US"), (NameOID.DOMAIN_COMPONENT, "example"),
                 (NameOID.SERIAL_NUMBER, "42"), (NameOID.COMMON_NAME, "more.example")],
        [(x509.SubjectAlternativeName([
            x509.RFC822Name("a@b.example"), x509.IPAddress(ipaddress.ip_address("192.0.2.7")),
            x509.UniformResourceIdentifier("https://u.example/x"),
            x509.IPAddress(ipaddress.ip_address("2001:db8::1"))]), False),
         (x509.CRLDistributionPoints([x509.DistributionPoint(
             [x509.UniformResourceIdentifier("http://crl.example/c.crl")], None, None, None)]),
          False),
         (x509.AuthorityInformationAccess([x509.AccessDescription(
             AuthorityInformationAccessOID.OCSP,
             x509.UniformResourceIdentifier("http://ocsp.example"))]), False),
         (x509.CertificatePolicies([x509.PolicyInformation(
             x509.ObjectIdentifier("2.23.140.1.2.1"), None)]), False)], hashes.SHA256()),
    # a multi-valued RDN (CN+O), a DirectoryString that is a PrintableString, a title;
    # cA absent (DEFAULT FALSE): an empty BasicConstraints
    "rsa_multi_valued_rdn": (
        "rsa", [[(NameOID.COMMON_NAME, "multi.example"), (NameOID.ORGANIZATION_NAME, "Plus Org")],
                (NameOID.LOCALITY_NAME, "Printable", _ASN1Type.PrintableString),
                (NameOID.TITLE, "Boss")],
        [(x509.BasicConstraints(ca=False, path_length=None), True)], hashes.SHA384()),
    # an attribute type tshark has no dissector for, BMPString and TeletexString names,
    # no extensions at all
    "ec_odd_strings": ("p256", [(x509.ObjectIdentifier("1.2.3.4"), "odd"),
                                (NameOID.ORGANIZATION_NAME, "BMP Org", _ASN1Type.BMPString),
                                (NameOID.COMMON_NAME, "t61", _ASN1Type.T61String)],
                       [], hashes.SHA256()),
}
#: certificates valid longer than the default 400 days
DAYS = {"ec_far_future_more_names": 12000}


def write_cert_capture(path: Path, d: Path, name: str, serial: int = 0x1234567890ABCDEF) -> Path:
    kind, names, exts, digest = CERTS[name]
    cert, key = make_cert(d, kind, names, exts, digest, serial, DAYS.get(name, 400))
    wrpcap(str(path), tcp_session(tls_flights(cert, key, "1.2"), 50443, 443, 3000))
    return path


def write_chain_capture(path: Path, d: Path) -> Path:
    """A leaf (EC) signed by a CA (RSA, pathLen 0): two certificates in one Certificate
    message, over TCP segments of 500 bytes (reassembled)."""
    cak, lk = rsa.generate_private_key(65537, 2048), ec.generate_private_key(ec.SECP256R1())
    can = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Lab CA")])
    ln = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leaf.example")])
    ca = (x509.CertificateBuilder().subject_name(can).issuer_name(can)
          .public_key(cak.public_key()).serial_number(1).not_valid_before(T0)
          .not_valid_after(T0 + datetime.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(cak.public_key()), False)
          .sign(cak, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(ln).issuer_name(can)
            .public_key(lk.public_key()).serial_number(2).not_valid_before(T0)
            .not_valid_after(T0 + datetime.timedelta(days=30))
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                cak.public_key()), False)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("leaf.example")]), False)
            .sign(cak, hashes.SHA256()))
    cpath, kpath = d / "chain.pem", d / "leaf.key"
    cpath.write_bytes(leaf.public_bytes(serialization.Encoding.PEM)
                      + ca.public_bytes(serialization.Encoding.PEM))
    kpath.write_bytes(lk.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    wrpcap(str(path), tcp_session(tls_flights(cpath, kpath, "1.2"), 50443, 443, 500))
    return path
