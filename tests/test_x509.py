"""X.509 certificates in TLS Certificate messages against tshark 4.0: list, -V, JSON,
fields, filters, io,phs and expert on self-signed certificates made here (RSA, EC P-256 /
P-384, the common extensions, an extension tshark does not decode, a CA + leaf chain
over several segments) and on the corpus's
ndpi-zattoo (a v1 certificate); tree-less runs equal full ones; hostile DER never raises."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from corpusutil import CORPUS
from diffutil import compare_fields, run_analyze, run_tshark
from x509_gen import CERTS, write_cert_capture, write_chain_capture

from dissectors.frame import FULL_TREE_ENV

pytestmark = pytest.mark.tshark

FIELDS = [
    "frame.protocols", "_ws.col.Info", "tls.handshake.certificate", "x509af.version",
    "x509af.serialNumber", "x509af.algorithm.id", "x509af.issuer", "x509if.rdnSequence",
    "x509af.rdnSequence", "x509if.RDNSequence_item", "x509if.oid", "x509sat.CountryName",
    "x509sat.DirectoryString", "x509sat.uTF8String", "x509sat.printableString", "x509sat.bmpString", "x509sat.teletexString", "x509if.RelativeDistinguishedName_item_element",
    "x509sat.IA5String", "x509af.notBefore", "x509af.utcTime", "x509af.subjectPublicKey",
    "pkcs1.modulus", "pkcs1.publicExponent", "pkcs1.ECParameters", "pkcs1.namedCurve",
    "x509af.extensions", "x509af.extension.id", "x509af.critical", "x509ce.cA",
    "x509ce.pathLenConstraint", "x509ce.KeyUsage", "x509ce.KeyUsage.digitalSignature",
    "x509ce.KeyUsage.keyAgreement", "x509ce.KeyUsage.decipherOnly", "x509ce.GeneralName",
    "x509ce.dNSName", "x509ce.KeyPurposeId", "x509ce.SubjectKeyIdentifier",
    "x509ce.keyIdentifier", "ber.bitstring.padding", "x509af.encrypted",
    "ber.error.oid_not_implemented", "_ws.expert.message", "x509af.notAfter",
    "x509af.generalizedTime", "x509sat.PrintableString", "x509ce.rfc822Name",
    "x509ce.IPAddress.ipv4", "x509ce.IPAddress.ipv6", "x509ce.uniformResourceIdentifier",
    "x509ce.CRLDistPointsSyntax", "x509ce.distributionPoint", "x509ce.fullName",
    "x509ce.policyIdentifier", "pkix1implicit.AuthorityInfoAccessSyntax",
    "pkix1implicit.accessMethod", "pkix1implicit.accessLocation",
]
#: (tshark's x509 layers add no protocol item: the bare names match no packet there)
LAYER_FILTERS = ["x509sat", "x509ce", "x509af", "pkcs-1", "x509if", "pkix1implicit"]
FILTERS = [
    'x509ce.dNSName == "www.lab.example"',
    'x509sat.uTF8String contains "lab"', "x509ce.KeyUsage.keyCertSign", "x509ce.BasicConstraintsSyntax_element && !x509ce.cA",
    "x509ce.pathLenConstraint == 2", "pkcs1.namedCurve == 1.3.132.0.34",
    "x509af.extension.id == 2.5.29.37", "ber.error.oid_not_implemented",
    "x509af.serialNumber == 12:34:56:78:90:ab:cd:ef", "x509ce.IPAddress.ipv4 == 192.0.2.7",
    "x509af.generalizedTime > \"2050-01-01\"", "pkix1implicit.accessMethod",
    'x509ce.uniformResourceIdentifier contains "crl"', 'x509sat.printableString == "Printable"',
    'x509sat.bmpString == "BMP Org"', 'x509sat.IA5String == "ops@lab.example"',
]
ARGS = [[], ["-V"], ["-T", "json"], ["-q", "-z", "io,phs"], ["-q", "-z", "expert"]]


@pytest.fixture(scope="module")
def caps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("x509")
    out = {name: write_cert_capture(d / f"{name}.pcap", d, name) for name in CERTS}
    out["chain"] = write_chain_capture(d / "chain.pcap", d)
    out["zattoo"] = CORPUS / "ndpi-zattoo.pcap"
    return out


NAMES = [*CERTS, "chain", "zattoo"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("args", ARGS, ids=lambda a: " ".join(a) or "list")
def test_output_equals_tshark(caps, name, args):
    rc, ours, err = run_analyze(["-r", str(caps[name]), *args])
    assert rc == 0, err
    theirs = run_tshark(["-r", str(caps[name]), *args])
    assert ours == theirs
    if args == ["-V"]:
        assert "signedCertificate" in theirs and "subjectPublicKeyInfo" in theirs


@pytest.mark.parametrize("name", NAMES)
def test_fields_equal_tshark(caps, name):
    assert compare_fields(caps[name], FIELDS) == []
    protos = run_tshark(["-r", str(caps[name]), "-T", "fields", "-e", "frame.protocols"])
    assert "x509sat" in protos


@pytest.mark.parametrize("flt", LAYER_FILTERS)
def test_layer_filters_equal_tshark(caps, flt):
    for name in NAMES:
        args = ["-r", str(caps[name]), "-Y", flt]
        rc, ours, err = run_analyze(args)
        assert rc == 0, err
        assert ours == run_tshark(args), (name, flt)


@pytest.mark.parametrize("flt", FILTERS)
def test_filters_equal_tshark(caps, flt):
    shown = 0
    for name in NAMES:
        args = ["-r", str(caps[name]), "-Y", flt]
        rc, ours, err = run_analyze(args)
        assert rc == 0, err
        theirs = run_tshark(args)
        assert ours == theirs, (name, flt)
        shown += len(theirs.splitlines())
    assert shown > 0, flt


@pytest.mark.parametrize("args", [
    [], ["-q", "-z", "io,phs"], ["-q", "-z", "expert"],
    ["-T", "fields", "-e", "frame.protocols", "-e", "x509ce.dNSName", "-e", "_ws.col.Info"],
    ["-T", "fields", "-e", "x509sat.uTF8String", "-e", "x509af.serialNumber"],
    ["-Y", "x509ce.KeyUsage.digitalSignature"], ["-Y", "tls.handshake.type == 11"],
], ids=lambda a: " ".join(a) or "list")
def test_treeless_equals_full(caps, args, monkeypatch):
    for name in NAMES:
        monkeypatch.delenv(FULL_TREE_ENV, raising=False)
        treeless = run_analyze([*args, str(caps[name])])
        monkeypatch.setenv(FULL_TREE_ENV, "1")
        full = run_analyze([*args, str(caps[name])])
        monkeypatch.delenv(FULL_TREE_ENV)
        assert treeless == full, name


def _der(caps: dict[str, Path], name: str) -> bytes:
    """The first certificate's DER bytes, as tshark reads them from the capture."""
    hexes = run_tshark(["-r", str(caps[name]), "-Y", "tls.handshake.type == 11", "-T",
                        "fields", "-e", "tls.handshake.certificate"]).split()
    return bytes.fromhex(hexes[0].split(",")[0].replace(":", ""))


def _mutants(der: bytes) -> list[bytes]:
    rng = random.Random(7)
    out = [der[:n] for n in range(0, len(der), 7)]
    for _ in range(600):
        b = bytearray(der)
        for _ in range(rng.randint(1, 4)):
            b[rng.randrange(len(b))] = rng.choice((0x00, 0x7F, 0x80, 0x84, 0xFF,
                                                   rng.randrange(256)))
        out.append(bytes(b))
    deep = b"".join(b"\x30\x84\x00\x00\x01\x00" for _ in range(200))  # nested, lengths lie
    return [*out, deep, b"\x30\x84\xff\xff\xff\xff" + der[6:], b"\x30\x80" + der[2:]]


@pytest.mark.parametrize("name", ["rsa_all", "ec_p384_leaf"])
@pytest.mark.parametrize("tree", [True, False])
def test_hostile_der_never_raises(caps, name, tree):
    """Truncated, bit-flipped and lying DER: the reader stops where the bytes stop making
    sense, returns a string, adds nothing outside the bytes it was given, and is quick."""
    from captures.frame import Frame
    from dissectors.packet import Packet
    from dissectors.x509 import dissect_certificate

    der = _der(caps, name)
    parent = Packet(Frame(1, 0, 1, 1, 1, 1, 0, b"\0")).add_text(None, "Certificate", 0, 0)
    dn = dissect_certificate(Packet(Frame(1, 0, 1, 1, 1, 1, 0, b"\0")), parent, der, 0,
                             len(der), 0)
    label = [line for line in run_tshark(["-r", str(caps[name]), "-V"]).splitlines()
             if line.strip().startswith("Certificate: 30")]
    assert dn and label and label[0].endswith(f" ({dn})")  # (short enough to be whole)
    t0 = time.monotonic()
    for m in _mutants(der):
        pkt = Packet(Frame(1, 0, 1, len(m), len(m), 1, 0, m))
        if not tree:
            pkt.wanted = frozenset({"x509ce.dNSName"})
            pkt.layers = frozenset({"x509ce"})
            pkt.tree_on = False
        parent = pkt.add_text(None, "Certificate", 0, len(m))
        assert isinstance(dissect_certificate(pkt, parent, m, 0, len(m), 0), str)
        stack = list(parent.children or ())
        while stack:
            it = stack.pop()
            assert 0 <= it.offset and it.offset + it.length <= len(m)
            stack.extend(it.children or ())
    assert time.monotonic() - t0 < 30
