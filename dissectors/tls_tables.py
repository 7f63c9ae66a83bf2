"""TLS value names: record, handshake, extension, group, signature and alert tables.

Generated from tshark 4.0's value strings (`tshark -G values`): the names Wireshark
shows, one "hex-value name" per line. Data only, no logic.
"""

from __future__ import annotations

from dissectors.value_names import hex_table as _table

#: tls.record.content_type
CONTENT_TYPES = _table("""
14 Change Cipher Spec
15 Alert
16 Handshake
17 Application Data
18 Heartbeat
19 Connection ID
""")


#: tls.record.version
VERSIONS = _table("""
0002 SSL 2.0
0100 DTLS 1.0 (OpenSSL pre 0.9.8f)
0101 GMTLS
0300 SSL 3.0
0301 TLS 1.0
0302 TLS 1.1
0303 TLS 1.2
0304 TLS 1.3
0a0a Reserved (GREASE)
1a1a Reserved (GREASE)
2a2a Reserved (GREASE)
3a3a Reserved (GREASE)
4a4a Reserved (GREASE)
5a5a Reserved (GREASE)
6a6a Reserved (GREASE)
7a7a Reserved (GREASE)
7f0e TLS 1.3 (draft 14)
7f0f TLS 1.3 (draft 15)
7f10 TLS 1.3 (draft 16)
7f11 TLS 1.3 (draft 17)
7f12 TLS 1.3 (draft 18)
7f13 TLS 1.3 (draft 19)
7f14 TLS 1.3 (draft 20)
7f15 TLS 1.3 (draft 21)
7f16 TLS 1.3 (draft 22)
7f17 TLS 1.3 (draft 23)
7f18 TLS 1.3 (draft 24)
7f19 TLS 1.3 (draft 25)
7f1a TLS 1.3 (draft 26)
7f1b TLS 1.3 (draft 27)
7f1c TLS 1.3 (draft 28)
8a8a Reserved (GREASE)
9a9a Reserved (GREASE)
aaaa Reserved (GREASE)
baba Reserved (GREASE)
caca Reserved (GREASE)
dada Reserved (GREASE)
eaea Reserved (GREASE)
fafa Reserved (GREASE)
fb17 TLS 1.3 (Facebook draft 23)
fb1a TLS 1.3 (Facebook draft 26)
fefd DTLS 1.2
feff DTLS 1.0
""")


#: tls.handshake.type
HANDSHAKE_TYPES = _table("""
00 Hello Request
01 Client Hello
02 Server Hello
03 Hello Verify Request
04 New Session Ticket
05 End of Early Data
06 Hello Retry Request
07 Request Certificate
08 Encrypted Extensions
0b Certificate
0c Server Key Exchange
0d Certificate Request
0e Server Hello Done
0f Certificate Verify
10 Client Key Exchange
14 Finished
15 Client Certificate URL
16 Certificate Status
17 Supplemental Data
18 Key Update
19 Compressed Certificate
43 Encrypted Extensions
""")


#: tls.handshake.comp_method
COMP_METHODS = _table("""
00 null
01 DEFLATE
40 LZS
""")


#: tls.handshake.extension.type
EXTENSION_TYPES = _table("""
0000 server_name
0001 max_fragment_length
0002 client_certificate_url
0003 trusted_ca_keys
0004 truncated_hmac
0005 status_request
0006 user_mapping
0007 client_authz
0008 server_authz
0009 cert_type
000a supported_groups
000b ec_point_formats
000c srp
000d signature_algorithms
000e use_srtp
000f heartbeat
0010 application_layer_protocol_negotiation
0011 status_request_v2
0012 signed_certificate_timestamp
0013 client_certificate_type
0014 server_certificate_type
0015 padding
0016 encrypt_then_mac
0017 extended_master_secret
0018 token_binding
0019 cached_info
001b compress_certificate
001c record_size_limit
0022 delegated_credentials
0023 session_ticket
0028 Reserved (key_share)
0029 pre_shared_key
002a early_data
002b supported_versions
002c cookie
002d psk_key_exchange_modes
002e Reserved (ticket_early_data_info)
002f certificate_authorities
0030 oid_filters
0031 post_handshake_auth
0032 signature_algorithms_cert
0033 key_share
0034 transparency_info
0035 connection_id (deprecated)
0036 connection_id
0037 external_id_hash
0038 external_session_id
0039 quic_transport_parameters
003a ticket_request
003b dnssec_chain
0a0a Reserved (GREASE)
1a1a Reserved (GREASE)
2a2a Reserved (GREASE)
3374 next_protocol_negotiation
3a3a Reserved (GREASE)
4469 application_settings
4a4a Reserved (GREASE)
5a5a Reserved (GREASE)
6a6a Reserved (GREASE)
754f channel_id_old
7550 channel_id
7a7a Reserved (GREASE)
8a8a Reserved (GREASE)
9a9a Reserved (GREASE)
aaaa Reserved (GREASE)
baba Reserved (GREASE)
caca Reserved (GREASE)
dada Reserved (GREASE)
eaea Reserved (GREASE)
fafa Reserved (GREASE)
ff01 renegotiation_info
ffa5 quic_transport_parameters (drafts version)
ffce encrypted_server_name
""")


#: tls.handshake.extensions_supported_group
GROUPS = _table("""
0001 sect163k1
0002 sect163r1
0003 sect163r2
0004 sect193r1
0005 sect193r2
0006 sect233k1
0007 sect233r1
0008 sect239k1
0009 sect283k1
000a sect283r1
000b sect409k1
000c sect409r1
000d sect571k1
000e sect571r1
000f secp160k1
0010 secp160r1
0011 secp160r2
0012 secp192k1
0013 secp192r1
0014 secp224k1
0015 secp224r1
0016 secp256k1
0017 secp256r1
0018 secp384r1
0019 secp521r1
001a brainpoolP256r1
001b brainpoolP384r1
001c brainpoolP512r1
001d x25519
001e x448
0029 curveSM2
0100 ffdhe2048
0101 ffdhe3072
0102 ffdhe4096
0103 ffdhe6144
0104 ffdhe8192
0200 frodo640aes
0201 frodo640shake
0202 frodo976aes
0203 frodo976shake
0204 frodo1344aes
0205 frodo1344shake
0214 ntru_hps2048509
0215 ntru_hps2048677
0216 ntru_hps4096821
0217 ntru_hrss701
0218 lightsaber
0219 saber
021a firesaber
021b sidhp434
021c sidhp503
021d sidhp610
021e sidhp751
021f sikep434
0220 sikep503
0221 sikep610
0222 sikep751
022c hqc128
022d hqc192
022e hqc256
022f ntrulpr653
0230 ntrulpr761
0231 ntrulpr857
0232 sntrup653
0233 sntrup761
0234 sntrup857
0238 bikel1
023a kyber512
023b bikel3
023c kyber768
023d kyber1024
023e kyber90s512
023f kyber90s768
0240 kyber90s1024
0241 ntrulpr1277
0242 sntrup1277
0245 ntru_hps40961229
0246 ntru_hrss1373
0a0a Reserved (GREASE)
1a1a Reserved (GREASE)
2a2a Reserved (GREASE)
2f00 p256_frodo640aes
2f01 p256_frodo640shake
2f02 p384_frodo976aes
2f03 p384_frodo976shake
2f04 p521_frodo1344aes
2f05 p521_frodo1344shake
2f14 p256_ntru_hps2048509
2f15 p384_ntru_hps2048677
2f16 p521_ntru_hps4096821
2f17 p384_ntru_hrss701
2f18 p256_lightsaber
2f19 p384_saber
2f1a p521_firesaber
2f1b p256_sidhp434
2f1c p256_sidhp503
2f1d p384_sidhp610
2f1e p521_sidhp751
2f1f p256_sikep434
2f20 p256_sikep503
2f21 p384_sikep610
2f22 p521_sikep751
2f2c p256_hqc128
2f2d p384_hqc192
2f2e p521_hqc256
2f2f p256_ntrulpr653
2f31 p384_ntrulpr857
2f32 p256_sntrup653
2f34 p384_sntrup857
2f38 p256_bikel1
2f3a p256_kyber512
2f3b p384_bikel3
2f3c p384_kyber768
2f3d p521_kyber1024
2f3e p256_kyber90s512
2f3f p384_kyber90s768
2f40 p521_kyber90s1024
2f41 p521_ntrulpr1277
2f42 p521_sntrup1277
2f43 p256_ntrulpr761
2f44 p256_sntrup761
2f45 p521_ntru_hps40961229
2f46 p521_ntru_hrss1373
3a3a Reserved (GREASE)
4a4a Reserved (GREASE)
5a5a Reserved (GREASE)
6a6a Reserved (GREASE)
7a7a Reserved (GREASE)
8a8a Reserved (GREASE)
9a9a Reserved (GREASE)
aaaa Reserved (GREASE)
baba Reserved (GREASE)
caca Reserved (GREASE)
dada Reserved (GREASE)
eaea Reserved (GREASE)
fafa Reserved (GREASE)
ff01 arbitrary_explicit_prime_curves
ff02 arbitrary_explicit_char2_curves
""")


#: tls.handshake.sig_hash_alg
SIG_ALGS = _table("""
0201 rsa_pkcs1_sha1
0203 ecdsa_sha1
0401 rsa_pkcs1_sha256
0403 ecdsa_secp256r1_sha256
0501 rsa_pkcs1_sha384
0503 ecdsa_secp384r1_sha384
0601 rsa_pkcs1_sha512
0603 ecdsa_secp521r1_sha512
0708 sm2sig_sm3
0804 rsa_pss_rsae_sha256
0805 rsa_pss_rsae_sha384
0806 rsa_pss_rsae_sha512
0807 ed25519
0808 ed448
0809 rsa_pss_pss_sha256
080a rsa_pss_pss_sha384
080b rsa_pss_pss_sha512
fe0b falcon512
fe0c p256_falcon512
fe0d rsa3072_falcon512
fe0e falcon1024
fe0f p521_falcon1024
fe1b picnic3l1
fe1c p256_picnic3l1
fe1d rsa3072_picnic3l1
fe27 rainbowIclassic
fe28 p256_rainbowIclassic
fe29 rsa3072_rainbowIclassic
fe3c rainbowVclassic
fe3d p521_rainbowVclassic
fe42 sphincsharaka128frobust
fe43 p256_sphincsharaka128frobust
fe44 rsa3072_sphincsharaka128frobust
fe5e sphincssha256128frobust
fe5f p256_sphincssha256128frobust
fe60 rsa3072_sphincssha256128frobust
fe7a sphincsshake256128frobust
fe7b p256_sphincsshake256128frobust
fe7c rsa3072_sphincsshake256128frobust
fe96 picnicl1full
fe97 p256_picnicl1full
fe98 rsa3072_picnicl1full
fea0 dilithium2
fea1 p256_dilithium2
fea2 rsa3072_dilithium2
fea3 dilithium3
fea4 p384_dilithium3
fea5 dilithium5
fea6 p521_dilithium5
fea7 dilithium2_aes
fea8 p256_dilithium2_aes
fea9 rsa3072_dilithium2_aes
feaa dilithium3_aes
feab p384_dilithium3_aes
feac dilithium5_aes
fead p521_dilithium5_aes
""")


#: tls.handshake.sig_hash_hash
SIG_HASHES = _table("""
00 None
01 MD5
02 SHA1
03 SHA224
04 SHA256
05 SHA384
06 SHA512
07 SM3
""")


#: tls.handshake.sig_hash_sig
SIG_SIGS = _table("""
00 Anonymous
01 RSA
02 DSA
03 ECDSA
04 SM2
""")


#: tls.handshake.extensions_ec_point_format
EC_POINT_FORMATS = _table("""
00 uncompressed
01 ansiX962_compressed_prime
02 ansiX962_compressed_char2
""")


#: tls.alert_message.level
ALERT_LEVELS = _table("""
01 Warning
02 Fatal
""")


#: tls.alert_message.desc
ALERT_DESCS = _table("""
00 Close Notify
01 End of Early Data
0a Unexpected Message
14 Bad Record MAC
15 Decryption Failed
16 Record Overflow
1e Decompression Failure
28 Handshake Failure
29 No Certificate
2a Bad Certificate
2b Unsupported Certificate
2c Certificate Revoked
2d Certificate Expired
2e Certificate Unknown
2f Illegal Parameter
30 Unknown CA
31 Access Denied
32 Decode Error
33 Decrypt Error
3c Export Restriction
46 Protocol Version
47 Insufficient Security
50 Internal Error
56 Inappropriate Fallback
5a User Canceled
64 No Renegotiation
6d Missing Extension
6e Unsupported Extension
6f Certificate Unobtainable
70 Unrecognized Name
71 Bad Certificate Status Response
72 Bad Certificate Hash Value
73 Unknown PSK Identity
74 Certificate Required
78 No application Protocol
79 ECH Required
""")


#: tls.handshake.extensions_server_name_type
SERVER_NAME_TYPES = _table("""
00 host_name
""")


#: tls.extension.psk_ke_mode
PSK_KE_MODES = _table("""
00 PSK-only key establishment (psk_ke)
01 PSK with (EC)DHE key establishment (psk_dhe_ke)
""")


#: tls.handshake.extension.heartbeat.mode
HEARTBEAT_MODES = _table("""
01 Peer allowed to send requests
02 Peer not allowed to send requests
""")


#: tls.handshake.server_curve_type
CURVE_TYPES = _table("""
01 explicit_prime
02 explicit_char2
03 named_curve
""")


#: tls.handshake.extensions_status_request_type
STATUS_REQUEST_TYPES = _table("""
01 OCSP
02 OCSP Multi
""")


#: tls.handshake.cert_type
CERT_TYPES = _table("""
00 N/A
01 RSA Sign
02 DSS Sign
03 RSA Fixed DH
04 DSS Fixed DH
15 GOST R 34.10-94
16 GOST R 34.10-2001
40 ECDSA Sign
41 RSA Fixed ECDH
42 ECDSA Fixed ECDH
50 IBC Params
""")


#: tls.compress_certificate.algorithm
COMP_CERT_ALGS = _table("""
0001 zlib
0002 brotli
0003 zstd
""")
