#!/bin/sh
# Issue 14's rows, one run each on a quiet machine: analyze in one process
# (LABSHARK_SPLIT=0), analyze as it defaults (two processes when a core is idle) and
# tshark -n, one after the other; the two analyze outputs compared by checksum (-V of
# 1M packets is gigabytes: not kept).
#   sh bench/quiet_rows.sh BIG.pcap [CUT.pcap]  (the 1M capture; -V and -T json run on
#                                                CUT if given, else on BIG, as issue 14 asks)
big=${1:?the 1M capture}; cut=${2:-$big}
A=${ANALYZE:-.venv/bin/analyze}
row() {  # row FILE ARGS...
    f=$1; shift
    uptime
    LABSHARK_SPLIT=0 /usr/bin/time -f "analyze one [$*] %e wall %U user %S sys %M KB" sh -c '"$0" -r "$@" | cksum' "$A" "$f" "$@" > /tmp/quiet_rows.1
    /usr/bin/time -f "analyze default [$*] %e wall %U user %S sys %M KB" sh -c '"$0" -r "$@" | cksum' "$A" "$f" "$@" > /tmp/quiet_rows.2
    cmp /tmp/quiet_rows.1 /tmp/quiet_rows.2 && echo "same output (cksum, bytes): $(cat /tmp/quiet_rows.1)"
    /usr/bin/time -f "tshark [$*] %e wall %U user %S sys %M KB" tshark -n -r "$f" "$@" > /dev/null
}
for flt in "udp.port == 69" "tcp.flags.syn == 1" "ip.addr == 10.0.0.0/8"; do
    row "$big" -Y "$flt"
done
row "$big"
row "$cut" -V
row "$cut" -T json
rm -f /tmp/quiet_rows.1 /tmp/quiet_rows.2
