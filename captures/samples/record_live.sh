#!/bin/sh
# Record the live samples once (as root, Linux): the generators' traffic captured on lo.
# These files are checked in and never regenerated (make_samples.py writes the others);
# their golden outputs are in tests/golden/samples/. Loopback only: 127.77.0.1/.2.
#   sh captures/samples/record_live.sh OUTDIR
set -eu
out=${1:?OUTDIR}
A=.venv/bin/analyze
T=.venv/bin/traffic
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
python3 -c "import sys; sys.stdout.buffer.write(bytes(range(256)) * 12)" > "$root/boot.bin"
printf 'line one\nline two\n' > "$root/notes.txt"

# TFTP: our server on 127.77.0.1:6969, a get with options, a get in netascii, a put.
$A -i lo -f "host 127.77.0.1 and udp" -w "$out/live_tftp.pcapng" -a duration:6 >/dev/null 2>&1 &
cap=$!
sleep 1.5
$T tftp serve --root "$root" --host 127.77.0.1 --port 6969 --create --duration 4 &
srv=$!
sleep 0.5
$T tftp get 127.77.0.1:6969 boot.bin -o "$root/got.bin" --blksize 1024 >/dev/null
$T tftp get 127.77.0.1:6969 notes.txt -o "$root/notes.got" --mode netascii >/dev/null
$T tftp put 127.77.0.1:6969 "$root/notes.txt" uploaded.txt >/dev/null
wait $srv || true
wait $cap || true

# FeiQ: a listener on 127.77.0.2, a GBK message with sendcheck from 127.77.0.1.
$A -i lo -f "udp port 2425 and (host 127.77.0.1 or host 127.77.0.2)" \
    -w "$out/live_feiq.pcapng" -a duration:5 >/dev/null 2>&1 &
cap=$!
sleep 1.5
$T feiq listen --bind 127.77.0.2 --no-broadcast --user bob --hostname bob-pc \
    --nickname bob --timeout 3 >/dev/null &
lis=$!
sleep 0.5
$T feiq send 127.77.0.2 "你好, lab 3" --bind 127.77.0.1 --no-broadcast --user alice \
    --hostname alice-pc --nickname alice >/dev/null
wait $lis || true
wait $cap || true
ls -l "$out/live_tftp.pcapng" "$out/live_feiq.pcapng"
