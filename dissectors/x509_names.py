"""Names Wireshark 4.0 gives the OIDs an X.509 certificate carries (its oid table, as
`tshark -V` prints them): attribute types, algorithms, curves, extensions, key purposes."""

from __future__ import annotations

OID_NAMES: dict[str, str] = {
    "2.5.4.3": "id-at-commonName", "2.5.4.4": "id-at-surname",
    "2.5.4.5": "id-at-serialNumber", "2.5.4.6": "id-at-countryName",
    "2.5.4.7": "id-at-localityName", "2.5.4.8": "id-at-stateOrProvinceName",
    "2.5.4.9": "id-at-streetAddress", "2.5.4.10": "id-at-organizationName",
    "2.5.4.11": "id-at-organizationalUnitName", "2.5.4.12": "id-at-title",
    "2.5.4.42": "id-at-givenName", "2.5.4.17": "id-at-postalCode",
    "1.2.840.113549.1.9.1": "pkcs-9-at-emailAddress",
    "1.2.840.113549.1.1.1": "rsaEncryption", "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
    "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
    "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
    "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
    "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
    "1.2.840.10045.2.1": "id-ecPublicKey", "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
    "1.2.840.10045.4.3.3": "ecdsa-with-SHA384", "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
    "1.2.840.10045.3.1.7": "secp256r1", "1.3.132.0.34": "secp384r1",
    "1.3.132.0.35": "secp521r1",
    "2.5.29.14": "id-ce-subjectKeyIdentifier", "2.5.29.15": "id-ce-keyUsage",
    "2.5.29.17": "id-ce-subjectAltName", "2.5.29.19": "id-ce-basicConstraints",
    "2.5.29.35": "id-ce-authorityKeyIdentifier", "2.5.29.37": "id-ce-extKeyUsage",
    "1.3.6.1.5.5.7.3.1": "id-kp-serverAuth", "1.3.6.1.5.5.7.3.2": "id-kp-clientAuth",
    "0.9.2342.19200300.100.1.25": "dc", "2.5.29.31": "id-ce-cRLDistributionPoints",
    "2.5.29.32": "id-ce-certificatePolicies", "1.3.6.1.5.5.7.1.1": "id-pe-authorityInfoAccess",
    "1.3.6.1.5.5.7.48.1": "id-ad-ocsp", "1.3.6.1.5.5.7.48.2": "id-ad-caIssuers",
}

#: attribute types whose value x509sat reads as a DirectoryString (the others are named)
COUNTRY, EMAIL, DC, SERIAL_ATTR = "2.5.4.6", "1.2.840.113549.1.9.1", "0.9.2342.19200300.100.1.25", \
    "2.5.4.5"
DIRECTORY_STRING_ATTRS = frozenset({
    "2.5.4.3", "2.5.4.4", "2.5.4.7", "2.5.4.8", "2.5.4.9", "2.5.4.10", "2.5.4.11",
    "2.5.4.12", "2.5.4.42", "2.5.4.17"})
#: DirectoryString's CHOICE: universal tag -> (index, field name)
DIRECTORY_CHOICES = {20: (0, "teletexString"), 19: (1, "printableString"),
                     28: (2, "universalString"), 30: (3, "bmpString"), 12: (4, "uTF8String")}
