#!/bin/sh
# Issue 14's rows, one run each on a quiet machine: analyze in one process
# (LABSHARK_SPLIT=0), analyze as it defaults (two processes when a core is idle) and
# tshark -n, one after the other; the two analyze outputs compared with cmp.
#   sh bench/quiet_rows.sh BIG.pcap CUT.pcap    (the 1M capture and its 30k cut)
big=${1:?the 1M capture}; cut=${2:?its 30k cut}
A=${ANALYZE:-.venv/bin/analyze}
row() {  # row FILE ARGS...
    f=$1; shift
    uptime
    LABSHARK_SPLIT=0 /usr/bin/time -f "analyze one [$*] %e wall %U user %S sys %M KB" "$A" -r "$f" "$@" > /tmp/quiet_rows.1
    /usr/bin/time -f "analyze default [$*] %e wall %U user %S sys %M KB" "$A" -r "$f" "$@" > /tmp/quiet_rows.2
    cmp /tmp/quiet_rows.1 /tmp/quiet_rows.2 && echo "same output, $(wc -l < /tmp/quiet_rows.1) lines"
    /usr/bin/time -f "tshark [$*] %e wall %U user %S sys %M KB" tshark -n -r "$f" "$@" > /dev/null
}
for flt in "udp.port == 69" "tcp.flags.syn == 1" "ip.addr == 10.0.0.0/8"; do
    row "$big" -Y "$flt"
done
row "$big"
row "$cut" -V
row "$cut" -T json
rm -f /tmp/quiet_rows.1 /tmp/quiet_rows.2
